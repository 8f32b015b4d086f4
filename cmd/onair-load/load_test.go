package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"onair/internal/leakcheck"
)

// fakeMode is how a fakeServer misbehaves.
type fakeMode int

const (
	fakeGood       fakeMode = iota
	fakeLateICY             // blocks every metaint+1 bytes
	fakeNoSync              // the body starts with an ID3 tag
	fakeHangUp              // closes after the burst
	fakeStall               // sends the burst, then nothing
	fakeFull                // answers 503
	fakeEndClean            // ends every stream after the burst, at a frame boundary
	fakeNewFormat           // at switchAt ends every stream cleanly, answers 404 until backAt, then streams 48 kHz
	fakeKeepFormat          // at switchAt goes on to 48 kHz frames on the same connections
)

// fakeServer is a tiny ICY server on loopback: a burst of 8 KiB, then
// 16000 bytes a second of 128 kbps MP3 frames (silent), with an ICY block
// every 1000 audio bytes, a title in every other one.
type fakeServer struct {
	t        testing.TB
	ln       net.Listener
	mode     fakeMode
	requests atomic.Int64 // with Icy-MetaData: 1
	done     chan struct{}
	wg       sync.WaitGroup
	mu       sync.Mutex
	conns    map[net.Conn]bool

	// The source's format change, for fakeNewFormat and fakeKeepFormat.
	switchAt, backAt time.Time
}

const fakeMetaint = 1000

func startFake(t testing.TB, mode fakeMode) *fakeServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeServer{t: t, ln: ln, mode: mode, done: make(chan struct{}), conns: map[net.Conn]bool{}}
	s.switchAt = time.Now().Add(400 * time.Millisecond)
	s.backAt = s.switchAt.Add(400 * time.Millisecond)
	s.wg.Add(1)
	go s.accept()
	t.Cleanup(s.Close)
	return s
}

func (s *fakeServer) URL() string { return "http://" + s.ln.Addr().String() + "/live" }

// Close stops the server and waits for every connection's goroutine.
func (s *fakeServer) Close() {
	select {
	case <-s.done:
		return
	default:
	}
	close(s.done)
	s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *fakeServer) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns[c] = true
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
				c.Close()
			}()
			s.serve(c)
		}()
	}
}

func (s *fakeServer) serve(c net.Conn) {
	br := bufio.NewReader(c)
	icy := false
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		if strings.EqualFold(strings.TrimSpace(line), "Icy-MetaData: 1") {
			icy = true
		}
		if line == "\r\n" {
			break
		}
	}
	if icy {
		s.requests.Add(1)
	}
	if s.mode == fakeFull {
		c.Write([]byte("HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain\r\n\r\nserver full\n"))
		return
	}
	st := &icyStream{metaint: fakeMetaint, left: fakeMetaint, frame: fakeFrame}
	switched := false // the connection is past the format change
	if s.mode == fakeNewFormat {
		switch now := time.Now(); {
		case now.After(s.backAt):
			st.frame, switched = fakeFrame48, true
		case now.After(s.switchAt):
			c.Write([]byte("HTTP/1.0 404 Not Found\r\nContent-Type: text/plain\r\n\r\nmount not on air\n"))
			return
		}
	}
	c.Write([]byte("HTTP/1.0 200 OK\r\nContent-Type: audio/mpeg\r\nicy-metaint: 1000\r\n\r\n"))
	switch s.mode {
	case fakeLateICY:
		st.left++
		st.every = fakeMetaint + 1
	case fakeNoSync:
		st.prefix = []byte("ID3\x04\x00\x00\x00\x00\x00\x00")
	}
	if _, err := c.Write(st.next(8 << 10)); err != nil {
		return
	}
	switch s.mode {
	case fakeHangUp:
		time.Sleep(200 * time.Millisecond)
		return
	case fakeStall:
		<-s.done
		return
	case fakeEndClean:
		c.Write(st.next(st.toFrameEnd()))
		return
	}
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
		}
		c.SetWriteDeadline(time.Now().Add(5 * time.Second))
		if (s.mode == fakeNewFormat || s.mode == fakeKeepFormat) && !switched && time.Now().After(s.switchAt) {
			// The source changed format: finish the frame under way.
			switched = true
			if _, err := c.Write(st.next(st.toFrameEnd())); err != nil || s.mode == fakeNewFormat {
				return
			}
			st.frame = fakeFrame48
		}
		if _, err := c.Write(st.next(800)); err != nil {
			return
		}
	}
}

// icyStream makes a listener's body: MP3 frames with ICY blocks spliced in,
// written independently of the checker under test.
type icyStream struct {
	metaint int
	every   int // the interval actually used; 0 = metaint
	frame   []byte
	left    int // audio bytes before the next block
	pos     int // in the frame
	n       int // blocks so far
	prefix  []byte
}

