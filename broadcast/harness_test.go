package broadcast

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"onair/internal/leakcheck"
	"onair/internal/testenv"
)

const (
	testSourcePass = "s3cret"
	testAdminPass  = "an0ther"
)

// testAuth accepts the fixed test passwords.
type testAuth struct{}

// testRefusal is testAuth's refusal.
type testRefusal string

func (r testRefusal) Error() string  { return string(r) }
func (r testRefusal) Reason() string { return string(r) }

func (testAuth) SourceOK(_ context.Context, mount, user, pass string) error {
	if pass != testSourcePass {
		return testRefusal(ReasonWrongPassword)
	}
	return nil
}

func (testAuth) AdminOK(_ context.Context, user, pass string) error {
	if user != "" && user != "admin" {
		return testRefusal(ReasonUnknownUser)
	}
	if pass != testAdminPass {
		return testRefusal(ReasonWrongPassword)
	}
	return nil
}

// testServer is a Server on a pair of adjacent loopback ports.
type testServer struct {
	*Server
	http, shoutcast string // host:port
}

func startServer(t *testing.T, tweak func(*Options)) *testServer {
	t.Helper()
	return startServerWith(t, func(o *Options) {
		if tweak != nil {
			tweak(o)
		}
	})
}

// startServerWith is startServer with setup given the options (its Auth,
// Logger and the rest) before the server is made.
func startServerWith(t *testing.T, setup func(*Options)) *testServer {
	t.Helper()
	leakcheck.Check(t) // Close waits for every goroutine the server started
	opts := Options{
		ServerID:       "OnAir test",
		AllowUnlisted:  true,
		DefaultMount:   "/stream",
		ShoutcastMount: "/live",
		Mounts: []MountConfig{
			{Path: "/stream"},
			{Path: "/live"},
		},
		Defaults: MountSettings{
			BurstSize: 64 << 10, Metaint: 16000,
			WriteTimeout: 2 * time.Second, Grace: time.Second,
		},
		WakeInterval: 20 * time.Millisecond,
		// As in production: tests share two cores with real clients, and
		// a source idle for a moment under load must not be dropped.
		SourceTimeout: 10 * time.Second,
		HeaderTimeout: 5 * time.Second,
		Auth:          testAuth{},
	}
	setup(&opts)
	srv := New(opts)
	a, b := testenv.AdjacentListeners(t)
	go srv.Serve(a)
	go srv.ServeShoutcast(b)
	t.Cleanup(func() { srv.Close() })
	return &testServer{Server: srv, http: a.Addr().String(), shoutcast: b.Addr().String()}
}

// mp3Frame returns frame number n of a synthetic MPEG-1 layer III stream
// at 128 kbps, 44.1 kHz: a valid header and a payload that encodes n, so a
// reader can check order and completeness.
func mp3Frame(n int) []byte {
	f := make([]byte, 417)
	copy(f, []byte{0xFF, 0xFB, 0x90, 0x64})
	binary.BigEndian.PutUint32(f[4:], uint32(n))
	for i := 8; i < len(f); i++ {
		f[i] = byte(n + i)
	}
	return f
}

// frameNumber reads back the n of mp3Frame.
func frameNumber(f []byte) int { return int(binary.BigEndian.Uint32(f[4:])) }

// dial connects to addr with a deadline for the whole test step.
func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	c.SetDeadline(time.Now().Add(20 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c
}

// sourceClient is a raw source connection the test writes frames to.
type sourceClient struct {
	conn net.Conn
	br   *bufio.Reader
	next int
}

func (s *sourceClient) send(t *testing.T, frames int) {
	t.Helper()
	for range frames {
		if _, err := s.conn.Write(mp3Frame(s.next)); err != nil {
			t.Fatalf("source write: %v", err)
		}
		s.next++
	}
}

// startIcecastSource connects with "SOURCE mount HTTP/1.0" (or the given
// request line and headers) and checks the 200.
func startIcecastSource(t *testing.T, ts *testServer, mount string, extraHeaders string) *sourceClient {
	t.Helper()
	c := dial(t, ts.http)
	req := "SOURCE " + mount + " HTTP/1.0\r\n" +
		"Authorization: Basic " + basic("source", testSourcePass) + "\r\n" +
		"Content-Type: audio/mpeg\r\n" + extraHeaders + "\r\n"
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	status, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(status, "HTTP/1.0 200") {
		t.Fatalf("source status %q, %v", status, err)
	}
	skipHeaders(t, br)
	return &sourceClient{conn: c, br: br}
}

func basic(u, p string) string {
	r, _ := http.NewRequest("GET", "/", nil)
	r.SetBasicAuth(u, p)
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
}

func skipHeaders(t *testing.T, br *bufio.Reader) map[string]string {
	t.Helper()
	h := map[string]string{}
	for range 100 {
		l, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("read headers: %v", err)
		}
		l = strings.TrimRight(l, "\r\n")
		if l == "" {
			return h
		}
		k, v, _ := strings.Cut(l, ":")
		h[strings.ToLower(k)] = strings.TrimSpace(v)
	}
	t.Fatal("too many header lines")
	return nil
}

// icyListener is a player that checks ICY framing byte by byte.
type icyListener struct {
	conn    net.Conn
	br      *bufio.Reader
	status  string
	headers map[string]string
	metaint int
	left    int // audio bytes before the next block

	mu     sync.Mutex
	titles []string
}

