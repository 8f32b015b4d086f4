package playlist

import (
	"context"
	"slices"
	"testing"

	"onair/library"
)

// dirsIndex is a library that records the folders it was asked about.
type dirsIndex struct{ asked [][]string }

func (d *dirsIndex) Version() uint64 { return 1 }
func (d *dirsIndex) Under(_ context.Context, dirs []string) ([]library.Track, error) {
	d.asked = append(d.asked, slices.Clone(dirs))
	return []library.Track{{ID: 1, Path: dirs[0] + "/t.mp3", Format: "mp3"}}, nil
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