// fakeFrame is a frame of 128 kbps at 44.1 kHz, unpadded; fakeFrame48 one
// at 48 kHz.
var (
	fakeFrame   = makeFrame([]byte{0xFF, 0xFB, 0x90, 0x64}, 417)
	fakeFrame48 = makeFrame([]byte{0xFF, 0xFB, 0x94, 0x64}, 384)
)

// makeFrame is a header and then a byte pattern with no zeros, as
// compressed audio mostly is: a misframed listener then meets a non-zero
// "length byte" at once.
func makeFrame(header []byte, size int) []byte {
	f := make([]byte, size)
	for i := range f {
		f[i] = byte(i*7%251) + 1
	}
	copy(f, header)
	return f
}

// toFrameEnd is the number of audio bytes to the end of the frame under way.
func (s *icyStream) toFrameEnd() int { return (len(s.frame) - s.pos) % len(s.frame) }

// next returns the next audio bytes of the body, with blocks.
func (s *icyStream) next(audio int) []byte {
	var out []byte
	for audio > 0 {
		k := min(audio, s.left)
		for range k {
			if len(s.prefix) > 0 {
				out = append(out, s.prefix[0])
				s.prefix = s.prefix[1:]
			} else {
				out = append(out, s.frame[s.pos])
			}
			s.pos = (s.pos + 1) % len(s.frame)
		}
		audio -= k
		s.left -= k
		if s.left == 0 {
			if s.n%2 == 0 {
				title := "StreamTitle='Fake - Tone';"
				l := (len(title) + 15) / 16
				out = append(out, byte(l))
				out = append(out, title...)
				out = append(out, make([]byte, l*16-len(title))...)
			} else {
				out = append(out, 0)
			}
			s.n++
			s.left = s.metaint
			if s.every > 0 {
				s.left = s.every
			}
		}
	}
	return out
}

// testConfig is a short run against url.
func testConfig(url string, n int, d time.Duration) Config {
	return Config{
		URL:            url,
		Listeners:      n,
		Rate:           16 << 10,
		Prebuffer:      64 << 10,
		Duration:       d,
		Tick:           100 * time.Millisecond,
		Workers:        4,
		ConnectTimeout: 5 * time.Second,
		StallTimeout:   5 * time.Second,
		Slack:          2 * time.Second,
	}
}

