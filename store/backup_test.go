package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestBackupIsACheckedCopy(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.DB.Exec(`INSERT INTO playlists (name, station, mode, created_at) VALUES ('kept', 'main', 'looped', 1)`); err != nil {
		t.Fatal(err)
	}
	// Snapshot reads the folder as another process would, beside the
	// open store.
	dst := filepath.Join(t.TempDir(), "copy.db")
	if err := Snapshot(ctx, dir, dst); err != nil {
		t.Fatal(err)
	}
	if v, err := Check(ctx, dst); err != nil || v != len(migrations) {
		t.Fatalf("Check of the copy: schema %d, %v", v, err)
	}
	if err := Snapshot(ctx, dir, dst); err == nil {
		t.Error("Snapshot wrote over an existing file")
	}
	// The copy opens as a data folder's store.
	restored := t.TempDir()
	if err := os.Rename(dst, filepath.Join(restored, FileName)); err != nil {
		t.Fatal(err)
	}
	c, err := Open(ctx, restored)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var name string
	if err := c.DB.QueryRow(`SELECT name FROM playlists`).Scan(&name); err != nil || name != "kept" {
		t.Errorf("the copy's playlist: %q, %v", name, err)
	}
}

func TestSnapshotOfNoDatabase(t *testing.T) {
	dir := t.TempDir()
	err := Snapshot(context.Background(), dir, filepath.Join(t.TempDir(), "copy.db"))
	if !errors.Is(err, ErrNoDatabase) {
		t.Fatalf("Snapshot of an empty folder: %v, want ErrNoDatabase", err)
	}
	if _, err := os.Stat(filepath.Join(dir, FileName)); err == nil {
		t.Error("Snapshot created a database")
	}
}

func TestCheckRefusesWhatIsNoDatabase(t *testing.T) {
	ctx := context.Background()
	junk := filepath.Join(t.TempDir(), "junk.db")
	os.WriteFile(junk, []byte("this is no SQLite database, whatever its name says; padded to a page or so"), 0o600)
	if _, err := Check(ctx, junk); err == nil {
		t.Error("Check accepted a text file")
	}
	// A newer schema than this OnAir knows.
	dir := t.TempDir()
	s, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	s.DB.Exec("PRAGMA user_version = 999")
	s.Close()
	if _, err := Check(ctx, filepath.Join(dir, FileName)); err == nil {
		t.Error("Check accepted a database from a newer OnAir")
	}
}

func TestLockDirIsExclusive(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	l, err := LockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LockDir(dir); !errors.Is(err, ErrLocked) {
		t.Fatalf("second LockDir: %v, want ErrLocked", err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l, err = LockDir(dir)
	if err != nil {
		t.Fatalf("LockDir after Close: %v", err)
	}
	l.Close()
}
