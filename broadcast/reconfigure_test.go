package broadcast

import (
	"errors"
	"io"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"onair/internal/testenv"
)

// TestSetMountsKeepsMovesAndRetires: a reload changes one mount (its
// listener stays on the same connection), removes two (the listener of
// the one with a fallback on air moves there, the other's is closed, and
// their sources are disconnected) and adds one that accepts a source.
func TestSetMountsKeepsMovesAndRetires(t *testing.T) {
	ts := startServer(t, func(o *Options) {
		o.AllowUnlisted = false
		o.Mounts = append(o.Mounts,
			MountConfig{Path: "/keep", Settings: MountSettings{MaxListeners: 5}},
			MountConfig{Path: "/moved", Settings: MountSettings{Fallback: "/keep"}},
			MountConfig{Path: "/closed"},
		)
	})
	keep := startIcecastSource(t, ts, "/keep", "")
	keep.next = 10000
	moved := startIcecastSource(t, ts, "/moved", "")
	moved.next = 20000
	closed := startIcecastSource(t, ts, "/closed", "")
	closed.next = 30000
	srcs := []*sourceClient{keep, moved, closed}
	for _, s := range srcs {
		s.send(t, 40)
	}
	rKeep := listen(t, ts, "/keep", true).background(t)
	rMoved := listen(t, ts, "/moved", true).background(t)
	lClosed := listen(t, ts, "/closed", true)
	rClosed := lClosed.background(t)
	feedUntil(t, "every listener hears its mount", []*reader{rKeep, rMoved, rClosed}, func() bool {
		return rKeep.last.Load() >= 10000 && rMoved.last.Load() >= 20000 && rClosed.last.Load() >= 30000
	}, srcs...)
	if c := dial(t, ts.http); true {
		io.WriteString(c, "SOURCE /added HTTP/1.0\r\nAuthorization: Basic "+basic("source", testSourcePass)+"\r\nContent-Type: audio/mpeg\r\n\r\n")
		if b, _ := io.ReadAll(io.LimitReader(c, 64)); strings.Contains(string(b), " 200") {
			t.Fatalf("a source on /added before it is configured: %q, want a refusal", b)
		}
	}
	keepMount := ts.Mount("/keep")

	ts.SetMounts([]MountConfig{
		{Path: "/stream"}, {Path: "/live"},
		{Path: "/keep", Settings: MountSettings{MaxListeners: 3, BurstSize: 1000}},
		{Path: "/added"},
	}, ts.Options().Defaults)

	if ts.Mount("/keep") != keepMount || keepMount.Settings().MaxListeners != 3 || keepMount.Settings().BurstSize != 1000 {
		t.Fatalf("/keep after the reload: %+v", keepMount.Settings())
	}
	if ts.Mount("/moved") != nil || ts.Mount("/closed") != nil {
		t.Fatal("removed mounts are still listed")
	}
	// The kept listener carries on; the moved one hears /keep's frames on
	// the same connection; the other one's stream ends.
	from := rKeep.last.Load()
	feedUntil(t, "the kept listener goes on and the moved one hears /keep", []*reader{rKeep, rMoved}, func() bool {
		return rKeep.last.Load() > from+20 && rMoved.last.Load() >= 10000 && rMoved.last.Load() < 20000
	}, keep)
	select {
	case <-rClosed.done:
		if p := rClosed.err.Load(); p == nil || !errors.Is(*p, io.EOF) && !strings.Contains((*p).Error(), "EOF") {
			t.Errorf("the removed mount's listener ended with %v, want a clean end of stream", p)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the removed mount's listener was not closed")
	}
	for name, s := range map[string]*sourceClient{"/moved": moved, "/closed": closed} {
		s.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := s.br.ReadByte(); err == nil || strings.Contains(err.Error(), "timeout") {
			t.Errorf("the source of the removed %s is still connected (%v)", name, err)
		}
	}

	// The added mount takes a source; the changed limit holds.
	added := startIcecastSource(t, ts, "/added", "")
	added.send(t, 40)
	testenv.WaitFor(t, "audio on /added", func() bool { return ts.Mount("/added").HasAudio() })
	// /keep holds its own listener and the moved one: one more fits.
	if l := listen(t, ts, "/keep", false); !strings.Contains(l.status, " 200") {
		t.Errorf("a third listener of /keep (max_listeners 3): %q", l.status)
	}
	if l := listen(t, ts, "/keep", false); !strings.Contains(l.status, " 503") {
		t.Errorf("a fourth listener of /keep (max_listeners 3): %q, want 503", l.status)
	}
}

func TestSetTrustedProxies(t *testing.T) {
	ts := startServer(t, nil)
	client := func() string {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = "127.0.0.1:5555"
		r.Header.Set("X-Forwarded-For", "203.0.113.9")
		return ts.ClientAddr(r).String()
	}
	if got := client(); got != "127.0.0.1" {
		t.Fatalf("untrusted proxy: client %s", got)
	}
	ts.SetTrustedProxies([]netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")})
	if got := client(); got != "203.0.113.9" {
		t.Fatalf("trusted proxy: client %s, want the forwarded one", got)
	}
}
