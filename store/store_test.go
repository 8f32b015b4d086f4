package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestOpenMigratesAndReopens(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	s, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := s.Version(ctx); err != nil || v != len(migrations) {
		t.Fatalf("version %d, %v; want %d", v, err, len(migrations))
	}
	var mode string
	if err := s.DB.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode %q, %v", mode, err)
	}
	if _, err := s.DB.Exec(`INSERT INTO playlists (name, station, mode, created_at) VALUES ('a', 'main', 'looped', 1)`); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var n int
	if err := s.DB.QueryRow(`SELECT count(*) FROM playlists`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("playlists after reopen: %d, %v", n, err)
	}
}

func TestConstraints(t *testing.T) {
	s, err := Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, q := range []string{
		`INSERT INTO playlists (name, station, mode, created_at) VALUES ('a', 'main', 'random', 1)`,
		`INSERT INTO playlists (name, station, mode, weight, created_at) VALUES ('a', 'main', 'looped', 11, 1)`,
		`INSERT INTO playlist_items (playlist_id, pos, track_id) VALUES (99, 0, 99)`, // foreign keys are on
	} {
		if _, err := s.DB.Exec(q); err == nil {
			t.Errorf("%s: accepted", q)
		}
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB.Exec("PRAGMA user_version = 999"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(ctx, dir); err == nil {
		t.Fatal("a database from a newer version opened")
	}
}

func TestDataDirIsAFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(context.Background(), file); err == nil {
		t.Fatal("opened a store in a regular file's place")
	}
}
