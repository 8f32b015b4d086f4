package mixer

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"
)

// Choice is what a picker chose to play next.
type Choice struct {
	Path       string
	TrackID    int64  // the library's id; 0 when not from a library
	PlaylistID int64  // the playlist it came from; 0 for none
	Playlist   string // that playlist's name
}

// Picker chooses the file to play next.
type Picker interface {
	Pick(ctx context.Context) (Choice, error)
	// Forget sets aside a file that would not open.
	Forget(c Choice)
}

// Opener opens a file as a track at the station's sample rate.
type Opener func(path string) (*Track, error)

// Queue opens the next track ahead of time in its own goroutine, so the
// audio loop never waits on a disk, a directory walk or a decoder's scan
// of a file. It keeps one track ready.
type Queue struct {
	picker   Picker
	open     Opener
	problems *Problems
	log      *slog.Logger
	ready    chan *Track              // unbuffered: the track in hand is the one next
	upcoming atomic.Pointer[Upcoming] // the ready track, for "what's next"
	// dry is set while Run waits after finding nothing it could play;
	// gaveUp is closed, and replaced, each time it starts such a wait.
	dry    atomic.Bool
	gaveUp atomic.Pointer[chan struct{}]
	// Retry is the wait after a failure that left nothing to play.
	Retry time.Duration
}

// NewQueue makes a queue; Run fills it.
func NewQueue(p Picker, open Opener, problems *Problems, log *slog.Logger) *Queue {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	q := &Queue{picker: p, open: open, problems: problems, log: log, ready: make(chan *Track), Retry: 2 * time.Second}
	ch := make(chan struct{})
	q.gaveUp.Store(&ch)
	return q
}

// Upcoming is the track the queue has ready to play next.
type Upcoming struct {
	Title    string // "Artist - Title"
	Artist   string
	Name     string // the title tag alone
	Path     string
	Duration time.Duration
	Playlist string
}

// Upcoming returns the track that plays next, if one is ready.
func (q *Queue) Upcoming() (Upcoming, bool) {
	if u := q.upcoming.Load(); u != nil {
		return *u, true
	}
	return Upcoming{}, false
}

// Next returns the track that is ready, or nil. It never waits.
func (q *Queue) Next() *Track {
	select {
	case t := <-q.ready:
		return q.taken(t)
	default:
		return nil
	}
}

// taken notes that t left the queue.
func (q *Queue) taken(t *Track) *Track {
	// Only this track's entry: the queue may have readied another.
	q.upcoming.CompareAndSwap(t.upcoming, nil)
	return t
}

// Await returns the next track as soon as it is ready; nil when ctx
// ends first, or when the queue has found nothing it could play and waits
// before it tries again.
func (q *Queue) Await(ctx context.Context) *Track {
	// The channel before the flag: a give-up between the two reads
	// closes the channel this waits on.
	gaveUp := *q.gaveUp.Load()
	if q.dry.Load() {
		return q.Next()
	}
	select {
	case t := <-q.ready:
		return q.taken(t)
	case <-gaveUp:
		return q.Next()
	case <-ctx.Done():
		return nil
	}
}

// retryLater waits Retry after a failure that left nothing to play,
// telling those awaiting a track not to wait for it.
func (q *Queue) retryLater(ctx context.Context) bool {
	q.dry.Store(true)
	ch := make(chan struct{})
	close(*q.gaveUp.Swap(&ch))
	ok := wait(ctx, q.Retry)
	q.dry.Store(false)
	return ok
}

// Run keeps a track ready until ctx ends.
func (q *Queue) Run(ctx context.Context) {
	defer func() {
		// Close what was opened and never played.
		for {
			select {
			case t := <-q.ready:
				_ = t.Audio.Close() // a file only read from
			default:
				return
			}
		}
	}()
	failures := 0
	last, skippedRepeat := "", false
	for ctx.Err() == nil {
		c, err := q.picker.Pick(ctx)
		path := c.Path
		if err == nil && path == last && !skippedRepeat {
			// The picker's rounds avoid a repeat, but files that fail to
			// open can bring the last track back to the front: pass once.
			skippedRepeat = true
			continue
		}
		if err != nil {
			q.log.Warn("nothing to play", "component", "mixer", "err", err)
			q.problems.Add("", err)
			if !q.retryLater(ctx) {
				return
			}
			continue
		}
		t, err := q.open(path)
		if err != nil {
			q.log.Warn("cannot play file", "component", "mixer", "path", path, "err", err)
			q.problems.Add(path, err)
			q.picker.Forget(c)
			// A folder of broken files must not become a busy loop.
			if failures++; failures%8 == 0 {
				q.problems.Add("", fmt.Errorf("no playable files: the last %d tried would not open", failures))
				if !q.retryLater(ctx) {
					return
				}
			}
			continue
		}
		t.TrackID, t.PlaylistID, t.Playlist = c.TrackID, c.PlaylistID, c.Playlist
		failures = 0
		last, skippedRepeat = path, false
		q.problems.Clear("")
		t.upcoming = &Upcoming{Title: t.Title, Artist: t.Artist, Name: t.Name, Path: t.Path, Duration: t.Duration, Playlist: t.Playlist}
		q.upcoming.Store(t.upcoming)
		select {
		case q.ready <- t:
		case <-ctx.Done():
			q.upcoming.Store(nil)
			_ = t.Audio.Close() // a file only read from
			return
		}
	}
}

func wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
