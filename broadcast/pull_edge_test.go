package broadcast

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"onair/internal/testenv"
)

// Upstream behaviours a switchable test upstream plays.
const (
	upGood    = iota // synthetic frames at about real-time pace
	up404            // 404 Not Found
	upGarbage        // audio/mpeg that holds no frames
)

// switchUpstream is an upstream whose behaviour a test changes while the
// relay pulls it; a stream under way ends when the mode changes. Good
// streams start at frame from.
type switchUpstream struct {
	mode atomic.Int64
	from atomic.Int64
	hits atomic.Int64
}

func (u *switchUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.hits.Add(1)
	mode := u.mode.Load()
	switch mode {
	case up404:
		http.NotFound(w, r)
		return
	case upGarbage:
		w.Header().Set("Content-Type", "audio/mpeg")
		_, _ = w.Write(bytes.Repeat([]byte("no frames here "), 5000))
		return
	}
	w.Header().Set("Content-Type", "audio/mpeg")
	n := int(u.from.Load())
	for r.Context().Err() == nil && u.mode.Load() == mode {
		for range 5 {
			if _, err := w.Write(mp3Frame(n)); err != nil {
				return
			}
			n++
		}
		w.(http.Flusher).Flush()
		time.Sleep(20 * time.Millisecond)
	}
}

// A listener on a relay stays connected, and hears nothing but frames,
// while the upstream answers 404 and then garbage for less than its
// grace; the upstream's audio comes back to it.
func TestRelayListenerUntouchedWhileUpstreamBad(t *testing.T) {
	up := &switchUpstream{}
	srv := httptest.NewServer(up)
	t.Cleanup(srv.Close)
	edge := startEdge(t, false, srv.URL+"/stream") // grace 15 s
	waitRelay(t, edge, RelayConnected, "")
	l := listen(t, edge, "/edge", false)
	r := l.background(t) // fails on anything but a whole synthetic frame
	testenv.WaitFor(t, "frames at the edge", func() bool { return r.last.Load() >= 20 })

	up.mode.Store(up404)
	waitRelay(t, edge, RelayFailed, "404 Not Found")
	up.mode.Store(upGarbage)
	waitRelay(t, edge, RelayFailed, "no audio frames")
	if p := r.err.Load(); p != nil {
		t.Fatalf("listener dropped while the upstream was bad: %v", *p)
	}
	if n := edge.Mount("/edge").Listeners(); n != 1 {
		t.Fatalf("%d listeners on the relay, want 1", n)
	}

	up.from.Store(100_000)
	up.mode.Store(upGood)
	testenv.WaitFor(t, "the upstream's audio again", func() bool { return r.last.Load() >= 100_000 })
	if p := r.err.Load(); p != nil {
		t.Fatalf("listener: %v", *p)
	}
	waitRelay(t, edge, RelayConnected, "")
}

// During a reconnect a relay's listeners move to its fallback, and with
// fallback_override back to the relay once its upstream streams again.
func TestRelayFallbackDuringReconnect(t *testing.T) {
	up := &switchUpstream{}
	srv := httptest.NewServer(up)
	t.Cleanup(srv.Close)
	edge := startServer(t, func(o *Options) {
		o.Mounts = []MountConfig{
			{Path: "/edge", Settings: MountSettings{Fallback: "/fb", FallbackOverride: true}},
			{Path: "/fb"},
		}
		o.DefaultMount = "/edge"
		o.Relays = []RelayConfig{{Mount: "/edge", Upstreams: []string{srv.URL + "/stream"}}}
		o.RelayTiming = fastRelays
		o.SourceTimeout = 2 * time.Second
		o.Defaults.Grace = 15 * time.Second
	})
	feed(t, startIcecastSource(t, edge, "/fb", ""), 500_000)
	waitOnAir(t, edge, "/fb")
	waitRelay(t, edge, RelayConnected, "")
	l := listen(t, edge, "/edge", false)
	r := l.background(t)
	testenv.WaitFor(t, "the relay's frames", func() bool { n := r.last.Load(); return n >= 20 && n < 500_000 })

	up.mode.Store(up404)
	testenv.WaitFor(t, "the fallback's frames", func() bool { return r.last.Load() >= 500_000 })
	if n := edge.Mount("/fb").Listeners(); n != 1 {
		t.Fatalf("%d listeners on the fallback, want 1", n)
	}

	up.from.Store(100_000)
	up.mode.Store(upGood)
	testenv.WaitFor(t, "the relay's frames again", func() bool { n := r.last.Load(); return n >= 100_000 && n < 500_000 })
	if p := r.err.Load(); p != nil {
		t.Fatalf("listener: %v", *p)
	}
	if n := edge.Mount("/edge").Listeners(); n != 1 {
		t.Fatalf("%d listeners back on the relay, want 1", n)
	}
}

// An https upstream, its certificate checked against the test's CA.
func TestRelayHTTPSUpstream(t *testing.T) {
	up := &switchUpstream{}
	srv := httptest.NewTLSServer(up)
	t.Cleanup(srv.Close)
	// Without the test's CA the system roots refuse the certificate.
	plain := startEdge(t, false, srv.URL+"/stream")
	waitRelay(t, plain, RelayFailed, "certificate")

	edge := startServer(t, func(o *Options) {
		o.Relays = []RelayConfig{{Mount: "/edge", Upstreams: []string{srv.URL + "/stream"}}}
		o.RelayTiming = fastRelays
		o.RelayRootCAs = srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	})
	st := waitRelay(t, edge, RelayConnected, "")
	if st.Upstream != srv.URL+"/stream" {
		t.Fatalf("upstream %q", st.Upstream)
	}
	l := listen(t, edge, "/edge", false)
	checkFrames(t, l, 30)
}
