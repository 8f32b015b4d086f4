package broadcast

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"onair/internal/testenv"
)

// readStatus reads a response's status line from c.
func readStatus(t *testing.T, c net.Conn) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatalf("read status: %v", err)
	}
	return strings.TrimRight(line, "\r\n")
}

// waitClosed reads from c until the server closes it, failing if that
// takes longer than within.
func waitClosed(t *testing.T, c net.Conn, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	c.SetReadDeadline(start.Add(within))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("connection still open after %v", within)
	}
	return time.Since(start)
}

func TestListenerLimits(t *testing.T) {
	ts := startServer(t, func(o *Options) {
		o.MaxListeners = 3
		o.Mounts = append(o.Mounts, MountConfig{Path: "/small", Settings: MountSettings{MaxListeners: 1}})
	})
	srcA := startIcecastSource(t, ts, "/stream", "")
	srcB := startIcecastSource(t, ts, "/small", "")
	srcA.send(t, 50)
	srcB.send(t, 50)
	testenv.WaitFor(t, "audio on both mounts", func() bool {
		return ts.Mount("/stream").HasAudio() && ts.Mount("/small").HasAudio()
	})

	if l := listen(t, ts, "/small", false); !strings.Contains(l.status, "200") {
		t.Fatalf("first listener on /small: %q", l.status)
	}
	if l := listen(t, ts, "/small", false); !strings.Contains(l.status, "503") {
		t.Errorf("second listener on /small (max 1): %q, want 503", l.status)
	}
	for i := range 2 {
		if l := listen(t, ts, "/stream", false); !strings.Contains(l.status, "200") {
			t.Fatalf("listener %d on /stream: %q", i, l.status)
		}
	}
	if l := listen(t, ts, "/stream", false); !strings.Contains(l.status, "503") {
		t.Errorf("fourth listener on the server (max 3): %q, want 503", l.status)
	}
	st := ts.Counters()
	if st.RefusedMountFull.Load() != 1 || st.RefusedFull.Load() != 1 {
		t.Errorf("refusals counted: mount full %d, server full %d; want 1 and 1",
			st.RefusedMountFull.Load(), st.RefusedFull.Load())
	}
}

func TestPerIPConnectionLimit(t *testing.T) {
	ts := startServer(t, func(o *Options) { o.MaxConnectionsPerIP = 2 })
	src := startIcecastSource(t, ts, "/stream", "") // the first of two slots
	src.send(t, 50)
	testenv.WaitFor(t, "audio", func() bool { return ts.Mount("/stream").HasAudio() })

	l := listen(t, ts, "/stream", false) // the second
	if !strings.Contains(l.status, "200") {
		t.Fatalf("listener: %q", l.status)
	}
	extra := dial(t, ts.http)
	io.WriteString(extra, "GET /stream HTTP/1.0\r\n\r\n")
	if st := readStatus(t, extra); st != "HTTP/1.0 429 Too Many Requests" {
		t.Fatalf("third connection from one address: %q, want 429", st)
	}
	// The SHOUTcast port counts against the same address.
	sc := dial(t, ts.shoutcast)
	waitClosed(t, sc, 5*time.Second)
	if n := ts.Counters().RefusedPerIP.Load(); n != 2 {
		t.Errorf("per-IP refusals counted: %d, want 2", n)
	}

	// A listener that leaves gives its slot back.
	l.conn.Close()
	feedUntil(t, "listener gone", nil, func() bool { return ts.Mount("/stream").connections.Load() == 0 }, src)
	if l2 := listen(t, ts, "/stream", false); !strings.Contains(l2.status, "200") {
		t.Errorf("listener after a slot was freed: %q", l2.status)
	}

	// Exempt addresses (reverse proxies) are not limited.
	ex := startServer(t, func(o *Options) {
		o.MaxConnectionsPerIP = 1
		o.LimitExempt = func(a netip.Addr) bool { return a.IsLoopback() }
	})
	for range 3 {
		c := dial(t, ex.http)
		io.WriteString(c, "GET /status-json.xsl HTTP/1.0\r\n\r\n")
		if st := readStatus(t, c); !strings.Contains(st, "200") {
			t.Errorf("exempt address: %q", st)
		}
	}
}

