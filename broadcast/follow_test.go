package broadcast

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"onair/config"
	"onair/internal/testenv"
)

// startFollower starts a server that follows the master at base every
// interval, with a local mount of its own, /local.
func startFollower(t *testing.T, base string, interval time.Duration) *testServer {
	t.Helper()
	return startServer(t, func(o *Options) {
		o.Mounts = []MountConfig{{Path: "/local"}}
		o.DefaultMount = "/local"
		o.RelayMaster = MasterConfig{URL: base, User: RelayUser, Password: testRelayPass,
			Interval: interval, CheckMount: config.MountPathProblem}
		o.RelayTiming = fastRelays
		o.SourceTimeout = 2 * time.Second
	})
}

// masterRelays are the follower's relays from the master, by mount, with
// their states.
func masterRelays(ts *testServer) map[string]string {
	out := map[string]string{}
	for _, r := range ts.Relays() {
		if r.FromMaster {
			out[r.Mount] = r.State
		}
	}
	return out
}

// waitMasterRelays waits until the relays from the master are exactly
// mounts, each in state ("" = any).
func waitMasterRelays(t *testing.T, ts *testServer, state string, mounts ...string) {
	t.Helper()
	var got map[string]string
	if !testenv.Poll(testenv.WaitLimit, func() bool {
		got = masterRelays(ts)
		if len(got) != len(mounts) {
			return false
		}
		for _, m := range mounts {
			if st, ok := got[m]; !ok || (state != "" && st != state) {
				return false
			}
		}
		return true
	}) {
		t.Fatalf("relays from the master: %v, want %q %s", got, mounts, state)
	}
}

// checkFrames reads n frames from l and checks they are the synthetic
// stream's, byte for byte and in order.
func checkFrames(t *testing.T, l *icyListener, n int) {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		prev := -1
		for range n {
			f, err := l.nextAudio(417)
			if err != nil {
				done <- err
				return
			}
			k := frameNumber(f)
			if !bytes.Equal(f, mp3Frame(k)) || (prev >= 0 && k != prev+1) {
				done <- fmt.Errorf("frame %d after %d differs", k, prev)
				return
			}
			prev = k
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(testenv.WaitLimit):
		l.conn.Close()
		t.Fatalf("no %d frames", n)
	}
}

func TestFollowOnAirMaster(t *testing.T) {
	master := startServer(t, func(o *Options) { o.RelayPassword = testRelayPass })
	one := startIcecastSource(t, master, "/one", "")
	two := startIcecastSource(t, master, "/two", "")
	feed(t, one, 0)
	feed(t, two, 0)
	waitOnAir(t, master, "/one")
	waitOnAir(t, master, "/two")

	edge := startFollower(t, "http://"+master.http, 200*time.Millisecond)
	waitMasterRelays(t, edge, RelayConnected, "/one", "/two")
	for _, r := range edge.Relays() {
		if r.FromMaster && strings.Contains(strings.Join(r.Upstreams, " "), testRelayPass) {
			t.Errorf("the status shows the relay password: %+v", r)
		}
	}
	// The master counts the edge's pulls as relays, not listeners.
	testenv.WaitFor(t, "the master's relays", func() bool {
		n := 0
		for _, l := range master.ListenerList("") {
			if l.Relay {
				n++
			}
		}
		return n == 2 && master.Listeners() == 0
	})
	l := listen(t, edge, "/one", true)
	if !strings.Contains(l.status, "200") {
		t.Fatalf("listener on the edge: %q", l.status)
	}
	checkFrames(t, l, 40)

	// A mount added on the master shows within an interval or so.
	three := startIcecastSource(t, master, "/three", "")
	feed(t, three, 0)
	waitMasterRelays(t, edge, RelayConnected, "/one", "/two", "/three")

	// A mount gone from the master's list is retired: its listener is
	// closed once it has what was published, and the mount is gone.
	l2 := listen(t, edge, "/two", false)
	if !strings.Contains(l2.status, "200") {
		t.Fatalf("listener on /two: %q", l2.status)
	}
	if _, err := l2.nextAudio(417); err != nil {
		t.Fatal(err)
	}
	two.conn.Close()
	waitMasterRelays(t, edge, "", "/one", "/three")
	closed := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, l2.conn)
		closed <- err
	}()
	select {
	case <-closed:
	case <-time.After(testenv.WaitLimit):
		l2.conn.Close()
		t.Fatal("the listener of a retired relay was not closed")
	}
	if edge.Mount("/two") != nil {
		t.Fatal("the retired relay's mount is still in the table")
	}
	// The other relays played on undisturbed.
	checkFrames(t, l, 20)
}

