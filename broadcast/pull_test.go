package broadcast

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"onair/codec/ogg"
	"onair/internal/testenv"
)

// fastRelays makes a relay's waits short enough for tests.
var fastRelays = RelayTiming{Connect: time.Second, Header: 500 * time.Millisecond,
	BackoffMin: 20 * time.Millisecond, BackoffMax: 100 * time.Millisecond, IdleAfter: 300 * time.Millisecond}

// startEdge starts a server that relays /edge from upstreams.
func startEdge(t *testing.T, onDemand bool, upstreams ...string) *testServer {
	t.Helper()
	return startServer(t, func(o *Options) {
		o.Relays = []RelayConfig{{Mount: "/edge", Upstreams: upstreams, OnDemand: onDemand}}
		o.RelayTiming = fastRelays
		o.SourceTimeout = 2 * time.Second
		o.Defaults.Grace = 15 * time.Second
	})
}

// feed sends src's frames at about real-time pace until the test ends,
// from frame first on; it returns the number of the next frame to go.
func feed(t *testing.T, src *sourceClient, first int) *atomic.Int64 {
	var next atomic.Int64
	next.Store(int64(first))
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			n := next.Load()
			for i := range int64(5) {
				if _, err := src.conn.Write(mp3Frame(int(n + i))); err != nil {
					return
				}
			}
			next.Store(n + 5)
		}
	}()
	t.Cleanup(func() { close(stop); <-done })
	return &next
}

func relayState(ts *testServer) RelayStatus { return ts.Relays()[0] }

func waitRelay(t *testing.T, ts *testServer, state, reason string) RelayStatus {
	t.Helper()
	var st RelayStatus
	testenv.WaitFor(t, fmt.Sprintf("relay %s (%s)", state, reason), func() bool {
		st = relayState(ts)
		return st.State == state && strings.Contains(st.Reason, reason)
	})
	return st
}

func TestRelayPullsFramesAndTitles(t *testing.T) {
	origin := startServer(t, nil)
	src := startIcecastSource(t, origin, "/stream", "")
	feed(t, src, 0)
	edge := startEdge(t, false, "http://"+origin.http+"/stream")
	st := waitRelay(t, edge, RelayConnected, "")
	if st.Upstream != "http://"+origin.http+"/stream" {
		t.Fatalf("upstream %q", st.Upstream)
	}
	l := listen(t, edge, "/edge", true)
	if !strings.Contains(l.status, "200") {
		t.Fatalf("listener status %q", l.status)
	}
	// Byte-identical frames, in order, with none missing.
	prev := -1
	done := make(chan error, 1)
	go func() {
		for range 60 {
			f, err := l.nextAudio(417)
			if err != nil {
				done <- err
				return
			}
			n := frameNumber(f)
			if !bytes.Equal(f, mp3Frame(n)) || (prev >= 0 && n != prev+1) {
				done <- fmt.Errorf("frame %d after %d differs", n, prev)
				return
			}
			prev = n
		}
		done <- nil
	}()
	origin.Mount("/stream").SetTitle("Artist - Song", "", time.Now())
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(testenv.WaitLimit):
		t.Fatal("listener got no 60 frames")
	}
	testenv.WaitFor(t, "the title at the edge", func() bool {
		_, err := l.nextAudio(417)
		return err == nil && l.lastTitle() == "Artist - Song"
	})
	if relayState(edge).BytesIn == 0 {
		t.Fatal("no bytes in counted")
	}
}

// startOriginAt starts an origin server on addr, for an origin that
// comes back where it was.
func startOriginAt(t *testing.T, addr string) *testServer {
	t.Helper()
	var ln net.Listener
	testenv.WaitFor(t, "the origin's port", func() bool {
		var err error
		ln, err = net.Listen("tcp", addr)
		return err == nil
	})
	srv := New(Options{ServerID: "origin", AllowUnlisted: true, Auth: testAuth{}, WakeInterval: 20 * time.Millisecond,
		Defaults: MountSettings{BurstSize: 64 << 10, Metaint: 16000, WriteTimeout: 2 * time.Second, Grace: time.Second}})
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return &testServer{Server: srv, http: ln.Addr().String()}
}

