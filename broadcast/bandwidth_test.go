package broadcast

import (
	"io"
	"strings"
	"testing"

	"onair/internal/testenv"
)

// TestBandwidthCap: listeners are admitted while the sum of their mounts'
// bitrates stays within max_bandwidth_kbps; the one who would pass it gets
// 503, and is admitted again once a listener has left.
func TestBandwidthCap(t *testing.T) {
	ts := startServer(t, func(o *Options) { o.MaxBandwidthKbps = 300 })
	src := startIcecastSource(t, ts, "/stream", "icy-br: 128\r\n")
	src.send(t, 50)
	testenv.WaitFor(t, "audio", func() bool { return ts.Mount("/stream").HasAudio() })

	first := listen(t, ts, "/stream", false)
	second := listen(t, ts, "/stream", false)
	for i, l := range []*icyListener{first, second} {
		if !strings.Contains(l.status, "200") {
			t.Fatalf("listener %d within the cap: %q", i+1, l.status)
		}
	}
	if got := ts.BandwidthKbps(); got != 256 {
		t.Errorf("bandwidth booked for two 128 kbps listeners: %d kbps", got)
	}
	if l := listen(t, ts, "/stream", false); !strings.Contains(l.status, "503") {
		t.Fatalf("third listener (384 kbps over a 300 kbps cap): %q, want 503", l.status)
	}
	if n := ts.Counters().RefusedBandwidth.Load(); n != 1 {
		t.Errorf("bandwidth refusals counted: %d, want 1", n)
	}

	first.conn.Close()
	feedUntil(t, "the first listener gone", nil, func() bool { return ts.BandwidthKbps() == 128 }, src)
	if l := listen(t, ts, "/stream", false); !strings.Contains(l.status, "200") {
		t.Fatalf("listener after one left: %q, want 200", l.status)
	}
	if got := ts.BandwidthKbps(); got != 256 {
		t.Errorf("bandwidth booked: %d kbps, want 256", got)
	}
}

// TestLimitsChangeLive: SetLimits takes effect at the next connection,
// and counts the connections already open, including a per-IP limit that
// was off when they connected.
func TestLimitsChangeLive(t *testing.T) {
	ts := startServer(t, func(o *Options) { o.MaxListeners = 1; o.MaxBandwidthKbps = 128 })
	src := startIcecastSource(t, ts, "/stream", "icy-br: 128\r\n") // one connection from 127.0.0.1
	src.send(t, 50)
	testenv.WaitFor(t, "audio", func() bool { return ts.Mount("/stream").HasAudio() })
	if got := ts.Limits(); got != (Limits{MaxListeners: 1, MaxBandwidthKbps: 128}) {
		t.Fatalf("limits from the options: %+v", got)
	}

	if l := listen(t, ts, "/stream", false); !strings.Contains(l.status, "200") {
		t.Fatalf("first listener: %q", l.status)
	}
	if l := listen(t, ts, "/stream", false); !strings.Contains(l.status, "503") {
		t.Fatalf("second listener over max_listeners 1: %q, want 503", l.status)
	}

	// Room for one more listener, but not the bandwidth for it.
	ts.SetLimits(Limits{MaxListeners: 2, MaxBandwidthKbps: 200})
	l := listen(t, ts, "/stream", false)
	if !strings.Contains(l.status, "503") || ts.Counters().RefusedBandwidth.Load() != 1 {
		t.Fatalf("listener over the bandwidth cap: %q, %d bandwidth refusals", l.status, ts.Counters().RefusedBandwidth.Load())
	}
	ts.SetLimits(Limits{MaxListeners: 2})
	if l := listen(t, ts, "/stream", false); !strings.Contains(l.status, "200") {
		t.Fatalf("listener once the cap is lifted: %q", l.status)
	}
	if got := ts.Counters().RefusedFull.Load(); got != 1 {
		t.Errorf("server-full refusals: %d, want 1", got)
	}

	// A source and two listeners are open from 127.0.0.1: a limit of 3
	// refuses the fourth connection.
	ts.SetLimits(Limits{MaxConnectionsPerIP: 3})
	extra := dial(t, ts.http)
	io.WriteString(extra, "GET /stream HTTP/1.0\r\n\r\n")
	if st := readStatus(t, extra); st != "HTTP/1.0 429 Too Many Requests" {
		t.Fatalf("fourth connection with max_connections_per_ip 3 set live: %q, want 429", st)
	}
	ts.SetLimits(Limits{})
	if l := listen(t, ts, "/stream", false); !strings.Contains(l.status, "200") {
		t.Fatalf("listener with every limit off: %q", l.status)
	}
}
