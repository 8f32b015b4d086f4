package playlist

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func touch(t *testing.T, dir string, names ...string) {
	t.Helper()
	for _, n := range names {
		p := filepath.Join(dir, n)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFolderRoundsPlayEachFileOnce(t *testing.T) {
	dir := t.TempDir()
	touch(t, dir, "a.mp3", "b.MP3", "sub/c.ogg", "d.oga", "notes.txt", "cover.jpg")
	f := NewFolder([]string{dir}, 0, 1)
	prev := ""
	orders := map[string]bool{}
	for round := range 20 {
		seen := map[string]bool{}
		order := ""
		for range 4 {
			p, err := f.Pick()
			if err != nil {
				t.Fatal(err)
			}
			if seen[p] {
				t.Fatalf("round %d: %s twice", round, p)
			}
			if p == prev {
				t.Fatalf("round %d: %s twice in a row across rounds", round, p)
			}
			seen[p] = true
			prev = p
			order += filepath.Base(p) + " "
		}
		if len(seen) != 4 {
			t.Fatalf("round %d played %v", round, seen)
		}
		orders[order] = true
	}
	if len(orders) < 5 {
		t.Errorf("only %d different orders in 20 rounds: not shuffled", len(orders))
	}
}

func TestFolderPicksUpNewFilesAndDropsGoneOnes(t *testing.T) {
	dir := t.TempDir()
	touch(t, dir, "a.mp3", "b.mp3", "c.mp3")
	f := NewFolder([]string{dir}, 0, 2) // rescan before every pick
	first, _ := f.Pick()
	touch(t, dir, "new.mp3")
	for _, n := range []string{"a.mp3", "b.mp3", "c.mp3"} {
		if p := filepath.Join(dir, n); p != first {
			os.Remove(p)
			break
		}
	}
	got := map[string]bool{}
	for range 2 {
		p, err := f.Pick()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("picked a removed file %s", p)
		}
		got[filepath.Base(p)] = true
	}
	if !got["new.mp3"] {
		t.Errorf("the rest of the round %v lacks the new file", got)
	}
}

func TestFolderEmptyAndUnreadable(t *testing.T) {
	dir := t.TempDir()
	touch(t, dir, "readme.txt")
	if _, err := NewFolder([]string{dir}, 0, 1).Pick(); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty folder: %v, want ErrEmpty", err)
	}
	_, err := NewFolder([]string{filepath.Join(dir, "missing")}, 0, 1).Pick()
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing folder: %v", err)
	}
}

func TestFolderForget(t *testing.T) {
	dir := t.TempDir()
	touch(t, dir, "a.mp3", "b.mp3", "c.mp3")
	f := NewFolder([]string{dir}, 1<<62, 3)
	f.Pick()
	gone := f.round[0] // next in line
	f.Forget(gone)
	if p, _ := f.Pick(); p == gone {
		t.Fatalf("picked %s after forgetting it", p)
	}
	if len(f.round) != 0 {
		t.Errorf("round still holds %v", f.round)
	}
}
