// Package leakcheck finds goroutines that outlive the test that started
// them: a Close that does not wait for what it started, or a handler
// left blocked after its client went away. It is for tests only.
package leakcheck

import (
	"bytes"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Limit is how long Check lets goroutines take to end after the test:
// generous, for a loaded machine.
const Limit = 10 * time.Second

// A Snapshot is the set of goroutines running at one moment.
type Snapshot map[uint64]bool

// Take records the goroutines running now.
func Take() Snapshot {
	s := Snapshot{}
	for _, g := range goroutines() {
		s[g.id] = true
	}
	return s
}

// Leaked waits up to limit for the goroutines started since s to end,
// and returns the stacks of those still running (none: nil). It polls
// every 10 ms, so at most limit/10 ms times.
func (s Snapshot) Leaked(limit time.Duration) []string {
	const every = 10 * time.Millisecond
	deadline := time.Now().Add(limit)
	for range int(limit/every) + 1 {
		var left []string
		for _, g := range goroutines() {
			if !s[g.id] && !ignored(g.stack) {
				left = append(left, g.stack)
			}
		}
		if len(left) == 0 || !time.Now().Before(deadline) {
			return left
		}
		time.Sleep(every)
	}
	return nil
}

// Check fails t when goroutines started after this call are still
// running Limit after t and its cleanups end. Call it before whatever
// starts goroutines, so that its cleanup runs after theirs.
func Check(t testing.TB) {
	t.Helper()
	check(t, Limit)
}

func check(t testing.TB, limit time.Duration) {
	s := Take()
	t.Cleanup(func() {
		if left := s.Leaked(limit); len(left) > 0 {
			t.Errorf("%d goroutines outlived the test by %v:\n\n%s", len(left), limit, strings.Join(left, "\n\n"))
		}
	})
}

// ignored tells the runtime's and the standard library's goroutines that
// start on first use and then live as long as the process.
func ignored(stack string) bool {
	for _, f := range []string{
		"os/signal.signal_recv",
		"os/signal.loop",
		"testing.tRunner", // tests and their subtests, not what they start
		"testing.runFuzzing",
	} {
		if strings.Contains(stack, f) {
			return true
		}
	}
	return false
}

type goroutine struct {
	id    uint64
	stack string
}

// goroutines lists every goroutine with its stack, the caller's own
// included.
func goroutines() []goroutine {
	buf := make([]byte, 1<<16)
	for len(buf) < 64<<20 {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []goroutine
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		// Each starts "goroutine 12 [chan receive]:".
		f := strings.Fields(string(g))
		if len(f) < 2 || f[0] != "goroutine" {
			continue
		}
		id, err := strconv.ParseUint(f[1], 10, 64)
		if err != nil {
			panic(fmt.Sprintf("leakcheck: unexpected stack header %q", f[:2]))
		}
		out = append(out, goroutine{id, string(g)})
	}
	return out
}