func TestRunHoldsListeners(t *testing.T) {
	leakcheck.Check(t)
	srv := startFake(t, fakeGood)
	const n = 50
	rep, err := Run(context.Background(), testConfig(srv.URL(), n, 2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.requests.Load(); got != n {
		t.Errorf("server saw %d requests asking for ICY metadata, want %d", got, n)
	}
	if rep.Connects.Attempted != n || rep.Connects.Succeeded != n || rep.Connects.Failed != 0 {
		t.Errorf("connects %+v, want %d succeeded", rep.Connects, n)
	}
	if rep.Drops.Total != 0 || rep.Framing.Errors != 0 {
		t.Errorf("drops %+v, framing errors %d %q; want none", rep.Drops, rep.Framing.Errors, rep.Framing.Examples)
	}
	if rep.Held.SteadyStart != n || rep.Held.SteadyEnd != n {
		t.Errorf("held %+v, want %d throughout", rep.Held, n)
	}
	if rep.StreamRate != 16000 {
		t.Errorf("stream rate %d, want 16000 (128 kbps from the frame header)", rep.StreamRate)
	}
	// The 8 KiB burst alone holds 8 ICY blocks per listener, 4 with a title.
	if rep.Framing.Blocks < 8*n || rep.Framing.Titles < 4*n {
		t.Errorf("checked %d blocks, %d titles; want at least %d, %d", rep.Framing.Blocks, rep.Framing.Titles, 8*n, 4*n)
	}
	for name, l := range map[string]Latency{"connect": rep.Times.Connect, "headers": rep.Times.Headers, "first audio": rep.Times.FirstAudio} {
		if l.N != n || l.Max <= 0 || l.P50 > l.Max {
			t.Errorf("%s times %+v, want %d positive samples", name, l, n)
		}
	}
	if pl := rep.Throughput.PerListener; pl.N != n || pl.Min <= 0 {
		t.Errorf("per-listener throughput %+v, want all %d listeners receiving", pl, n)
	}
	if rep.Throughput.BytesTotal < int64(n)*8<<10 {
		t.Errorf("%d bytes read in all, want at least every listener's burst (%d)", rep.Throughput.BytesTotal, n*8<<10)
	}
	if exitCode(rep) != 0 {
		t.Errorf("exit code %d, want 0", exitCode(rep))
	}
}

func TestRunReportsFailures(t *testing.T) {
	tests := []struct {
		mode       fakeMode
		name       string
		connFailed string // reason every connect fails with
		dropped    string // reason every listener is dropped with
		framing    bool
	}{
		{mode: fakeLateICY, name: "misframed ICY", dropped: "framing", framing: true},
		{mode: fakeHangUp, name: "hang-up", dropped: "eof"},
		{mode: fakeStall, name: "stall", dropped: "timeout"},
		{mode: fakeFull, name: "server full", connFailed: "status HTTP/1.0 503 Service Unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startFake(t, tt.mode)
			const n = 10
			cfg := testConfig(srv.URL(), n, 800*time.Millisecond)
			cfg.StallTimeout = 300 * time.Millisecond
			cfg.Ramp = 100
			rep, err := Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if tt.connFailed != "" {
				if rep.Connects.Failed != n || rep.Connects.Reasons[tt.connFailed] != n {
					t.Fatalf("connects %+v, want %d failed with %q", rep.Connects, n, tt.connFailed)
				}
				return
			}
			if rep.Connects.Succeeded != n || rep.Drops.Total != n || rep.Drops.Reasons[tt.dropped] != n {
				t.Fatalf("connects %+v, drops %+v; want %d connected and dropped with %q", rep.Connects, rep.Drops, n, tt.dropped)
			}
			if tt.framing != (rep.Framing.Errors == n) || tt.framing != (exitCode(rep) == 1) {
				t.Fatalf("framing errors %d, exit code %d; want framing errors: %v", rep.Framing.Errors, exitCode(rep), tt.framing)
			}
			if tt.framing && len(rep.Framing.Examples) == 0 {
				t.Fatalf("no example of the framing error")
			}
		})
	}
}

func TestRunCountsUnsyncedStarts(t *testing.T) {
	srv := startFake(t, fakeNoSync)
	const n = 10
	cfg := testConfig(srv.URL(), n, 500*time.Millisecond)
	cfg.StreamRate = 16000
	rep, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Players resync, so the listeners carry on; the run still fails.
	if rep.Connects.Succeeded != n || rep.Drops.Total != 0 || rep.Framing.Errors != 0 {
		t.Fatalf("connects %+v drops %+v framing errors %d; want %d held", rep.Connects, rep.Drops, rep.Framing.Errors, n)
	}
	if rep.Framing.Unsynced != n || !strings.Contains(rep.Framing.UnsyncedExample, "49 44 33 04") {
		t.Fatalf("unsynced %d (%q), want %d starting with ID3", rep.Framing.Unsynced, rep.Framing.UnsyncedExample, n)
	}
	if rep.StreamRate != 16000 || exitCode(rep) != 1 {
		t.Fatalf("stream rate %d, exit code %d; want 16000 and 1", rep.StreamRate, exitCode(rep))
	}
}

func TestRunRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/live"
	ln.Close()
	rep, err := Run(context.Background(), testConfig(url, 5, 100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Connects.Failed != 5 || rep.Connects.Reasons["refused"] != 5 {
		t.Fatalf("connects %+v, want 5 refused", rep.Connects)
	}
}

func TestRunCancelled(t *testing.T) {
	srv := startFake(t, fakeGood)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	rep, err := Run(ctx, testConfig(srv.URL(), 10, time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > 30*time.Second {
		t.Fatalf("a cancelled run took %v", time.Since(start))
	}
	if rep.Connects.Succeeded != 10 || rep.Drops.Total != 0 {
		t.Fatalf("connects %+v drops %+v, want 10 held until cancelled", rep.Connects, rep.Drops)
	}
}

func TestMainJSON(t *testing.T) {
	srv := startFake(t, fakeGood)
	var stdout, stderr bytes.Buffer
	code := realMain([]string{"-url", srv.URL(), "-n", "5", "-ramp", "0", "-duration", "300ms",
		"-tick", "100ms", "-json", "-quiet"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit code %d; stderr:\n%s", code, stderr.String())
	}
	var rep Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout.String())
	}
	if rep.Connects.Succeeded != 5 || rep.StreamRate != 16000 {
		t.Fatalf("report %+v", rep.Connects)
	}

	stdout.Reset()
	stderr.Reset()
	if code := realMain([]string{"-url", "ftp://x/", "-quiet"}, &stdout, &stderr); code != 2 {
		t.Fatalf("a bad URL: exit code %d, want 2", code)
	}
	bad := startFake(t, fakeLateICY)
	if code := realMain([]string{"-url", bad.URL(), "-n", "2", "-duration", "100ms", "-quiet"}, &stdout, &stderr); code != 1 {
		t.Fatalf("a misframed stream: exit code %d, want 1\n%s", code, stdout.String())
	}
}
