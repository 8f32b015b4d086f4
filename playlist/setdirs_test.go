package playlist

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

// dirsIndex is a library that records the folders it was asked about.
type dirsIndex struct{ asked [][]string }

func (d *dirsIndex) Version() uint64 { return 1 }
func (d *dirsIndex) Under(_ context.Context, dirs []string) ([]Track, error) {
	d.asked = append(d.asked, slices.Clone(dirs))
	return []Track{{ID: 1, Path: dirs[0] + "/t.mp3", Format: "mp3"}}, nil
}

// TestRotationSetDirs: the pick after SetDirs reads the new folders, even
// though the library did not change.
func TestRotationSetDirs(t *testing.T) {
	_, pls, _, _ := rotationFixture(t, 0)
	idx := &dirsIndex{}
	rot := NewRotation("main", []string{"/music"}, idx, pls, 1, nil)
	ctx := context.Background()
	if c, err := rot.Pick(ctx); err != nil || c.Path != "/music/t.mp3" {
		t.Fatalf("first pick: %+v, %v", c, err)
	}
	rot.SetDirs([]string{"/other"})
	c, err := rot.Pick(ctx)
	if err != nil || c.Path != "/other/t.mp3" {
		t.Fatalf("pick after SetDirs: %+v, %v", c, err)
	}
	if want := [][]string{{"/music"}, {"/other"}}; !slices.EqualFunc(idx.asked, want, slices.Equal) {
		t.Errorf("folders asked for: %q, want %q", idx.asked, want)
	}
}
