package library

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestLibrarySetDirs: the library scans the folders it was given last;
// tracks of a folder dropped go missing and come back, under their ids,
// when it is added again; uploads go only to the folders now.
func TestLibrarySetDirs(t *testing.T) {
	fx := makeProbeFixtures(t, t.TempDir())
	a, b := t.TempDir(), t.TempDir()
	copyFixture(t, fx, "cbr44.mp3", a, "a.mp3")
	copyFixture(t, fx, "vbr44.mp3", b, "b.mp3") // another file: the same size and time would pass for a move
	ctx := context.Background()
	l, st := newTestLibrary(t, a)
	wantCounts(t, mustScan(t, l), ScanResult{Added: 1})
	first := trackAt(t, st, l, filepath.Join(a, "a.mp3"))

	l.SetDirs([]string{b, b + "/"})
	if got := l.Dirs(); !slices.Equal(got, []string{b}) {
		t.Fatalf("Dirs after SetDirs = %q, want [%s]", got, b)
	}
	wantCounts(t, mustScan(t, l), ScanResult{Added: 1, Removed: 1})
	if tr := trackAt(t, st, l, filepath.Join(a, "a.mp3")); !tr.Missing {
		t.Errorf("a track of a folder dropped is not missing: %+v", tr)
	}
	if _, err := l.Upload(ctx, a, "x.mp3", strings.NewReader(""), 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("upload to a folder dropped: %v, want ErrInvalid", err)
	}

	l.SetDirs([]string{a, b})
	wantCounts(t, mustScan(t, l), ScanResult{Added: 1, Unchanged: 1})
	if tr := trackAt(t, st, l, filepath.Join(a, "a.mp3")); tr.Missing || tr.ID != first.ID {
		t.Errorf("a track back with its folder: %+v, want id %d and not missing", tr, first.ID)
	}
}
