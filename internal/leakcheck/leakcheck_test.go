package leakcheck

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// blocker parks until stop is closed: a leaked goroutine to catch.
func blocker(stop chan struct{}, started chan<- struct{}) {
	close(started)
	<-stop
}

// TestLeakedFindsAGoroutineUntilItEnds: a goroutine started after the
// snapshot is reported, with its stack, while it runs, and no longer
// once it has ended; goroutines from before the snapshot never are.
func TestLeakedFindsAGoroutineUntilItEnds(t *testing.T) {
	older := make(chan struct{})
	defer close(older)
	go func() { <-older }()
	s := Take()
	stop, started := make(chan struct{}), make(chan struct{})
	go blocker(stop, started)
	<-started
	left := s.Leaked(50 * time.Millisecond)
	if len(left) != 1 || !strings.Contains(left[0], "leakcheck.blocker") {
		t.Fatalf("want the blocker reported, got %d stacks:\n%s", len(left), strings.Join(left, "\n\n"))
	}
	close(stop)
	if left := s.Leaked(5 * time.Second); left != nil {
		t.Fatalf("the blocker ended, yet reported:\n%s", strings.Join(left, "\n\n"))
	}
}

// TestLeakedWaitsForAGoroutineThatEndsLate: one that ends within the
// limit is not a leak.
func TestLeakedWaitsForAGoroutineThatEndsLate(t *testing.T) {
	s := Take()
	go time.Sleep(100 * time.Millisecond)
	if left := s.Leaked(5 * time.Second); left != nil {
		t.Fatalf("a goroutine that ended after 100 ms reported:\n%s", strings.Join(left, "\n\n"))
	}
}

// recorder is a testing.TB whose cleanups and errors the test runs and
// reads itself.
type recorder struct {
	testing.TB
	cleanups []func()
	errors   []string
}

func (r *recorder) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recorder) Helper() {}

func (r *recorder) end() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

// TestCheckFailsATestThatLeaks: Check fails a test that leaves a
// goroutine behind, naming it, and passes one whose goroutines ended.
func TestCheckFailsATestThatLeaks(t *testing.T) {
	stop, started := make(chan struct{}), make(chan struct{})
	defer close(stop)
	leaky := &recorder{TB: t}
	check(leaky, 100*time.Millisecond)
	go blocker(stop, started)
	<-started
	leaky.end()
	if len(leaky.errors) != 1 || !strings.Contains(leaky.errors[0], "leakcheck.blocker") {
		t.Fatalf("want one failure naming the blocker, got %q", leaky.errors)
	}

	clean := &recorder{TB: t}
	check(clean, 5*time.Second)
	done, started2 := make(chan struct{}), make(chan struct{})
	go blocker(done, started2)
	<-started2
	close(done)
	clean.end()
	if len(clean.errors) != 0 {
		t.Fatalf("a test whose goroutine ended failed: %q", clean.errors)
	}
}
