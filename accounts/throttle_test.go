package accounts

import (
	"net/netip"
	"testing"
	"time"
)

func newTestThrottle() (*Throttle, *clock) {
	c := &clock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	th := NewThrottle()
	th.Now = c.Now
	return th, c
}

// try makes one attempt from addr that fails when checked, and reports
// whether it was checked.
func try(th *Throttle, addr netip.Addr) bool {
	if th.Begin(addr) > 0 {
		return false
	}
	th.End(addr, true)
	return true
}

func TestThrottleGrowsPerAddress(t *testing.T) {
	th, clk := newTestThrottle()
	guesser := netip.MustParseAddr("192.0.2.1")
	for i := range 5 {
		if !try(th, guesser) {
			t.Fatalf("attempt %d throttled", i+1)
		}
	}
	// After five failures each further attempt waits 2, 4, 8 … s after
	// the last failure, and is refused unchecked until then.
	want := 2 * time.Second
	for i := range 6 {
		if d := th.Begin(guesser); d != want {
			t.Fatalf("after %d failures: wait %v, want %v", 5+i, d, want)
		}
		clk.Add(want - time.Millisecond)
		if d := th.Begin(guesser); d != time.Millisecond {
			t.Fatalf("1 ms before the end of the wait: %v", d)
		}
		clk.Add(time.Millisecond)
		if d := th.Begin(guesser); d != 0 {
			t.Fatalf("at the end of the wait: %v", d)
		}
		if d := th.End(guesser, true); d != 2*want {
			t.Fatalf("failure %d: End says wait %v, want %v", 6+i, d, 2*want)
		}
		want *= 2
	}
	// Capped at 15 minutes.
	for range 4 {
		clk.Add(th.Wait(guesser))
		try(th, guesser) // 15 failures: 2 s × 2^10 > 15 min
	}
	if d := th.Wait(guesser); d != 15*time.Minute {
		t.Errorf("capped wait: %v", d)
	}
	// Sitting the wait out gives one more check, not five free ones.
	clk.Add(15 * time.Minute)
	if !try(th, guesser) {
		t.Fatal("not checked after the capped wait")
	}
	if d := th.Wait(guesser); d != 15*time.Minute {
		t.Errorf("after the capped wait and one more failure: %v", d)
	}
	// Another address is not held back, and its right password does not
	// free the guesser.
	other := netip.MustParseAddr("198.51.100.9")
	if d := th.Begin(other); d != 0 {
		t.Fatalf("another address throttled: %v", d)
	}
	th.End(other, false)
	if th.Wait(guesser) == 0 {
		t.Error("a success from elsewhere freed the guesser")
	}
	if th.Len() != 1 {
		t.Errorf("%d addresses remembered after one success and one guesser, want 1", th.Len())
	}
}

func TestThrottleSuccessKeepsCount(t *testing.T) {
	th, clk := newTestThrottle()
	a := netip.MustParseAddr("192.0.2.7")
	for range 4 {
		try(th, a)
	}
	// The right password between guesses does not start the count over:
	// an account of one's own must not launder guesses at another's.
	th.Begin(a)
	if d := th.End(a, false); d != 0 {
		t.Fatalf("a success with one free try left: wait %v", d)
	}
	if d := th.End(a, true); d != 2*time.Second {
		t.Fatalf("the fifth failure: End says wait %v, want 2s", d)
	}
	if d := th.Begin(a); d != 2*time.Second {
		t.Errorf("after 4 failures, a success and a failure: wait %v, want 2s", d)
	}
	// Once the wait is over, the right password is checked (and the
	// wait does not grow).
	clk.Add(2 * time.Second)
	if d := th.Begin(a); d != 0 {
		t.Fatalf("after the wait: %v", d)
	}
	if d := th.End(a, false); d != 0 {
		t.Errorf("after a success: wait %v", d)
	}
	if d := th.Begin(a); d != 0 {
		t.Errorf("the attempt after a success: wait %v", d)
	}
}

