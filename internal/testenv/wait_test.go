package testenv

import (
	"testing"
	"time"
)

func TestPollSeesALateCondition(t *testing.T) {
	at := time.Now().Add(100 * time.Millisecond)
	if !Poll(5*time.Second, func() bool { return time.Now().After(at) }) {
		t.Fatal("Poll gave up on a condition that came true after 100 ms")
	}
}

// TestPollIsBounded: a condition that never holds ends the wait at its
// limit, and one slow to answer does not make it try more often than the
// limit allows.
func TestPollIsBounded(t *testing.T) {
	start, calls := time.Now(), 0
	if Poll(200*time.Millisecond, func() bool { calls++; return false }) {
		t.Fatal("Poll reported a condition that never held")
	}
	if d := time.Since(start); d < 200*time.Millisecond || d > 2*time.Second {
		t.Errorf("Poll took %v for a 200 ms limit", d)
	}
	if calls > 200/50+2 {
		t.Errorf("Poll tried %d times in 200 ms at 50 ms", calls)
	}
}