// hostileList is a master's list with every kind of bad line around two
// good mounts, longer than the body cap.
func hostileList() string {
	var b strings.Builder
	for _, line := range []string{
		"/good1", "../etc/passwd", "/a/../b", "/x\x01y", "/sp ace", "/" + strings.Repeat("x", 2000),
		"/good1", "/local", "/admin/x", "/q?x=1", "relative", "/bad\xff", "", "/good2",
	} {
		b.WriteString(line + "\r\n")
	}
	for i := range 10_000 {
		fmt.Fprintf(&b, "/../%05d\n", i)
	}
	return b.String()
}

func TestFollowHostileMasterList(t *testing.T) {
	var fail atomic.Bool
	var authOK atomic.Bool
	master := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/admin/streamlist.txt" {
			http.NotFound(w, r) // the pulls fail; the list is what is tested
			return
		}
		if u, p, ok := r.BasicAuth(); ok && u == RelayUser && p == testRelayPass {
			authOK.Store(true)
		}
		if fail.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, hostileList())
	}))
	defer master.Close()
	edge := startFollower(t, master.URL, 100*time.Millisecond)
	waitMasterRelays(t, edge, "", "/good1", "/good2")
	if !authOK.Load() {
		t.Error("the list was not read with the relay credentials")
	}
	if p := edge.pull("/local"); p != nil {
		t.Error("a listed mount that clashes with a local one got a relay")
	}
	if m := edge.Mount("/local"); m == nil || !m.Settings().Listed {
		t.Error("the local mount was touched")
	}
	// A master that blinks keeps the relays as they are.
	fail.Store(true)
	time.Sleep(500 * time.Millisecond) // several intervals
	if got := masterRelays(edge); len(got) != 2 {
		t.Fatalf("after failed reads of the list the relays are %v", got)
	}
}

func TestFollowListParse(t *testing.T) {
	f := &follower{cfg: MasterConfig{CheckMount: config.MountPathProblem}}
	var b strings.Builder
	for i := range 10_000 {
		fmt.Fprintf(&b, "/m%05d\r\n", i)
	}
	mounts, skipped := f.parse(b.String() + "/m00001\n")
	if len(mounts) != maxMasterMounts || mounts[0] != "/m00000" {
		t.Fatalf("%d mounts, first %q; want the first %d", len(mounts), mounts[0], maxMasterMounts)
	}
	if len(skipped) != 10_000-maxMasterMounts+1 {
		t.Fatalf("%d lines skipped", len(skipped))
	}
	mounts, skipped = f.parse(hostileList())
	if !slices.Equal(mounts, []string{"/good1", "/local", "/good2"}) {
		t.Fatalf("mounts %q (skipped %q)", mounts, skipped[:12])
	}
	for _, s := range skipped {
		if strings.Contains(s, "\x01") || strings.Contains(s, "\xff") || len(s) > 200 {
			t.Errorf("a skipped line shown as is: %q", s)
		}
	}
}

// A followed mount that a reload lists as a mount of its own stays when
// the master drops it: only its relay stops.
func TestFollowedMountConfiguredByReloadStays(t *testing.T) {
	var list atomic.Value
	list.Store("/far\n")
	master := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/admin/streamlist.txt" {
			io.WriteString(w, list.Load().(string))
			return
		}
		http.NotFound(w, r)
	}))
	defer master.Close()
	edge := startFollower(t, master.URL, 100*time.Millisecond)
	waitMasterRelays(t, edge, "", "/far")
	edge.SetMounts([]MountConfig{{Path: "/local"}, {Path: "/far"}}, edge.Options().Defaults)
	list.Store("")
	waitMasterRelays(t, edge, "")
	if m := edge.Mount("/far"); m == nil || !m.Settings().Listed {
		t.Fatal("a configured mount was retired with its followed relay")
	}
	if edge.pull("/far") != nil {
		t.Fatal("the relay still runs")
	}
}