func TestThrottleKeys(t *testing.T) {
	th, _ := newTestThrottle()
	for i := range 5 {
		// One host's /64: five addresses, five failures of one key.
		try(th, netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 15: byte(i)}))
	}
	try(th, netip.MustParseAddr("192.0.2.1"))
	tests := []struct {
		addr string
		held bool
	}{
		{"2001:db8::ffff", true},      // the same /64
		{"2001:db8::1%eth0", true},    // with a zone
		{"2001:db8:0:1::1", false},    // the next /64
		{"192.0.2.1", false},          // one failure
		{"::ffff:192.0.2.1", false},   // the same, mapped
		{"192.0.2.2", false},          // IPv4 counts by address
		{"2001:db8:1::", false},       //
		{"fe80::1", false},            //
		{"127.0.0.1", false},          //
		{"::1", false},                //
		{"2001:0db8:0:0:1::", true},   // spelled otherwise
		{"2001:db8::abcd:1234", true}, //
	}
	for _, tt := range tests {
		if got := th.Wait(netip.MustParseAddr(tt.addr)) > 0; got != tt.held {
			t.Errorf("%s held back %v, want %v", tt.addr, got, tt.held)
		}
	}
	// The mapped form counts with the plain one.
	for range 4 {
		try(th, netip.MustParseAddr("::ffff:192.0.2.1"))
	}
	if th.Wait(netip.MustParseAddr("192.0.2.1")) == 0 {
		t.Error("mapped and plain IPv4 counted apart")
	}
	// An unknown peer (the zero Addr) is throttled like any address.
	for range 5 {
		try(th, netip.Addr{})
	}
	if th.Wait(netip.Addr{}) == 0 {
		t.Error("the zero address not throttled")
	}
}

func TestThrottleConcurrentAttempts(t *testing.T) {
	th, _ := newTestThrottle()
	a := netip.MustParseAddr("203.0.113.5")
	// A guesser that opens many connections at once gets no more checks
	// in flight than its free tries.
	begun := 0
	for range 100 {
		if th.Begin(a) == 0 {
			begun++
		}
	}
	if begun != 5 {
		t.Fatalf("%d attempts begun at once, want 5", begun)
	}
	if d := th.Begin(a); d != time.Second {
		t.Errorf("while five are in flight: wait %v, want 1s", d)
	}
	// Four turn out right: one try is free again.
	for range 4 {
		th.End(a, false)
	}
	if d := th.Begin(a); d != 0 {
		t.Fatalf("with one in flight and no failures: %v", d)
	}
	th.End(a, false)
	if d := th.End(a, false); d != 0 || th.Len() != 0 {
		t.Errorf("all ended well: wait %v, %d addresses kept", d, th.Len())
	}
}

func TestThrottleThousandGuesses(t *testing.T) {
	th, clk := newTestThrottle()
	a := netip.MustParseAddr("192.0.2.99")
	checked := 0
	for range 1000 { // 60 ms apart: a virtual minute
		if try(th, a) {
			checked++
		}
		clk.Add(60 * time.Millisecond)
	}
	// 5 free, then one after 2, 4, 8, 16 s (30 s in all).
	if checked != 9 {
		t.Errorf("%d of 1000 guesses in a minute checked, want 9", checked)
	}
}

func TestThrottleWindow(t *testing.T) {
	th, clk := newTestThrottle()
	k := netip.MustParseAddr("192.0.2.3")
	for range 4 {
		try(th, k)
		clk.Add(5 * time.Minute)
	}
	// Four failures 5 min apart: the window runs from the last failure,
	// so a slow guesser is still counted; a fifth failure throttles.
	try(th, k)
	if th.Wait(k) == 0 {
		t.Fatal("five failures within 15 min of each other not throttled")
	}
	clk.Add(15 * time.Minute)
	if d := th.Wait(k); d != 0 {
		t.Errorf("15 min after the last failure: %v", d)
	}
	clk.Add(2 * time.Second) // and after its 2 s wait
	try(th, k)               // counting starts over
	if d := th.Wait(k); d != 0 {
		t.Errorf("a fresh first failure throttled: %v", d)
	}
	// Failures that expire while an attempt is in flight are forgotten
	// too.
	for range 3 {
		try(th, k)
	}
	th.Begin(k)
	clk.Add(16 * time.Minute)
	if d := th.End(k, true); d != 0 {
		t.Errorf("one failure after the others expired: wait %v", d)
	}
}

func TestThrottleBounded(t *testing.T) {
	th, clk := newTestThrottle()
	th.MaxKeys = 100
	for i := range 1000 {
		try(th, netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}))
		clk.Add(time.Millisecond)
	}
	if n := th.Len(); n > 100 {
		t.Errorf("%d keys kept, max 100", n)
	}
	// The newest keys survive; the first are evicted.
	newest := netip.AddrFrom4([4]byte{10, 0, 999 >> 8, 999 & 0xff})
	for range 4 {
		try(th, newest)
	}
	if th.Wait(newest) == 0 {
		t.Error("newest key lost")
	}
	if _, ok := th.keys[throttleKey(netip.AddrFrom4([4]byte{10, 0, 0, 0}))]; ok {
		t.Error("oldest key kept")
	}
}
