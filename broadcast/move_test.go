package broadcast

import (
	"strings"
	"testing"
	"time"
)

// readUntil reads frames until one satisfies ok, failing after max frames.
func (l *icyListener) readUntil(t *testing.T, src *sourceClient, max int, ok func(n int) bool) int {
	t.Helper()
	for range max {
		src.send(t, 3)
		for _, n := range l.readFrames(t, 2) {
			if ok(n) {
				return n
			}
		}
	}
	t.Fatalf("no wanted frame within %d reads", max)
	return 0
}

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
	waitFor(t, "relay audio", func() bool { return ts.Mount("/relay").head.Load() > 2 })
	setTitle(t, ts, "/stream", "Station Title")

	l := listen(t, ts, "/relay", true)
	l.readFrames(t, 20)

	// The relay's source drops: the listener hears the station without
	// reconnecting.
	relay.conn.Close()
	got := l.readUntil(t, station, 300, func(n int) bool { return n >= 10000 })
	if got < 10000 {
		t.Fatalf("frame %d", got)
	}
	if ts.Mount("/stream").connections.Load() != 1 {
		t.Errorf("listener not counted on the fallback")
	}
	// Frames keep arriving whole, with the station's title.
	l.readUntil(t, station, 200, func(int) bool { return len(l.titles) > 0 && l.titles[len(l.titles)-1] == "Station Title" })

	// A listener arriving while the relay is off air gets the fallback.
	l2 := listen(t, ts, "/relay", true)
	if !strings.HasPrefix(l2.status, "HTTP/1.0 200") {
		t.Fatalf("listener of an off-air mount with a fallback: %q", l2.status)
	}

	// The relay's source returns: both move back (fallback_override).
	relay2 := startIcecastSource(t, ts, "/relay", "")
	relay2.next = 20000
	relay2.send(t, 30)
	// Both keep reading, so neither is dropped for not reading.
	back := map[*icyListener]bool{}
	for range 300 {
		station.send(t, 2)
		relay2.send(t, 3)
		for _, lis := range []*icyListener{l, l2} {
			if nums := lis.readFrames(t, 2); nums[len(nums)-1] >= 20000 {
				back[lis] = true
			}
		}
		if len(back) == 2 {
			break
		}
	}
	if len(back) != 2 {
		t.Fatalf("%d of 2 listeners came back to /relay", len(back))
	}
	waitFor(t, "both back on /relay", func() bool { return ts.Mount("/relay").connections.Load() == 2 })
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
	waitFor(t, "audio", func() bool { return ts.Mount("/other").head.Load() > 2 })
	l := listen(t, ts, "/live", true)
	l.readFrames(t, 10)
	code, body := adminGet(t, "http://"+ts.http+"/admin/moveclients?mount=/live&destination=/other", "admin", testAdminPass)
	if code != 200 || !strings.Contains(body, "moved") {
		t.Fatalf("moveclients: %d %s", code, body)
	}
	for range 300 {
		a.send(t, 2)
		b.send(t, 3)
		if nums := l.readFrames(t, 2); nums[1] >= 5000 {
			return
		}
	}
	t.Fatal("listener never reached /other")
}
