// Package store is OnAir's embedded SQLite database in the data folder:
// what DJs and admins change from the console and what the server
// records. It opens the database and moves its schema forward by numbered
// migrations; the packages that own the tables read and write them: the
// library's tracks (library), playlists and the history of plays
// (playlist), mixer levels and console settings (settings), accounts and
// sessions (accounts), bans (bans) and listener counts (audience). It
// runs in WAL mode with full syncs, so a change the API has answered
// survives a crash or a power cut.
package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// FileName is the database's name inside the data folder.
const FileName = "onair.db"

// Store is the open database. DB is safe for concurrent use; writes are
// serialised by SQLite (transactions take the write lock when they begin,
// so two writers wait for each other instead of failing half way).
type Store struct {
	DB   *sql.DB
	Path string
}

// Open opens (creating when needed) the store in dir and brings its
// schema up to date.
func Open(ctx context.Context, dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	path := filepath.Join(dir, FileName)
	q := url.Values{}
	for _, p := range []string{
		"journal_mode(WAL)",
		"synchronous(FULL)", // an answered change survives a power cut
		"busy_timeout(10000)",
		"foreign_keys(ON)",
	} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	// A handful of connections: readers run beside the one writer.
	db.SetMaxOpenConns(4)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close() // err is the news
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	s := &Store{DB: db, Path: path}
	if err := s.migrate(ctx); err != nil {
		_ = db.Close() // err is the news
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	return s, nil
}

// Close checkpoints the write-ahead log into the database and closes it.
func (s *Store) Close() error {
	_, _ = s.DB.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	return s.DB.Close()
}

// Tx runs fn in a write transaction, committing when it returns nil.
func (s *Store) Tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.DB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
