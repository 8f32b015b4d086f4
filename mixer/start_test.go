package mixer

import (
	"context"
	"math"
	"testing"
	"time"
)

// openingQueue is a track source still opening its first track, which is
// ready at readyAt on clk; Await waits for it (moving the clock on),
// unless never, when it waits until ctx ends.
type openingQueue struct {
	clk     *virtualClock
	readyAt time.Time
	t       *Track
	never   bool
}

func (q *openingQueue) Next() *Track {
	if q.t == nil || q.clk.Now().Before(q.readyAt) {
		return nil
	}
	t := q.t
	q.t = nil
	return t
}

func (q *openingQueue) Await(ctx context.Context) *Track {
	if q.never {
		<-ctx.Done()
		return nil
	}
	q.clk.mu.Lock()
	q.clk.t = q.readyAt
	q.clk.mu.Unlock()
	return q.Next()
}

// leadingZeros counts the frames of silence pcm starts with.
func leadingZeros(pcm []float32) int {
	n := 0
	for n < len(pcm)/2 && pcm[2*n] == 0 && pcm[2*n+1] == 0 {
		n++
	}
	return n
}

// TestFirstBlockWaitsForTheFirstTrack: a source still opening the first
// track is waited for, so the output starts with the track's first
// sample; the clock starts when it is ready, so the engine then runs its
// usual lead ahead, not the wait on top.
func TestFirstBlockWaitsForTheFirstTrack(t *testing.T) {
	const lead = 200 * time.Millisecond
	clk := &virtualClock{t: time.Unix(1e9, 0)}
	src := &openingQueue{clk: clk, readyAt: clk.Now().Add(300 * time.Millisecond),
		t: &Track{Title: "A", Audio: &toneTrack{freq: 500, amp: 0.5, frames: 10 * rate}}}
	var ahead time.Duration
	pcm, sink := runOn(t, clk, Config{Lead: lead}, src, 2*time.Second, func(e *Engine, produced time.Duration) {
		ahead = max(ahead, produced-clk.Now().Sub(src.readyAt))
	})
	// The tone's first sample is 0: a sine from phase 0.
	if z := leadingZeros(pcm); z > 1 {
		t.Errorf("the output opens with %d frames of silence, want the track's first sample", z)
	}
	if l := toneLevel(pcm[:2*win], 500); math.Abs(l-0.5) > 0.05 {
		t.Errorf("first 10 ms: the tone at %.3f, want 0.5", l)
	}
	if limit := lead + 2*BlockFrames*time.Second/rate; ahead > limit {
		t.Errorf("the engine ran %v ahead of the time since the track was ready, want at most %v", ahead, limit)
	}
	if len(sink.titles) == 0 || sink.titles[0] != (sinkTitle{"A", 0}) {
		t.Errorf("titles %v, want A at the first frame", sink.titles)
	}
}

// TestFirstTrackWaitIsBounded: a first track that is not ready within
// FirstTrackWait does not hold the station off the air: it plays silence
// and takes the track when it is ready.
func TestFirstTrackWaitIsBounded(t *testing.T) {
	clk := &virtualClock{t: time.Unix(1e9, 0)}
	src := &openingQueue{clk: clk, readyAt: clk.Now().Add(time.Second), never: true,
		t: &Track{Title: "A", Audio: &toneTrack{freq: 500, amp: 0.5, frames: 10 * rate}}}
	pcm, _ := runOn(t, clk, Config{FirstTrackWait: 10 * time.Millisecond}, src, 3*time.Second, nil)
	if z := leadingZeros(pcm); z < rate {
		t.Errorf("music %d frames in; the track was not ready before a second", z)
	}
	if l := toneLevel(pcm[2*(len(pcm)/2-rate):], 500); math.Abs(l-0.5) > 0.05 {
		t.Errorf("last second: the tone at %.3f, want 0.5", l)
	}
}
