// Package playlist chooses what a station plays. Until playlists exist, a
// Folder plays the station's media folders shuffled, each file once per
// round.
package playlist

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// ErrEmpty means the folders hold nothing playable.
var ErrEmpty = errors.New("no playable files")

// Playable reports whether a file's name marks it as audio OnAir plays.
func Playable(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".mp3", ".ogg", ".oga":
		return true
	}
	return false
}

// Folder picks files from folders in shuffled rounds: every file once per
// round, the order new each round, and never the same file twice in a row
// across rounds. Files added while it runs join the current round; files
// removed leave it.
type Folder struct {
	dirs    []string
	rescan  time.Duration
	rng     *rand.Rand
	mu      sync.Mutex
	files   map[string]bool // known files
	round   []string        // still to play this round, in order
	last    string
	scanned time.Time
	scanErr error
}

// NewFolder picks from dirs, looking for new files at most every rescan.
// seed fixes the shuffle for tests; 0 picks one.
func NewFolder(dirs []string, rescan time.Duration, seed uint64) *Folder {
	if seed == 0 {
		seed = rand.Uint64()
	}
	return &Folder{dirs: dirs, rescan: rescan, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), files: map[string]bool{}}
}

// Pick returns the next file. It fails with ErrEmpty (wrapped with the
// folders' names) when there is nothing to play, or with the error that
// kept the folders from being read.
func (f *Folder) Pick() (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	newRound := len(f.round) == 0
	if newRound || time.Since(f.scanned) >= f.rescan {
		f.scan(!newRound)
	}
	if len(f.round) == 0 {
		// A new round: everything, shuffled.
		for p := range f.files {
			f.round = append(f.round, p)
		}
		slices.Sort(f.round) // map order is not the shuffle's to decide
		f.rng.Shuffle(len(f.round), func(i, j int) { f.round[i], f.round[j] = f.round[j], f.round[i] })
		if len(f.round) > 1 && f.round[0] == f.last {
			last := len(f.round) - 1
			f.round[0], f.round[last] = f.round[last], f.round[0]
		}
	}
	if len(f.round) == 0 {
		if f.scanErr != nil {
			return "", f.scanErr
		}
		return "", fmt.Errorf("%s: %w", strings.Join(f.dirs, ", "), ErrEmpty)
	}
	p := f.round[0]
	f.round = f.round[1:]
	f.last = p
	return p, nil
}

// Forget drops a file that cannot be played from this round; a later scan
// brings it back (it may have been fixed).
func (f *Folder) Forget(path string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.files, path)
	f.round = slices.DeleteFunc(f.round, func(p string) bool { return p == path })
}

// scan walks the folders and drops files that are gone; with join, new
// files join the round under way in random places.
func (f *Folder) scan(join bool) {
	f.scanned = time.Now()
	found := map[string]bool{}
	var errs []error
	for _, dir := range f.dirs {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				errs = append(errs, err)
				if d != nil && d.IsDir() && p != dir {
					return fs.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() && Playable(d.Name()) || d.Type()&os.ModeSymlink != 0 && Playable(d.Name()) {
				found[p] = true
			}
			return nil
		})
		if err != nil {
			errs = append(errs, err)
		}
	}
	f.scanErr = errors.Join(errs...)
	for p := range f.files {
		if !found[p] {
			delete(f.files, p)
		}
	}
	f.round = slices.DeleteFunc(f.round, func(p string) bool { return !found[p] })
	var added []string
	for p := range found {
		if !f.files[p] {
			f.files[p] = true
			added = append(added, p)
		}
	}
	if !join {
		return
	}
	slices.Sort(added)
	for _, p := range added {
		i := f.rng.IntN(len(f.round) + 1)
		f.round = slices.Insert(f.round, i, p)
	}
}

// ScanError is why the last scan could not read everything, or nil.
func (f *Folder) ScanError() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.scanErr
}
