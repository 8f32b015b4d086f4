package broadcast

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"onair/accesslog"
	"onair/internal/testenv"
)

// accessRecorder is an AccessLogger that keeps what it is given.
type accessRecorder struct {
	mu      sync.Mutex
	entries []accesslog.Entry
}

func (a *accessRecorder) Write(e accesslog.Entry) {
	a.mu.Lock()
	a.entries = append(a.entries, e)
	a.mu.Unlock()
}

// matching returns the entries for method and uri so far.
func (a *accessRecorder) matching(method, uri string) []accesslog.Entry {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []accesslog.Entry
	for _, e := range a.entries {
		if e.Method == method && e.URI == uri {
			out = append(out, e)
		}
	}
	return out
}

// wait returns the one entry for method and uri, waiting up to 5 s for it.
func (a *accessRecorder) wait(t *testing.T, method, uri string) accesslog.Entry {
	t.Helper()
	testenv.WaitFor(t, "access log entry for "+method+" "+uri, func() bool { return len(a.matching(method, uri)) > 0 })
	got := a.matching(method, uri)
	if len(got) != 1 {
		t.Fatalf("%d entries for %s %s, want 1: %+v", len(got), method, uri, got)
	}
	return got[0]
}

func startLoggedServer(t *testing.T) (*testServer, *accessRecorder) {
	rec := &accessRecorder{}
	return startServer(t, func(o *Options) { o.AccessLog = rec }), rec
}

