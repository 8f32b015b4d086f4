package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// Backup writes a consistent copy of the database to dst, a file that
// must not exist yet. VACUUM INTO reads in one transaction, so the copy is
// the database as of one moment even while the server writes (WAL lets
// it go on writing meanwhile), and the copy needs no -wal file beside it.
func (s *Store) Backup(ctx context.Context, dst string) error {
	if _, err := s.DB.ExecContext(ctx, "VACUUM INTO ?", dst); err != nil {
		return fmt.Errorf("copy the database to %s: %w", dst, err)
	}
	return nil
}

// Snapshot copies the database of the data folder dir to dst (see
// Backup), without creating a database or moving its schema: a server of
// another version may be running on it.
func Snapshot(ctx context.Context, dir, dst string) error {
	path := filepath.Join(dir, FileName)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: %w (is %s the data folder? start the server once first)", path, ErrNoDatabase, dir)
	} else if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	db, err := openFile(path, "rw")
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }() // the copy is complete once VACUUM returns
	return (&Store{DB: db, Path: path}).Backup(ctx, dst)
}

// Check opens the database file at path (a copy, not one a server uses),
// runs SQLite's integrity check, and returns its schema version, which
// must be one this OnAir knows.
func Check(ctx context.Context, path string) (int, error) {
	db, err := openFile(path, "rw")
	if err != nil {
		return 0, err
	}
	defer func() { _ = db.Close() }() // only read from
	rows, err := db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return 0, fmt.Errorf("check %s: %w", path, err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return 0, fmt.Errorf("check %s: %w", path, err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("check %s: %w", path, err)
	}
	if len(problems) > 0 {
		return 0, fmt.Errorf("check %s: the database is damaged: %s", path, strings.Join(problems, "; "))
	}
	var v int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("check %s: %w", path, err)
	}
	if v > len(migrations) {
		return v, fmt.Errorf("check %s: the database is from a newer OnAir (schema %d, this one knows %d)", path, v, len(migrations))
	}
	return v, nil
}

// openFile opens an existing database file (mode "rw" or "ro") without
// creating it and without migrations; a busy server's writes make it
// wait, not fail.
func openFile(path, mode string) (*sql.DB, error) {
	q := url.Values{}
	q.Set("mode", mode)
	q.Add("_pragma", "busy_timeout(10000)")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	if err := db.Ping(); err != nil {
		_ = db.Close() // err is the news
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	return db, nil
}
