package testenv

import (
	"testing"
	"time"
)

// WaitLimit bounds WaitFor: generous, for a loaded machine where a
// program under test may take seconds to start.
const WaitLimit = 20 * time.Second

// WaitFor polls cond every 10 ms until it holds, and fails the test when
// it still does not after WaitLimit.
func WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	if !poll(WaitLimit, 10*time.Millisecond, cond) {
		t.Fatalf("timed out after %v waiting for %s", WaitLimit, what)
	}
}

// Poll polls cond every 50 ms for up to limit and reports whether it
// came to hold, for a test that judges the outcome itself. The slower
// pace suits conditions that cost a request to the server under test.
func Poll(limit time.Duration, cond func() bool) bool {
	return poll(limit, 50*time.Millisecond, cond)
}

// poll is bounded in time and in count, so that a cond that takes long
// to answer cannot stretch the wait much past limit either.
func poll(limit, every time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(limit)
	for range int(limit/every) + 1 {
		if cond() {
			return true
		}
		if !time.Now().Before(deadline) {
			return false
		}
		time.Sleep(every)
	}
	return cond()
}
