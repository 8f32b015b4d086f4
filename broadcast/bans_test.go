package broadcast

import (
	"bufio"
	"io"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
)

var loopbackProxy = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}

// bannedIn returns a Banned func for the given prefixes.
func bannedIn(prefixes ...string) func(netip.Addr) bool {
	var ps []netip.Prefix
	for _, p := range prefixes {
		ps = append(ps, netip.MustParsePrefix(p))
	}
	return func(a netip.Addr) bool {
		for _, p := range ps {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
}

// openListener asks for mount on c as a player behind a proxy that sends
// the given extra header lines, and reads the status and headers.
func openListener(t *testing.T, c net.Conn, mount, extra string) *icyListener {
	t.Helper()
	if _, err := io.WriteString(c, "GET "+mount+" HTTP/1.0\r\nUser-Agent: test-player\r\n"+extra+"\r\n"); err != nil {
		t.Fatalf("listener request: %v", err)
	}
	br := bufio.NewReader(c)
	status, err := br.ReadString('\n')
	if err != nil {
		t.Fatalf("listener status: %v", err)
	}
	l := &icyListener{conn: c, br: br, status: strings.TrimRight(status, "\r\n")}
	l.headers = skipHeaders(t, br)
	return l
}

// forwardedListener is a listener that a proxy on loopback forwards for
// the client at ip.
func forwardedListener(t *testing.T, ts *testServer, mount, ip string) *icyListener {
	t.Helper()
	return openListener(t, dial(t, ts.http), mount, "X-Forwarded-For: "+ip+"\r\n")
}

// A banned client is refused with 403, whether it is a player, a status
// page or the API, and whatever it writes into X-Forwarded-For itself.
func TestBannedClientGets403(t *testing.T) {
	ts := startServer(t, func(o *Options) {
		o.TrustedProxies = loopbackProxy
		o.Banned = bannedIn("203.0.113.0/24")
	})
	src := startIcecastSource(t, ts, "/stream", "")
	src.send(t, 40)

	for _, tt := range []struct {
		name, xff, want string
	}{
		{"banned client", "203.0.113.9", "403"},
		{"banned client prepends an innocent address", "198.51.100.1, 203.0.113.9", "403"},
		{"innocent client prepends a banned address", "203.0.113.9, 198.51.100.1", "200"},
		{"innocent client", "198.51.100.1", "200"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := forwardedListener(t, ts, "/stream", tt.xff)
			if f := strings.Fields(l.status); len(f) < 2 || f[1] != tt.want {
				t.Fatalf("status %q, want %s", l.status, tt.want)
			}
			if tt.want == "200" {
				l.readFrames(t, 5)
			}
		})
	}
	for _, path := range []string{"/status-json.xsl", "/api/nowplaying", "/7.html"} {
		resp, _ := httpGet(t, "http://"+ts.http+path, "X-Forwarded-For", "203.0.113.200")
		if resp.StatusCode != 403 {
			t.Errorf("GET %s from a banned client: %d, want 403", path, resp.StatusCode)
		}
		resp, _ = httpGet(t, "http://"+ts.http+path, "X-Forwarded-For", "198.51.100.1")
		if resp.StatusCode != 200 {
			t.Errorf("GET %s from another client: %d, want 200", path, resp.StatusCode)
		}
	}
	if n := ts.Counters().RefusedBanned.Load(); n != 5 {
		t.Errorf("RefusedBanned = %d, want 5", n)
	}
}

// Without trusted proxies, X-Forwarded-For is the client's own claim: it
// neither bans an innocent client nor clears a banned one.
func TestForwardedForIgnoredFromUntrustedPeers(t *testing.T) {
	ts := startServer(t, func(o *Options) { o.Banned = bannedIn("203.0.113.0/24") })
	resp, _ := httpGet(t, "http://"+ts.http+"/status-json.xsl", "X-Forwarded-For", "203.0.113.9")
	if resp.StatusCode != 200 {
		t.Fatalf("a client claiming a banned address got %d, want 200", resp.StatusCode)
	}
	banned := startServer(t, func(o *Options) { o.Banned = bannedIn("127.0.0.0/8") })
	resp, _ = httpGet(t, "http://"+banned.http+"/status-json.xsl", "X-Forwarded-For", "198.51.100.1", "X-Real-IP", "198.51.100.1")
	if resp.StatusCode != 403 {
		t.Fatalf("a banned client claiming another address got %d, want 403", resp.StatusCode)
	}
}

// Sources from a banned address are refused on every protocol: Icecast
// with 403, SHOUTcast v1 (either port) and Icecast 1 by closing.
func TestBannedSourcesRefused(t *testing.T) {
	ts := startServer(t, func(o *Options) { o.Banned = bannedIn("127.0.0.0/8") })
	for _, tt := range []struct {
		name, addr, login string
	}{
		{"shoutcast port", ts.shoutcast, testSourcePass + "\r\n"},
		{"shoutcast sniffed on the http port", ts.http, testSourcePass + "\r\n"},
		{"icecast 1", ts.http, "SOURCE " + testSourcePass + " /live\r\n\r\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, tt.addr)
			io.WriteString(c, tt.login)
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			// Closed with the login unread, the kernel may send a reset
			// rather than an end of stream: either is a refusal.
			b, err := io.ReadAll(c)
			if len(b) > 0 || isTimeout(err) {
				t.Fatalf("banned source read %q, %v; want the connection closed at once", b, err)
			}
		})
	}
	c := dial(t, ts.http)
	io.WriteString(c, "SOURCE /live HTTP/1.0\r\nAuthorization: Basic "+basic("source", testSourcePass)+"\r\nContent-Type: audio/mpeg\r\n\r\n")
	status, _ := bufio.NewReader(c).ReadString('\n')
	if !strings.Contains(status, " 403 ") {
		t.Fatalf("banned Icecast source: %q, want 403", status)
	}
	if m := ts.Mount("/live"); m.OnAir() {
		t.Fatal("a banned source went on air")
	}
}