// listen opens mount as a player that asks for metadata (or not).
func listen(t *testing.T, ts *testServer, mount string, metadata bool) *icyListener {
	t.Helper()
	c := dial(t, ts.http)
	req := "GET " + mount + " HTTP/1.0\r\nUser-Agent: test-player\r\n"
	if metadata {
		req += "Icy-MetaData:1\r\n"
	}
	io.WriteString(c, req+"\r\n")
	br := bufio.NewReader(c)
	status, err := br.ReadString('\n')
	if err != nil {
		t.Fatalf("listener status: %v", err)
	}
	l := &icyListener{conn: c, br: br, status: strings.TrimRight(status, "\r\n")}
	l.headers = skipHeaders(t, br)
	if mi := l.headers["icy-metaint"]; mi != "" {
		l.metaint, _ = strconv.Atoi(mi)
		l.left = l.metaint
	}
	return l
}

// readAudio reads n audio bytes, parsing any ICY blocks between them.
func (l *icyListener) readAudio(t *testing.T, n int) []byte {
	t.Helper()
	out, err := l.nextAudio(n)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// nextAudio is readAudio reporting errors instead of failing the test, for
// readers in their own goroutine.
func (l *icyListener) nextAudio(n int) ([]byte, error) {
	out := make([]byte, 0, n)
	for len(out) < n {
		if l.metaint > 0 && l.left == 0 {
			if err := l.nextBlock(); err != nil {
				return nil, err
			}
			l.left = l.metaint
		}
		k := n - len(out)
		if l.metaint > 0 && k > l.left {
			k = l.left
		}
		buf := make([]byte, k)
		if _, err := io.ReadFull(l.br, buf); err != nil {
			return nil, fmt.Errorf("read audio after %d bytes: %w", len(out), err)
		}
		out = append(out, buf...)
		if l.metaint > 0 {
			l.left -= k
		}
	}
	return out, nil
}

// nextBlock reads and checks one ICY metadata block.
func (l *icyListener) nextBlock() error {
	lb, err := l.br.ReadByte()
	if err != nil {
		return fmt.Errorf("read block length: %w", err)
	}
	if lb == 0 {
		return nil
	}
	blk := make([]byte, int(lb)*16)
	if _, err := io.ReadFull(l.br, blk); err != nil {
		return fmt.Errorf("read block: %w", err)
	}
	s := strings.TrimRight(string(blk), "\x00")
	if strings.IndexByte(s, 0) >= 0 {
		return fmt.Errorf("NUL inside block %q", s)
	}
	const pre = "StreamTitle='"
	if !strings.HasPrefix(s, pre) {
		return fmt.Errorf("block %q does not start with StreamTitle", s)
	}
	end := strings.Index(s, "';")
	if end < 0 {
		return fmt.Errorf("block %q has no terminator", s)
	}
	l.mu.Lock()
	l.titles = append(l.titles, s[len(pre):end])
	l.mu.Unlock()
	return nil
}

// nextFrame reads one whole synthetic frame and returns its number.
func (l *icyListener) nextFrame() (int, error) {
	f, err := l.nextAudio(417)
	if err != nil {
		return 0, err
	}
	if f[0] != 0xFF || f[1] != 0xFB {
		return 0, fmt.Errorf("frame does not start with a frame header: % x", f[:4])
	}
	return frameNumber(f), nil
}

// readFrames reads whole synthetic frames and returns their numbers.
func (l *icyListener) readFrames(t *testing.T, n int) []int {
	t.Helper()
	var out []int
	for range n {
		num, err := l.nextFrame()
		if err != nil {
			t.Fatalf("frame %d: %v", len(out), err)
		}
		out = append(out, num)
	}
	return out
}

// reader reads a listener's frames in the background, so a test can send
// at its own pace without the two waiting on each other.
type reader struct {
	l    *icyListener
	last atomic.Int64 // number of the newest frame read
	err  atomic.Pointer[error]
	done chan struct{}
}

func (l *icyListener) background(t *testing.T) *reader {
	r := &reader{l: l, done: make(chan struct{})}
	r.last.Store(-1)
	go func() {
		defer close(r.done)
		for {
			n, err := l.nextFrame()
			if err != nil {
				r.err.Store(&err)
				return
			}
			r.last.Store(int64(n))
		}
	}()
	t.Cleanup(func() {
		l.conn.Close()
		<-r.done
	})
	return r
}

// lastTitle returns the newest title the listener was sent.
func (l *icyListener) lastTitle() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.titles) == 0 {
		return ""
	}
	return l.titles[len(l.titles)-1]
}

// feedUntil sends frames from srcs at about real-time pace (a chunk each
// per 20 ms) until cond holds, failing after 30 s or when the reader has
// failed. The bound is generous: on a loaded machine the server's writers
// and the reader get little CPU, and the wait ends as soon as cond holds.
func feedUntil(t *testing.T, what string, rs []*reader, cond func() bool, srcs ...*sourceClient) {
	t.Helper()
	start := time.Now()
	for i := 0; i < 3000 && time.Since(start) < 30*time.Second; i++ {
		if cond() {
			return
		}
		for _, r := range rs {
			if p := r.err.Load(); p != nil {
				t.Fatalf("waiting for %s: listener failed: %v", what, *p)
			}
		}
		for _, s := range srcs {
			s.send(t, 10)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func httpGet(t *testing.T, url string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	cl := &http.Client{Timeout: 5 * time.Second}
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp, string(b)
}
