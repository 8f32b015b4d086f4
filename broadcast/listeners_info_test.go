package broadcast

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"onair/internal/testenv"
)

// The listener list shows each player's resolved address, agent, mount
// and bitrate; kicking by prefix or by ID ends just those streams.
func TestListenerListAndKicks(t *testing.T) {
	ts := startServer(t, func(o *Options) { o.TrustedProxies = loopbackProxy })
	src := startIcecastSource(t, ts, "/stream", "ice-bitrate: 128\r\n")
	src.send(t, 40)
	start := time.Now()
	a := forwardedListener(t, ts, "/stream", "203.0.113.9")
	b := forwardedListener(t, ts, "/stream", "2001:db8::5")
	for _, l := range []*icyListener{a, b} {
		if !strings.Contains(l.status, "200") {
			t.Fatalf("listener: %q", l.status)
		}
	}
	ra, rb := a.background(t), b.background(t)

	list := ts.ListenerList("/stream")
	if len(list) != 2 {
		t.Fatalf("ListenerList = %+v, want two", list)
	}
	if all := ts.ListenerList(""); len(all) != 2 {
		t.Fatalf("ListenerList(\"\") = %+v", all)
	}
	if none := ts.ListenerList("/live"); none == nil || len(none) != 0 {
		t.Fatalf("ListenerList(/live) = %#v, want empty and not nil", none)
	}
	la, lb := list[0], list[1]
	if la.ID >= lb.ID || la.IP != "203.0.113.9" || lb.IP != "2001:db8::5" || la.Mount != "/stream" ||
		la.UserAgent != "test-player" || la.Bitrate != 128 || la.ConnectedAt.Before(start.Add(-time.Second)) {
		t.Fatalf("listeners: %+v", list)
	}
	feedUntil(t, "bytes sent to show", []*reader{ra, rb}, func() bool {
		l := ts.ListenerList("/stream")
		return len(l) == 2 && l[0].BytesSent > 0 && l[1].BytesSent > 0
	}, src)

	if n := ts.KickPrefix(netip.MustParsePrefix("203.0.113.0/24")); n != 1 {
		t.Fatalf("KickPrefix kicked %d, want 1", n)
	}
	feedUntil(t, "the banned listener's stream to end", []*reader{rb}, func() bool { return ra.err.Load() != nil }, src)
	before := rb.last.Load()
	feedUntil(t, "the other listener to keep playing", []*reader{rb}, func() bool { return rb.last.Load() > before+20 }, src)
	if l := ts.ListenerList("/stream"); len(l) != 1 || l[0].ID != lb.ID {
		t.Fatalf("after KickPrefix: %+v", l)
	}

	if !ts.KickListener(lb.ID) {
		t.Fatal("KickListener of a connected listener = false")
	}
	feedUntil(t, "the kicked listener's stream to end", nil, func() bool { return rb.err.Load() != nil }, src)
	testenv.WaitFor(t, "the kicked listener to leave the list", func() bool { return len(ts.ListenerList("")) == 0 })
	if ts.KickListener(lb.ID) {
		t.Fatal("KickListener of a listener gone = true")
	}
	if n := ts.Counters().Kicked.Load(); n != 2 {
		t.Fatalf("Kicked = %d, want 2", n)
	}
	st, ok := ts.MountStats("/stream")
	if !ok || st.Bitrate != 128 || st.Peak < 1 || st.Input {
		t.Fatalf("MountStats = %+v, %v", st, ok)
	}
	if _, ok := ts.MountStats("/nothing"); ok {
		t.Fatal("MountStats of no mount = ok")
	}
}