func TestRelayOriginKilledAndBack(t *testing.T) {
	origin := startServer(t, nil)
	src := startIcecastSource(t, origin, "/stream", "")
	feed(t, src, 0)
	edge := startEdge(t, false, "http://"+origin.http+"/stream")
	waitRelay(t, edge, RelayConnected, "")
	l := listen(t, edge, "/edge", false)
	r := l.background(t)
	testenv.WaitFor(t, "frames at the edge", func() bool { return r.last.Load() >= 30 })
	addr := origin.http
	origin.Close()
	st := waitRelay(t, edge, RelayFailed, "connect")
	t.Logf("origin down: %s", st.Reason)
	if p := r.err.Load(); p != nil {
		t.Fatalf("listener dropped while the origin was down: %v", *p)
	}
	back := startOriginAt(t, addr)
	feed(t, startIcecastSource(t, back, "/stream", ""), 100000)
	testenv.WaitFor(t, "the origin's new audio at the edge", func() bool { return r.last.Load() >= 100000 })
	if p := r.err.Load(); p != nil {
		t.Fatalf("listener: %v", *p)
	}
	waitRelay(t, edge, RelayConnected, "")
}

func TestRelayFailoverAndRedirects(t *testing.T) {
	origin := startServer(t, nil)
	src := startIcecastSource(t, origin, "/stream", "")
	feed(t, src, 0)
	up := "http://" + origin.http + "/stream"
	notFound := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(notFound.Close)
	hops := 0
	var redirect *httptest.Server
	redirect = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hops++; hops%5 == 0 { // four hops, then the origin
			http.Redirect(w, r, up, http.StatusFound)
			return
		}
		http.Redirect(w, r, redirect.URL+"/hop", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirect.Close)
	edge := startEdge(t, false, notFound.URL+"/stream", redirect.URL+"/stream")
	st := waitRelay(t, edge, RelayConnected, "")
	if st.Upstream != redirect.URL+"/stream" {
		t.Fatalf("upstream %q, want the second", st.Upstream)
	}
	l := listen(t, edge, "/edge", false)
	r := l.background(t)
	testenv.WaitFor(t, "frames through the failover", func() bool { return r.last.Load() >= 25 })
}

func TestRelayBadUpstreams(t *testing.T) {
	garbage := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "audio/mpeg")
		junk := bytes.Repeat([]byte("no frames here "), 300)
		for r.Context().Err() == nil {
			if _, err := w.Write(junk); err != nil {
				return
			}
		}
	}
	stalled := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "audio/mpeg")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}
	for _, tc := range []struct {
		name, reason string
		h            http.HandlerFunc
	}{
		{"404", "404 Not Found", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }},
		{"html", "unsupported content type \"text/html\"", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, "<html><body>Hello</body></html>")
		}},
		{"ogg video", "unsupported codec: Theora", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/ogg")
			head := []byte("\x80theora-header")
			p := ogg.Page{Flags: ogg.BOS, Segments: []byte{byte(len(head))}, Body: head}
			w.Write(ogg.AppendPage(nil, &p))
		}},
		{"garbage", "no audio frames", garbage},
		{"redirect loop", "more than 5 redirects", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.Path, http.StatusMovedPermanently)
		}},
		{"stalled body", "sent nothing for too long", stalled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var tries atomic.Int64
			bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				tries.Add(1)
				tc.h(w, r)
			}))
			t.Cleanup(bad.Close)
			edge := startEdge(t, false, bad.URL+"/stream")
			st := waitRelay(t, edge, RelayFailed, tc.reason)
			n := tries.Load()
			testenv.WaitFor(t, "a retry", func() bool { return tries.Load() > n })
			t.Logf("%s: %s", st.State, st.Reason)
		})
	}
}

