package mixer

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"onair/internal/leakcheck"
	"onair/internal/testenv"
)

// listPicker picks its paths in order, then fails.
type listPicker struct {
	mu     sync.Mutex
	paths  []string
	forgot []string
}

func (p *listPicker) Pick(context.Context) (Choice, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.paths) == 0 {
		return Choice{}, errors.New("nothing left")
	}
	s := p.paths[0]
	p.paths = p.paths[1:]
	return Choice{Path: s, TrackID: int64(len(s)), Playlist: "list"}, nil
}

func (p *listPicker) Forget(c Choice) {
	p.mu.Lock()
	p.forgot = append(p.forgot, c.Path)
	p.mu.Unlock()
}

func TestQueueSkipsFilesThatWillNotOpen(t *testing.T) {
	pk := &listPicker{paths: []string{"bad1", "good1", "bad2", "good2"}}
	probs := &Problems{}
	var opened []*toneTrack
	open := func(path string) (*Track, error) {
		if path[:3] == "bad" {
			return nil, errors.New("not audio")
		}
		tt := &toneTrack{freq: 100, amp: 0.1, frames: 10}
		opened = append(opened, tt)
		return &Track{Path: path, Audio: tt}, nil
	}
	leakcheck.Check(t) // Run leaves nothing running once it returns
	q := NewQueue(pk, open, probs, nil)
	q.Retry = 10 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { q.Run(ctx); close(done) }()

	got := awaitPaths(t, q, 2)
	if len(got) != 2 || got[0] != "good1" || got[1] != "good2" {
		t.Fatalf("tracks %v, want good1 good2", got)
	}
	// The picker has run dry: the queue gives up, which Await tells by
	// returning nothing, and that is reported as the station's problem.
	if rest := awaitPaths(t, q, 1); len(rest) != 0 {
		t.Fatalf("after the last file: %v, want nothing", rest)
	}
	cancel()
	<-done
	pk.mu.Lock()
	defer pk.mu.Unlock()
	if len(pk.forgot) != 2 {
		t.Errorf("forgotten %v", pk.forgot)
	}
	l := probs.List()
	if len(l) != 3 || l[0].Message != "nothing left" || l[1].Path != "bad2" || l[2].Path != "bad1" {
		t.Errorf("problems %+v", l)
	}
}

