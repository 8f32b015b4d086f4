package audience

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"onair/internal/testenv"
	"onair/store"
)

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// fakeCounts is a server whose listener counts the test sets.
type fakeCounts struct {
	mu     sync.Mutex
	counts []Count
}

func (f *fakeCounts) set(c ...Count) { f.mu.Lock(); f.counts = c; f.mu.Unlock() }
func (f *fakeCounts) get() []Count {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Count(nil), f.counts...)
}

func TestRecordKeepsTwentyFiveHours(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	fc := &fakeCounts{}
	r := &Recorder{Store: st, Counts: fc.get}
	start := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	// 26 hours of samples, one each 10 minutes (each is a synced write):
	// the count is the sample's number.
	const step, n = 10 * time.Minute, 26 * 6
	for i := range n {
		fc.set(Count{"/stream", i}, Count{"/relay", 1})
		if err := r.Record(ctx, start.Add(time.Duration(i)*step)); err != nil {
			t.Fatal(err)
		}
	}
	last := start.Add((n - 1) * step)
	all, err := r.History(ctx, "/stream", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	// Kept: from last-25h on, both ends included.
	if len(all) != 25*6+1 {
		t.Fatalf("%d samples kept, want %d (25 hours)", len(all), 25*6+1)
	}
	if first := all[0].At; !first.Equal(last.Add(-25 * time.Hour)) {
		t.Errorf("oldest sample at %v, want %v", first, last.Add(-25*time.Hour))
	}
	day, err := r.History(ctx, "/stream", last.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(day) != 24*6+1 || !day[len(day)-1].At.Equal(last) || day[len(day)-1].Listeners != n-1 {
		t.Fatalf("last day: %d samples, newest %+v", len(day), day[len(day)-1])
	}
	for i := 1; i < len(day); i++ {
		if !day[i].At.After(day[i-1].At) {
			t.Fatalf("samples out of order at %d", i)
		}
	}
	relay, _ := r.History(ctx, "/relay", last.Add(-time.Hour))
	if len(relay) != 7 || relay[0].Listeners != 1 {
		t.Fatalf("/relay: %d samples", len(relay))
	}
	none, err := r.History(ctx, "/nothing", time.Time{})
	if err != nil || none == nil || len(none) != 0 {
		t.Fatalf("unknown mount: %#v, %v; want an empty list", none, err)
	}
}

// Run samples on its interval with its clock, and stops with its context.
func TestRunSamplesOnItsInterval(t *testing.T) {
	st := openStore(t)
	fc := &fakeCounts{}
	fc.set(Count{"/stream", 7})
	var minutes atomic.Int64
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	r := &Recorder{
		Store: st, Counts: fc.get, Every: 5 * time.Millisecond,
		Now: func() time.Time { return start.Add(time.Duration(minutes.Add(1)) * time.Minute) },
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.Run(ctx)
	}()
	var got []Sample
	testenv.Poll(20*time.Second, func() bool {
		got, _ = r.History(context.Background(), "/stream", time.Time{})
		return len(got) >= 5
	})
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop with its context")
	}
	if len(got) < 5 {
		t.Fatalf("%d samples after 20 s at a 5 ms interval", len(got))
	}
	for i, s := range got {
		if s.Listeners != 7 || s.At.Sub(start)%time.Minute != 0 {
			t.Fatalf("sample %d: %+v; want 7 listeners at a whole minute of the injected clock", i, s)
		}
	}
	// Counted once Run has returned: it may sample again between the
	// last look and the cancel, but never after.
	stopped, _ := r.History(context.Background(), "/stream", time.Time{})
	time.Sleep(30 * time.Millisecond)
	if after, _ := r.History(context.Background(), "/stream", time.Time{}); len(after) != len(stopped) {
		t.Fatalf("still sampling after Run returned: %d samples, then %d", len(stopped), len(after))
	}
}