func TestRelayHeaderNeverEnds(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var tries atomic.Int64
	conns := make(chan net.Conn, 100)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			tries.Add(1)
			conns <- c
			io.WriteString(c, "HTTP/1.0 200 OK\r\nContent-Type: audio/mpeg\r\nX-Slow: ")
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		close(conns)
		for c := range conns {
			c.Close()
		}
	})
	edge := startEdge(t, false, "http://"+ln.Addr().String()+"/stream")
	waitRelay(t, edge, RelayFailed, "timeout awaiting response headers")
	n := tries.Load()
	testenv.WaitFor(t, "a retry", func() bool { return tries.Load() > n })
}

func TestRelayOnDemand(t *testing.T) {
	origin := startServer(t, nil)
	src := startIcecastSource(t, origin, "/stream", "")
	src.send(t, 20)
	edge := startEdge(t, true, "http://"+origin.http+"/stream")
	waitRelay(t, edge, RelayIdle, "")
	if origin.Mount("/stream").connections.Load() != 0 {
		t.Fatal("an on_demand relay pulled with nobody listening")
	}
	stop := make(chan struct{})
	feeding := make(chan struct{})
	go func() {
		defer close(feeding)
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
				src.conn.Write(mp3Frame(0))
			}
		}
	}()
	defer func() { close(stop); <-feeding }()
	l := listen(t, edge, "/edge", false)
	if !strings.Contains(l.status, "200") {
		t.Fatalf("first listener: %q", l.status)
	}
	waitRelay(t, edge, RelayConnected, "")
	l.conn.Close()
	waitRelay(t, edge, RelayIdle, "")
	testenv.WaitFor(t, "the origin to lose the relay", func() bool { return origin.Mount("/stream").connections.Load() == 0 })
}

func TestRelayMountRefusesSources(t *testing.T) {
	edge := startEdge(t, false, "http://127.0.0.1:1/stream")
	if _, err := edge.mountForSource("/edge"); err == nil {
		t.Fatal("a source may push to a relay's mount")
	}
}

// A relay's mount is an MP3 mount like any other: it is served as HLS
// too, with whole frames from the origin in its segments.
func TestRelayServedAsHLS(t *testing.T) {
	origin := startServer(t, nil)
	src := startIcecastSource(t, origin, "/stream", "")
	feed(t, src, 0)
	edge := startServer(t, func(o *Options) {
		o.Relays = []RelayConfig{{Mount: "/edge", Upstreams: []string{"http://" + origin.http + "/stream"}}}
		o.RelayTiming = fastRelays
		o.Defaults.HLSSegment, o.Defaults.HLSSegments = 2*time.Second, 3
	})
	waitRelay(t, edge, RelayConnected, "")
	var playlist string
	testenv.WaitFor(t, "the relay's playlist with a segment", func() bool {
		resp, body := httpGet(t, "http://"+edge.http+"/edge.m3u8")
		playlist = body
		return resp.StatusCode == http.StatusOK && len(segmentURLs(body)) > 0
	})
	resp, data := httpGet(t, "http://"+edge.http+segmentURLs(playlist)[0])
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(data, "ID3") {
		t.Fatalf("segment: status %d, %d bytes", resp.StatusCode, len(data))
	}
	// 2 s of 26 ms frames after the tag: 77 of them, each as the origin sent it.
	audio := data[len(data)-77*len(mp3Frame(0)):]
	first := frameNumber([]byte(audio[:len(mp3Frame(0))]))
	for i := range 77 {
		f := audio[i*len(mp3Frame(0)) : (i+1)*len(mp3Frame(0))]
		if f != string(mp3Frame(first+i)) {
			t.Fatalf("frame %d of the segment is not the origin's frame %d", i, first+i)
		}
	}
}