// TestSlowlorisHeaderTimeout: a client that trickles its headers, or sends
// nothing, is dropped after the header timeout.
func TestSlowlorisHeaderTimeout(t *testing.T) {
	ts := startServer(t, func(o *Options) { o.HeaderTimeout = 300 * time.Millisecond })

	silent := dial(t, ts.http)
	if d := waitClosed(t, silent, 5*time.Second); d < 200*time.Millisecond {
		t.Errorf("silent client dropped after %v, before the header timeout", d)
	}

	// One header line every 100 ms: each arrives well within any per-read
	// timeout, but the headers never end.
	trickle := dial(t, ts.http)
	io.WriteString(trickle, "GET /stream HTTP/1.1\r\nHost: x\r\n")
	done := make(chan error, 1)
	go func() {
		for range 100 {
			time.Sleep(100 * time.Millisecond)
			if _, err := io.WriteString(trickle, "X-Slow: 1\r\n"); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	waitClosed(t, trickle, 5*time.Second)
	trickle.Close()
	<-done

	// The server is still answering.
	if resp, _ := httpGet(t, "http://"+ts.http+"/status-json.xsl"); resp.StatusCode != 200 {
		t.Errorf("status after slowloris: %d", resp.StatusCode)
	}
}

// TestStalledListenerDroppedOthersKeepUp: a listener that stops reading is
// dropped (write deadline or lapped), while one that reads gets every frame
// without waiting on it.
func TestStalledListenerDroppedOthersKeepUp(t *testing.T) {
	ts := startServer(t, func(o *Options) { o.Defaults.WriteTimeout = 500 * time.Millisecond })
	src := startIcecastSource(t, ts, "/stream", "")
	src.send(t, 20)
	testenv.WaitFor(t, "audio", func() bool { return ts.Mount("/stream").HasAudio() })

	stalled := listen(t, ts, "/stream", false)
	if tc, ok := stalled.conn.(*net.TCPConn); ok {
		tc.SetReadBuffer(4096) // keeps the kernel from absorbing much for it
	}
	good := listen(t, ts, "/stream", false)
	first, err := good.nextFrame()
	if err != nil {
		t.Fatal(err)
	}
	var last atomic.Int64
	last.Store(int64(first))
	readErr := make(chan error, 1)
	go func() {
		for {
			n, err := good.nextFrame()
			if err == nil && int64(n) != last.Load()+1 {
				err = fmt.Errorf("frame %d after %d: frames lost", n, last.Load())
			}
			if err != nil {
				readErr <- err
				return
			}
			last.Store(int64(n))
		}
	}()
	t.Cleanup(func() { good.conn.Close(); <-readErr })
	m := ts.Mount("/stream")
	deadline := time.Now().Add(20 * time.Second)
	for m.connections.Load() > 1 {
		if time.Now().After(deadline) {
			t.Fatal("stalled listener still connected after 20 s")
		}
		select {
		case err := <-readErr:
			t.Fatalf("reading listener failed while the other stalled: %v", err)
		default:
		}
		src.send(t, 20) // about 8 KiB per 10 ms: far faster than real time
		time.Sleep(10 * time.Millisecond)
	}
	if n := ts.Counters().DroppedSlow.Load(); n != 1 {
		t.Errorf("slow drops counted: %d, want 1", n)
	}
	// The reading listener got everything the source sent, in order.
	want := int64(src.next - 1)
	feedUntil(t, "reading listener catching up", nil, func() bool { return last.Load() >= want }, src)
}

// TestThousandListenersInOneSecond: a thousand players connecting at once
// all get their headers and a burst (a listen backlog of 5 would drop
// some).
func TestThousandListenersInOneSecond(t *testing.T) {
	const n = 1000
	ts := startServer(t, nil)
	src := startIcecastSource(t, ts, "/stream", "")
	src.send(t, 200)
	testenv.WaitFor(t, "audio", func() bool { return ts.Mount("/stream").HasAudio() })

	start := make(chan struct{})
	errs := make(chan error, n)
	conns := make(chan net.Conn, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			c, err := net.DialTimeout("tcp", ts.http, 10*time.Second)
			if err != nil {
				errs <- err
				return
			}
			conns <- c
			c.SetDeadline(time.Now().Add(20 * time.Second))
			if _, err := io.WriteString(c, "GET /stream HTTP/1.0\r\nUser-Agent: crowd\r\n\r\n"); err != nil {
				errs <- err
				return
			}
			br := bufio.NewReader(c)
			status, err := br.ReadString('\n')
			if err != nil || !strings.Contains(status, "200") {
				errs <- fmt.Errorf("listener %d: status %q: %v", i, status, err)
				return
			}
			for {
				line, err := br.ReadString('\n')
				if err != nil {
					errs <- err
					return
				}
				if line == "\r\n" {
					break
				}
			}
			// A whole frame of the burst.
			frame := make([]byte, 417)
			if _, err := io.ReadFull(br, frame); err != nil || frame[0] != 0xFF {
				errs <- errors.New("no burst")
			}
		}()
	}
	began := time.Now()
	close(start)
	wg.Wait()
	took := time.Since(began)
	close(errs)
	close(conns)
	failed := 0
	for err := range errs {
		if failed < 3 {
			t.Error(err)
		}
		failed++
	}
	if failed > 0 {
		t.Fatalf("%d of %d listeners did not get in", failed, n)
	}
	t.Logf("%d listeners connected and got a burst in %v", n, took)
	if got := ts.Mount("/stream").connections.Load(); got != n {
		t.Errorf("connections counted: %d, want %d", got, n)
	}
	for c := range conns {
		c.Close()
	}
	feedUntil(t, "all listeners gone", nil, func() bool { return ts.Mount("/stream").connections.Load() == 0 }, src)
}