// Behind a trusted proxy, the per-IP limit counts each client, not the
// proxy; a listener holds its slot until it leaves.
func TestPerIPLimitCountsForwardedClients(t *testing.T) {
	ts := startServer(t, func(o *Options) {
		o.TrustedProxies = loopbackProxy
		o.MaxConnectionsPerIP = 1
		o.LimitExempt = func(a netip.Addr) bool { return a.IsLoopback() }
	})
	src := startIcecastSource(t, ts, "/stream", "")
	src.send(t, 40)
	a := forwardedListener(t, ts, "/stream", "198.51.100.1")
	if !strings.Contains(a.status, "200") {
		t.Fatalf("first listener: %q", a.status)
	}
	if b := forwardedListener(t, ts, "/stream", "198.51.100.1"); !strings.Contains(b.status, "429") {
		t.Fatalf("second listener from the same client: %q, want 429", b.status)
	}
	if c := forwardedListener(t, ts, "/stream", "198.51.100.2"); !strings.Contains(c.status, "200") {
		t.Fatalf("listener from another client behind the proxy: %q, want 200", c.status)
	}
	// Requests hold their slot only while they run.
	for range 3 {
		if resp, _ := httpGet(t, "http://"+ts.http+"/status-json.xsl", "X-Forwarded-For", "198.51.100.3"); resp.StatusCode != 200 {
			t.Fatalf("status page: %d", resp.StatusCode)
		}
	}
	a.conn.Close()
	feedUntil(t, "the first listener to leave", nil, func() bool { return len(ts.ListenerList("/stream")) == 1 }, src)
	if d := forwardedListener(t, ts, "/stream", "198.51.100.1"); !strings.Contains(d.status, "200") {
		t.Fatalf("the client again after its listener left: %q, want 200", d.status)
	}
}