func TestQueueClosesUnplayedTrackOnStop(t *testing.T) {
	tt := &toneTrack{freq: 100, amp: 0.1, frames: 10}
	pk := &listPicker{paths: []string{"a"}}
	opened := make(chan struct{})
	open := func(string) (*Track, error) {
		defer close(opened)
		return &Track{Audio: tt}, nil
	}
	q := NewQueue(pk, open, nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { q.Run(ctx); close(done) }()
	// Stop once the track is open: nobody takes it, so from then on the
	// queue holds it waiting to be played until it stops.
	select {
	case <-opened:
	case <-time.After(10 * time.Second):
		t.Fatal("the queue never opened the track")
	}
	cancel()
	<-done
	if !tt.closed {
		t.Error("a track opened and never played was not closed")
	}
}

func TestQueueAvoidsARepeatWhenAFailedFileCameBetween(t *testing.T) {
	pk := &listPicker{paths: []string{"a", "b", "bad", "b", "a", "c"}}
	open := func(path string) (*Track, error) {
		if path == "bad" {
			return nil, errors.New("not audio")
		}
		return &Track{Path: path, Audio: &toneTrack{frames: 1}}, nil
	}
	q := NewQueue(pk, open, nil, nil)
	q.Retry = time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { q.Run(ctx); close(done) }()
	got := awaitPaths(t, q, 4)
	cancel()
	<-done
	// The second b, right after b (the failed file between them), is
	// passed over.
	want := []string{"a", "b", "a", "c"}
	if len(got) != 4 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || got[3] != want[3] {
		t.Errorf("played %v, want %v", got, want)
	}
}

func TestQueueRepeatsTheOnlyFile(t *testing.T) {
	pk := &listPicker{paths: []string{"a", "a", "a"}}
	q := NewQueue(pk, func(p string) (*Track, error) { return &Track{Path: p, Audio: &toneTrack{frames: 1}}, nil }, nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { q.Run(ctx); close(done) }()
	got := awaitPaths(t, q, 2)
	cancel()
	<-done
	if len(got) != 2 {
		t.Errorf("a one-file folder played %d times, want it again after passing once", len(got))
	}
}

// TestQueueTellsWhatIsNext: the ready track is Upcoming until the engine
// takes it; then the one after it is, and nothing once the picker runs
// dry.
func TestQueueTellsWhatIsNext(t *testing.T) {
	pk := &listPicker{paths: []string{"one", "two"}}
	open := func(path string) (*Track, error) {
		return &Track{Path: path, Title: "Artist - " + path, Audio: &toneTrack{freq: 100, amp: 0.1, frames: 10}}, nil
	}
	q := NewQueue(pk, open, &Problems{}, nil)
	q.Retry = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { q.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	waitNext := func(want string) {
		t.Helper()
		// Upcoming changes without telling anyone: poll it.
		var u Upcoming
		var ok bool
		testenv.WaitFor(t, fmt.Sprintf("%q upcoming", want), func() bool {
			u, ok = q.Upcoming()
			return want == "" && !ok || ok && u.Path == want
		})
		if ok && (u.Title != "Artist - "+want || u.Playlist != "list") {
			t.Errorf("upcoming %+v", u)
		}
	}
	// The queue shows a track as upcoming just before it hands it over:
	// take it with Await, which waits for the handover.
	take := func(want string) {
		t.Helper()
		wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
		defer wcancel()
		if tr := q.Await(wctx); tr == nil || tr.Path != want {
			t.Fatalf("next %+v, want %q", tr, want)
		}
	}
	waitNext("one")
	take("one")
	waitNext("two")
	take("two")
	waitNext("")
}

// TestQueueAwaitWaitsForTheFileToOpen: Await returns the track once its
// file is open, however long that takes.
func TestQueueAwaitWaitsForTheFileToOpen(t *testing.T) {
	release := make(chan struct{})
	open := func(path string) (*Track, error) {
		<-release
		return &Track{Path: path, Audio: &toneTrack{frames: 1}}, nil
	}
	q := NewQueue(&listPicker{paths: []string{"slow"}}, open, &Problems{}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { q.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	got := make(chan *Track, 1)
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	go func() { got <- q.Await(wctx) }()
	close(release)
	if tr := <-got; tr == nil || tr.Path != "slow" {
		t.Fatalf("awaited %+v (%v), want the track", tr, wctx.Err())
	}
	if _, ok := q.Upcoming(); ok {
		t.Error("the track is still upcoming once taken")
	}
}

// TestQueueAwaitGivesUpWithNothingToPlay: with nothing to play Await
// returns at once rather than wait for a track that will not come, both
// while it waits and once the queue has given up.
func TestQueueAwaitGivesUpWithNothingToPlay(t *testing.T) {
	for _, tc := range []struct {
		name string
		pk   *listPicker
		open Opener
	}{
		{"empty", &listPicker{}, nil},
		{"every file broken", &listPicker{paths: []string{"1", "2", "3", "4", "5", "6", "7", "8"}},
			func(string) (*Track, error) { return nil, errors.New("not audio") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			picked := make(chan struct{})
			pk := &gatedPicker{listPicker: tc.pk, gate: picked}
			q := NewQueue(pk, tc.open, &Problems{}, nil)
			q.Retry = time.Hour
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			wctx, wcancel := context.WithTimeout(ctx, time.Minute)
			defer wcancel()
			got := make(chan *Track, 1)
			go func() { got <- q.Await(wctx) }()
			done := make(chan struct{})
			go func() { q.Run(ctx); close(done) }()
			defer func() { cancel(); <-done }()
			close(picked)
			if tr := <-got; tr != nil || wctx.Err() != nil {
				t.Fatalf("awaited %+v (%v), want nil at once", tr, wctx.Err())
			}
			// Given up already: the next Await does not wait either.
			if tr := q.Await(wctx); tr != nil || wctx.Err() != nil {
				t.Fatalf("awaited again %+v (%v), want nil at once", tr, wctx.Err())
			}
		})
	}
}

// gatedPicker picks only once gate is closed.
// awaitPaths takes up to n tracks from q as each becomes ready and
// returns their paths; it stops early when the queue has nothing to play.
func awaitPaths(t *testing.T, q *Queue, n int) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var got []string
	for range n {
		tr := q.Await(ctx)
		if ctx.Err() != nil {
			t.Fatalf("no track within 10 s after %v", got)
		}
		if tr == nil {
			break
		}
		got = append(got, tr.Path)
	}
	return got
}

type gatedPicker struct {
	*listPicker
	gate chan struct{}
}

func (p *gatedPicker) Pick(ctx context.Context) (Choice, error) {
	<-p.gate
	return p.listPicker.Pick(ctx)
}