func TestAccessLogListener(t *testing.T) {
	ts, rec := startLoggedServer(t)
	src := startIcecastSource(t, ts, "/stream", "")
	src.send(t, 20)
	testenv.WaitFor(t, "audio", func() bool { return ts.Mount("/stream").HasAudio() })

	l := listen(t, ts, "/stream", false) // User-Agent: test-player
	l.readAudio(t, 4000)
	l.conn.Close()
	// The server sees the listener gone at its next write.
	feedUntil(t, "the listener's entry", nil, func() bool { return len(rec.matching("GET", "/stream")) > 0 }, src)
	e := rec.wait(t, "GET", "/stream")
	if e.Status != 200 || e.Bytes < 4000 || e.UserAgent != "test-player" || e.Duration < 0 ||
		e.IP != "127.0.0.1" || e.Proto != "HTTP/1.0" || e.Start.IsZero() {
		t.Errorf("listener entry %+v", e)
	}

	// HEAD and a Range probe are answered on the hijacked connection and
	// logged there, once each.
	req, _ := http.NewRequest("HEAD", "http://"+ts.http+"/stream?head", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if e := rec.wait(t, "HEAD", "/stream?head"); e.Status != 200 || e.Bytes == 0 {
		t.Errorf("HEAD entry %+v", e)
	}
	httpGet(t, "http://"+ts.http+"/stream?probe", "Range", "bytes=0-1")
	if e := rec.wait(t, "GET", "/stream?probe"); e.Status != 206 || e.Bytes == 0 {
		t.Errorf("probe entry %+v", e)
	}
}

func TestAccessLogPages(t *testing.T) {
	ts, rec := startLoggedServer(t)
	base := "http://" + ts.http
	tests := []struct {
		uri, user, pass string
		status          int
	}{
		{"/status-json.xsl", "", "", 200},
		{"/no-such-page", "", "", 404},
		{"/live", "", "", 404}, // a mount off the air
		{"/admin/stats", "admin", "wrong", 401},
		{"/admin/stats?x=1", "admin", testAdminPass, 200},
	}
	for _, tt := range tests {
		t.Run(tt.uri, func(t *testing.T) {
			req, _ := http.NewRequest("GET", base+tt.uri, nil)
			req.Header.Set("Referer", "http://example.org/page")
			if tt.user != "" {
				req.SetBasicAuth(tt.user, tt.pass)
			}
			resp, err := (&http.Client{}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			n, _ := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			e := rec.wait(t, "GET", tt.uri)
			if e.Status != tt.status || e.Bytes != n || e.User != tt.user || e.Proto != "HTTP/1.1" ||
				e.Referer != "http://example.org/page" || !strings.HasPrefix(e.UserAgent, "Go-http-client/") {
				t.Errorf("entry %+v, want status %d, %d bytes, user %q", e, tt.status, n, tt.user)
			}
		})
	}
	t.Run("password in the query", func(t *testing.T) {
		httpGet(t, base+"/admin.cgi?mode=updinfo&pass="+testSourcePass+"&song=x")
		e := rec.wait(t, "GET", "/admin.cgi?mode=updinfo&pass=***&song=x")
		if e.Status != 200 {
			t.Errorf("entry %+v", e)
		}
	})
}

func TestAccessLogSources(t *testing.T) {
	ts, rec := startLoggedServer(t)

	// A source's bytes all reach the server before its close does: the
	// entries count every byte sent.
	t.Run("icecast", func(t *testing.T) {
		src := startIcecastSource(t, ts, "/relay", "User-Agent: test-source\r\n")
		src.send(t, 10)
		src.conn.Close()
		e := rec.wait(t, "SOURCE", "/relay")
		if e.Status != 200 || e.Bytes != 10*417 || e.User != "source" || e.UserAgent != "test-source" || e.Proto != "HTTP/1.0" {
			t.Errorf("entry %+v", e)
		}
	})
	t.Run("icecast refused", func(t *testing.T) {
		c := dial(t, ts.http)
		fmt.Fprintf(c, "PUT /refused HTTP/1.1\r\nHost: x\r\nAuthorization: Basic %s\r\n\r\n", basic("source", "wrong"))
		status, _ := bufio.NewReader(c).ReadString('\n')
		if !strings.Contains(status, " 401 ") {
			t.Fatalf("status %q", status)
		}
		if e := rec.wait(t, "PUT", "/refused"); e.Status != 401 || e.User != "source" {
			t.Errorf("entry %+v", e)
		}
	})
	t.Run("shoutcast v1", func(t *testing.T) {
		c := dial(t, ts.shoutcast)
		io.WriteString(c, "dj:"+testSourcePass+"\n")
		reply := make([]byte, len("OK2\r\nicy-caps:11\r\n\r\n"))
		if _, err := io.ReadFull(c, reply); err != nil {
			t.Fatalf("reply %q, %v", reply, err)
		}
		io.WriteString(c, "content-type:audio/mpeg\nuser-agent:Winamp DSP\n\n")
		src := &sourceClient{conn: c}
		src.send(t, 5)
		c.Close()
		e := rec.wait(t, "SOURCE", "/live")
		if e.Status != 200 || e.Bytes != 5*417 || e.User != "dj" || e.Proto != "ICY" || e.UserAgent != "Winamp DSP" {
			t.Errorf("entry %+v", e)
		}
	})
	t.Run("shoutcast v1 refused", func(t *testing.T) {
		c := dial(t, ts.shoutcast)
		io.WriteString(c, "wrong\n")
		line, _ := bufio.NewReader(c).ReadString('\n')
		if line != "invalid password\r\n" {
			t.Fatalf("reply %q", line)
		}
		testenv.WaitFor(t, "refused entry", func() bool {
			for _, e := range rec.matching("SOURCE", "/live") {
				if e.Status == 401 && e.User == "" && e.Bytes == 0 {
					return true
				}
			}
			return false
		})
	})
	t.Run("icecast 1", func(t *testing.T) {
		c := dial(t, ts.http)
		io.WriteString(c, "SOURCE "+testSourcePass+" /old\r\nx-audiocast-name: Old\r\nuser-agent: darkice\r\n\r\n")
		reply := make([]byte, len("OK\r\n\r\n"))
		if _, err := io.ReadFull(c, reply); err != nil {
			t.Fatalf("reply %q, %v", reply, err)
		}
		src := &sourceClient{conn: c}
		src.send(t, 3)
		c.Close()
		e := rec.wait(t, "SOURCE", "/old")
		if e.Status != 200 || e.Bytes != 3*417 || e.User != "source" || e.Proto != "ICE/1.0" || e.UserAgent != "darkice" {
			t.Errorf("entry %+v", e)
		}
	})
}

func TestRedactQuery(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/stream", "/stream"},
		{"/admin.cgi?pass=x&mode=updinfo", "/admin.cgi?pass=***&mode=updinfo"},
		{"/admin.cgi?mode=updinfo&PASS=x", "/admin.cgi?mode=updinfo&PASS=***"},
		{"/x?password=a=b&passage=1", "/x?password=***&passage=1"},
	}
	for _, tt := range tests {
		if got := redactQuery(tt.in); got != tt.want {
			t.Errorf("redactQuery(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestAccessLogRefusals: connections refused before any handler runs are
// logged too: over the per-IP limit (429, on either port, and for a client
// behind a trusted proxy) and with a request line too long (414). Source
// logins are named by their mount, never by the password their line
// holds.
func TestAccessLogRefusals(t *testing.T) {
	t.Run("per-IP limit", func(t *testing.T) {
		rec := &accessRecorder{}
		ts := startServer(t, func(o *Options) { o.MaxConnectionsPerIP = 1; o.AccessLog = rec })
		dial(t, ts.http) // holds the address's one slot, saying nothing
		for _, c := range []struct{ addr, send, method, uri, proto string }{
			{ts.http, "GET /stream?x=1 HTTP/1.1\r\nHost: x\r\nUser-Agent: busy-player\r\nAuthorization: Basic " + basic("admin", "pw") + "\r\n\r\n",
				"GET", "/stream?x=1", "HTTP/1.1"},
			{ts.http, "GET /admin.cgi?pass=hunter2&mode=updinfo HTTP/1.0\r\n", "GET", "/admin.cgi?pass=***&mode=updinfo", "HTTP/1.0"},
			{ts.http, "dj:hunter2\r\n", "SOURCE", "/live", "ICY"},
			{ts.http, "SOURCE hunter2 /old\r\n\r\n", "SOURCE", "/old", "ICE/1.0"},
			{ts.shoutcast, "hunter2\r\n", "SOURCE", "/live", "ICY"},
		} {
			conn := dial(t, c.addr)
			io.WriteString(conn, c.send)
			if st := readStatus(t, conn); st != "HTTP/1.0 429 Too Many Requests" {
				t.Fatalf("%q: %q, want 429", c.send, st)
			}
			conn.Close()
			e := rec.wait(t, c.method, c.uri)
			if e.Status != 429 || e.Proto != c.proto || e.IP != "127.0.0.1" || e.Bytes == 0 || e.Start.IsZero() {
				t.Errorf("%q logged as %+v", c.send, e)
			}
			if c.method == "GET" && c.uri == "/stream?x=1" && (e.UserAgent != "busy-player" || e.User != "admin") {
				t.Errorf("user agent and user of %q: %+v", c.send, e)
			}
			rec.mu.Lock()
			for _, e := range rec.entries {
				if strings.Contains(fmt.Sprintf("%+v", e), "hunter2") {
					t.Errorf("a password in the access log: %+v", e)
				}
			}
			rec.entries = nil // each case's entry alone
			rec.mu.Unlock()
		}
	})
	t.Run("forwarded client over the limit", func(t *testing.T) {
		rec := &accessRecorder{}
		ts := startServer(t, func(o *Options) {
			o.TrustedProxies = loopbackProxy
			o.MaxConnectionsPerIP = 1
			o.LimitExempt = func(a netip.Addr) bool { return a.IsLoopback() }
			o.AccessLog = rec
		})
		src := startIcecastSource(t, ts, "/stream", "")
		src.send(t, 40)
		if a := forwardedListener(t, ts, "/stream", "198.51.100.1"); !strings.Contains(a.status, "200") {
			t.Fatalf("first listener: %q", a.status)
		}
		if b := forwardedListener(t, ts, "/stream", "198.51.100.1"); !strings.Contains(b.status, "429") {
			t.Fatalf("second listener from the same client: %q, want 429", b.status)
		}
		testenv.WaitFor(t, "the refusal's entry", func() bool {
			for _, e := range rec.matching("GET", "/stream") {
				if e.Status == 429 && e.IP == "198.51.100.1" && e.UserAgent == "test-player" {
					return true
				}
			}
			return false
		})
	})
	t.Run("request line too long", func(t *testing.T) {
		ts, rec := startLoggedServer(t)
		c := dial(t, ts.http)
		io.WriteString(c, "GET /admin.cgi?pass=hunter2&song="+strings.Repeat("a", 9000)+" HTTP/1.0\r\n\r\n")
		if st := readStatus(t, c); !strings.Contains(st, " 414 ") {
			t.Fatalf("9 KB request line: %q, want 414", st)
		}
		testenv.WaitFor(t, "the 414's entry", func() bool {
			rec.mu.Lock()
			defer rec.mu.Unlock()
			return len(rec.entries) > 0
		})
		rec.mu.Lock()
		e := rec.entries[0]
		rec.mu.Unlock()
		if e.Status != 414 || e.Method != "GET" || !strings.HasPrefix(e.URI, "/admin.cgi?pass=***&song=aaa") ||
			!strings.HasSuffix(e.URI, "…") || len(e.URI) > 256 || e.IP != "127.0.0.1" {
			t.Errorf("logged as %+v", e)
		}
	})
}

// TestAccessLogUserFromHandler: a handler behind the server names the
// user it learnt from a login form, for its refusal's entry.
func TestAccessLogUserFromHandler(t *testing.T) {
	rec := &accessRecorder{}
	ts := startServerWith(t, func(s *Options) {
		s.AccessLog = rec
		s.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			SetAccessUser(r, "dj.anna")
			http.Error(w, "wrong username or password", http.StatusUnauthorized)
		})
	})
	resp, err := http.Post("http://"+ts.http+"/api/login", "application/json", strings.NewReader(`{"username":"dj.anna"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if e := rec.wait(t, "POST", "/api/login"); e.Status != 401 || e.User != "dj.anna" {
		t.Errorf("entry %+v", e)
	}
}
