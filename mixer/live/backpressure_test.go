package live

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// limitSink takes at most per frames in each window of time, as a ring
// drained in real time does.
type limitSink struct {
	mu     sync.Mutex
	per    int
	window time.Duration
	start  time.Time
	used   int
	frames int
}

func (s *limitSink) Write(pcm []float32) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now := time.Now(); now.Sub(s.start) >= s.window {
		s.start, s.used = now, 0
	}
	n := min(len(pcm)/2, s.per-s.used)
	s.used += n
	s.frames += n
	return n
}

// TestBackpressure: with a Sink taking 1,000 frames per 10 ms, Write
// blocks until the Sink took everything: 1 s of MP3 (46,000 frames with
// the encoder's delay and padding) takes at least 450 ms, and every frame
// arrives.
func TestBackpressure(t *testing.T) {
	data := encode(t, sine3k(44100, 2, 1), mp3CBR128...)
	want := len(decodeAll(t, data, Options{})) / 2

	sink := &limitSink{per: 1000, window: 10 * time.Millisecond}
	d := NewDecoder(Options{Rate: testRate}, sink)
	start := time.Now()
	if err := writeWithin(t, d, data, 10*time.Second); err != nil {
		t.Fatalf("Write: %v", err)
	}
	took := time.Since(start)
	if minTook := time.Duration(want/1000-1) * 10 * time.Millisecond; took < minTook {
		t.Errorf("Write of %d frames returned after %v: the Sink's pace allows no less than %v", want, took, minTook)
	}
	if sink.frames != want {
		t.Errorf("the Sink took %d frames, want %d", sink.frames, want)
	}
	if s := d.Stats(); s.Waits == 0 || s.Frames != int64(want) {
		t.Errorf("Stats() = %+v: want waits and %d frames", s, want)
	}
}

// TestCloseUnblocks: Close from another goroutine ends a Write blocked on
// a full Sink at once (within a second, for a loaded machine), with
// ErrClosed; later Writes fail too. The Context does the same.
func TestCloseUnblocks(t *testing.T) {
	data := encode(t, sine3k(44100, 2, 1), mp3CBR128...)
	for _, how := range []string{"Close", "Context"} {
		t.Run(how, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			d := NewDecoder(Options{Rate: testRate, Context: ctx}, &limitSink{per: 0, window: time.Hour})
			done := make(chan error, 1)
			go func() {
				_, err := d.Write(data)
				done <- err
			}()
			select {
			case err := <-done:
				t.Fatalf("Write returned %v with the Sink full", err)
			case <-time.After(50 * time.Millisecond):
			}
			start := time.Now()
			if how == "Close" {
				d.Close()
			} else {
				cancel()
			}
			select {
			case err := <-done:
				if took := time.Since(start); took > time.Second {
					t.Errorf("Write returned %v after %s", took, how)
				}
				if !errors.Is(err, ErrClosed) {
					t.Errorf("Write: %v, want ErrClosed", err)
				}
			case <-time.After(10 * time.Second):
				d.Close()
				t.Fatalf("Write still blocked 10 s after %s", how)
			}
			if _, err := d.Write(data[:10]); !errors.Is(err, ErrClosed) {
				t.Errorf("Write after %s: %v, want ErrClosed", how, err)
			}
			d.Close() // twice is fine
		})
	}
}
