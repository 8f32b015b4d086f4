package broadcast

import (
	"strings"
	"testing"
	"time"

	"onair/internal/testenv"
)

func TestFallbackAndOverrideKeepListenersConnected(t *testing.T) {
	ts := startServer(t, func(o *Options) {
		o.Mounts = append(o.Mounts, MountConfig{Path: "/relay", Settings: MountSettings{Fallback: "/stream", FallbackOverride: true}})
		o.Defaults.Grace = 5 * time.Second
	})
	station := startIcecastSource(t, ts, "/stream", "")
	station.next = 10000
	station.send(t, 60)
	relay := startIcecastSource(t, ts, "/relay", "")
	relay.send(t, 60)
	testenv.WaitFor(t, "relay audio", func() bool { return ts.Mount("/relay").head.Load() > 2 })
	setTitle(t, ts, "/stream", "Station Title")

	l := listen(t, ts, "/relay", true)
	r := l.background(t)
	feedUntil(t, "relay frames", []*reader{r}, func() bool { n := r.last.Load(); return n >= 0 && n < 10000 }, station, relay)

	// The relay's source drops: the listener hears the station, with its
	// title, without reconnecting.
	relay.conn.Close()
	feedUntil(t, "station frames", []*reader{r}, func() bool {
		return r.last.Load() >= 10000 && l.lastTitle() == "Station Title"
	}, station)
	if n := ts.Mount("/stream").connections.Load(); n != 1 {
		t.Errorf("%d listeners on the fallback, want 1", n)
	}

	// A listener arriving while the relay is off air gets the fallback.
	l2 := listen(t, ts, "/relay", true)
	if !strings.HasPrefix(l2.status, "HTTP/1.0 200") {
		t.Fatalf("listener of an off-air mount with a fallback: %q", l2.status)
	}
	r2 := l2.background(t)

	// The relay's source returns: both move back (fallback_override).
	relay2 := startIcecastSource(t, ts, "/relay", "")
	relay2.next = 20000
	feedUntil(t, "both back on /relay", []*reader{r, r2}, func() bool {
		return r.last.Load() >= 20000 && r2.last.Load() >= 20000
	}, station, relay2)
	if n := ts.Mount("/relay").connections.Load(); n != 2 {
		t.Errorf("%d listeners on /relay, want 2", n)
	}
	if n := ts.Mount("/stream").connections.Load(); n != 0 {
		t.Errorf("%d listeners left on the fallback", n)
	}
}

func TestAdminMoveClients(t *testing.T) {
	ts := startServer(t, func(o *Options) {
		o.Mounts = append(o.Mounts, MountConfig{Path: "/other"})
	})
	a := startIcecastSource(t, ts, "/live", "")
	a.send(t, 40)
	b := startIcecastSource(t, ts, "/other", "")
	b.next = 5000
	b.send(t, 40)
	testenv.WaitFor(t, "audio", func() bool { return ts.Mount("/other").head.Load() > 2 })
	l := listen(t, ts, "/live", true)
	r := l.background(t)
	feedUntil(t, "frames from /live", []*reader{r}, func() bool { return r.last.Load() >= 0 }, a, b)
	code, body := adminGet(t, "http://"+ts.http+"/admin/moveclients?mount=/live&destination=/other", "admin", testAdminPass)
	if code != 200 || !strings.Contains(body, "moved") {
		t.Fatalf("moveclients: %d %s", code, body)
	}
	feedUntil(t, "frames from /other", []*reader{r}, func() bool { return r.last.Load() >= 5000 }, a, b)
}
