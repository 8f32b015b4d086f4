package accounts

import (
	"fmt"
	"testing"
	"time"
)

func newTestThrottle() (*Throttle, *clock) {
	c := &clock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	th := NewThrottle()
	th.Now = c.Now
	return th, c
}

func TestThrottleGrowsAndResets(t *testing.T) {
	th, clk := newTestThrottle()
	for i := range 5 {
		if d := th.Wait("ip:1", "user:bob"); d != 0 {
			t.Fatalf("attempt %d throttled: %v", i+1, d)
		}
		th.Fail("ip:1", "user:bob")
	}
	// After five failures each further attempt waits 2, 4, 8 … s after
	// the last failure.
	want := 2 * time.Second
	for i := range 6 {
		if d := th.Wait("ip:1", "user:bob"); d != want {
			t.Fatalf("after %d failures: wait %v, want %v", 5+i, d, want)
		}
		clk.Add(want)
		if d := th.Wait("ip:1", "user:bob"); d != 0 {
			t.Fatalf("after waiting %v: still %v", want, d)
		}
		th.Fail("ip:1", "user:bob")
		want *= 2
	}
	// Capped at 15 minutes.
	for range 4 {
		th.Fail("ip:1", "user:bob") // 15 failures: 2 s × 2^10 > 15 min
	}
	if d := th.Wait("user:bob"); d != 15*time.Minute {
		t.Errorf("capped wait: %v", d)
	}
	// Another user from another address is not held back.
	if d := th.Wait("ip:2", "user:carol"); d != 0 {
		t.Errorf("unrelated keys throttled: %v", d)
	}
	// Success resets the username, not the address.
	th.Reset("user:bob")
	if d := th.Wait("user:bob"); d != 0 {
		t.Errorf("after reset: %v", d)
	}
	if d := th.Wait("ip:1"); d == 0 {
		t.Error("the address was reset too")
	}
}

func TestThrottleWindow(t *testing.T) {
	th, clk := newTestThrottle()
	for range 4 {
		th.Fail("k")
		clk.Add(5 * time.Minute)
	}
	// Four failures 5 min apart: the window runs from the last failure,
	// so a slow guesser is still counted; a fifth failure locks.
	th.Fail("k")
	if th.Wait("k") == 0 {
		t.Fatal("five failures within 15 min of each other not throttled")
	}
	clk.Add(15 * time.Minute)
	if d := th.Wait("k"); d != 0 {
		t.Errorf("15 min after the last failure: %v", d)
	}
	th.Fail("k") // counting starts over
	if d := th.Wait("k"); d != 0 {
		t.Errorf("a fresh first failure throttled: %v", d)
	}
}

func TestThrottleBounded(t *testing.T) {
	th, clk := newTestThrottle()
	th.MaxKeys = 100
	for i := range 1000 {
		th.Fail(fmt.Sprintf("k%d", i))
		clk.Add(time.Millisecond)
	}
	if n := th.Len(); n > 100 {
		t.Errorf("%d keys kept, max 100", n)
	}
	// The newest keys survive; the first are evicted.
	for range 5 {
		th.Fail("k999")
	}
	if th.Wait("k999") == 0 {
		t.Error("newest key lost")
	}
	if _, ok := th.keys["k0"]; ok {
		t.Error("oldest key kept")
	}
}
