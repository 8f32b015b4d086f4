package playlist

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"

	"onair/library"
)

// Choice is the track a rotation chose.
type Choice struct {
	Path       string
	TrackID    int64
	PlaylistID int64  // 0: the whole library, no playlist active
	Playlist   string // the playlist's name
}

// TrackIndex is the part of the library a rotation reads; *Library is one.
type TrackIndex interface {
	// Version changes whenever the library does.
	Version() uint64
	// Under returns the playable tracks inside dirs.
	Under(ctx context.Context, dirs []string) ([]library.Track, error)
}

// Rotation picks a station's tracks: for each next track a playlist among
// the station's active ones, with probability proportional to its
// weight, then that playlist's mode picks the track. With no active
// playlist that has something to play, the station's whole library plays
// shuffled. Playlist edits and library changes are picked up at the next
// pick. Safe for concurrent use.
type Rotation struct {
	station string
	dirs    []string
	lib     TrackIndex
	pls     *Playlists
	log     *slog.Logger
	rng     *rand.Rand

	mu     sync.Mutex
	libVer uint64
	plVer  uint64
	lists  []*activeList
	all    *picker // the whole library, shuffled
	paths  map[int64]string
	failed map[int64]bool // tracks that would not open, until the library changes
}

// activeList is an active playlist and its picker.
type activeList struct {
	pl     Playlist
	picker *picker
}

// NewRotation picks for station from its active playlists, or from the
// tracks in dirs. seed fixes the random choices for tests; 0 picks one.
func NewRotation(station string, dirs []string, lib TrackIndex, pls *Playlists, seed uint64, log *slog.Logger) *Rotation {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if seed == 0 {
		seed = rand.Uint64() //nolint:gosec // a shuffle, not a secret
	}
	return &Rotation{
		station: station, dirs: dirs, lib: lib, pls: pls, log: log,
		rng:   rand.New(rand.NewPCG(seed, seed^0x6a09e667f3bcc909)), //nolint:gosec // a shuffle, not a secret
		paths: map[int64]string{}, failed: map[int64]bool{},
	}
}

// SetDirs makes the rotation pick from the tracks in dirs: the next pick
// reads them from the library.
func (r *Rotation) SetDirs(dirs []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.dirs = dirs
	r.libVer = 0 // the library's Version is never 0: the next pick reloads
}

// Pick chooses the next track. It fails, wrapping ErrEmpty, when neither
// a playlist nor the library has anything to play.
func (r *Rotation) Pick(ctx context.Context) (Choice, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.refresh(ctx); err != nil {
		return Choice{}, err
	}
	for {
		l := r.chooseList()
		if l == nil {
			break
		}
		i := l.picker.pick()
		if i < 0 {
			// A sequential playlist played through: it stops itself and
			// the station moves on to its other playlists.
			r.dropList(l)
			if l.picker.done {
				r.log.Info("sequential playlist played through: stopping it", "component", "playlist",
					"station", r.station, "playlist", l.pl.Name)
				if err := r.pls.finished(ctx, l.pl.ID); err != nil {
					r.log.Warn("cannot stop playlist", "component", "playlist", "playlist", l.pl.Name, "err", err)
				}
				r.plVer = r.pls.Version()
			}
			continue
		}
		t := l.picker.items[i].track
		return Choice{Path: r.paths[t], TrackID: t, PlaylistID: l.pl.ID, Playlist: l.pl.Name}, nil
	}
	if i := r.all.pick(); i >= 0 {
		t := r.all.items[i].track
		return Choice{Path: r.paths[t], TrackID: t}, nil
	}
	return Choice{}, fmt.Errorf("%w in %s", ErrEmpty, strings.Join(r.dirs, ", "))
}

// chooseList draws an active playlist that has something to play, by
// playlist weight; nil when there is none.
func (r *Rotation) chooseList() *activeList {
	total := 0
	for _, l := range r.lists {
		if l.picker.playable() && !l.picker.done {
			total += l.pl.Weight
		}
	}
	if total == 0 {
		return nil
	}
	n := r.rng.IntN(total)
	for _, l := range r.lists {
		if l.picker.playable() && !l.picker.done {
			if n -= l.pl.Weight; n < 0 {
				return l
			}
		}
	}
	return nil
}

func (r *Rotation) dropList(l *activeList) {
	for i, x := range r.lists {
		if x == l {
			r.lists = append(r.lists[:i], r.lists[i+1:]...)
			return
		}
	}
}

// Forget sets aside a track that would not open, until the library
// changes (a rescan may find it fixed, or gone).
func (r *Rotation) Forget(c Choice) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed[c.TrackID] = true
	for _, p := range r.pickers() {
		for i := range p.items {
			if p.items[i].track == c.TrackID {
				p.items[i].ok = false
			}
		}
	}
}

func (r *Rotation) pickers() []*picker {
	ps := []*picker{r.all}
	for _, l := range r.lists {
		ps = append(ps, l.picker)
	}
	return ps
}

// refresh reloads what changed since the last pick: the library's tracks
// for the whole-library shuffle, the station's active playlists.
func (r *Rotation) refresh(ctx context.Context) error {
	lv, pv := r.lib.Version(), r.pls.Version()
	if r.all != nil && lv == r.libVer && pv == r.plVer {
		return nil
	}
	if r.all == nil || lv != r.libVer {
		tracks, err := r.lib.Under(ctx, r.dirs)
		if err != nil {
			return fmt.Errorf("station %s: read the library: %w", r.station, err)
		}
		items := make([]entry, len(tracks))
		for i, t := range tracks {
			items[i] = entry{track: t.ID, weight: DefaultItemWeight, ok: t.Playable()}
			r.paths[t.ID] = t.Path
		}
		clear(r.failed)
		// Never the same track twice in a row across rounds.
		if r.all == nil {
			r.all = newPicker(Shuffle, 1, items, r.rng)
		} else {
			r.all.reload(Shuffle, 1, items)
		}
	}
	if err := r.loadLists(ctx); err != nil {
		return err
	}
	r.libVer, r.plVer = lv, pv
	return nil
}

// loadLists reads the station's active playlists and their items, keeping
// the pickers of playlists that stay active.
func (r *Rotation) loadLists(ctx context.Context) error {
	all, err := r.pls.List(ctx, r.station)
	if err != nil {
		return fmt.Errorf("station %s: %w", r.station, err)
	}
	old := map[int64]*activeList{}
	for _, l := range r.lists {
		old[l.pl.ID] = l
	}
	r.lists = r.lists[:0]
	for _, pl := range all {
		if !pl.Active {
			continue
		}
		items, err := listItems(ctx, r.pls.st.DB, pl.ID)
		if err != nil {
			return fmt.Errorf("station %s: %w", r.station, err)
		}
		entries := make([]entry, len(items))
		for i, it := range items {
			entries[i] = entry{track: it.TrackID, weight: it.Weight, ok: it.Track.Playable() && !r.failed[it.TrackID]}
			r.paths[it.TrackID] = it.Track.Path
		}
		l := old[pl.ID]
		if l == nil || l.picker.done { // new, or a sequential list started again
			l = &activeList{picker: newPicker(pl.Mode, pl.RepeatGuard, entries, r.rng)}
		} else {
			l.picker.reload(pl.Mode, pl.RepeatGuard, entries)
		}
		l.pl = pl
		r.lists = append(r.lists, l)
	}
	return nil
}
