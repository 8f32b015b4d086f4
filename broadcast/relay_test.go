package broadcast

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"onair/internal/testenv"
)

const testRelayPass = "r3lay"

// relayServer has /stream, /live (a station's input),
// /relay (a passthrough mount) and /secret (hidden) on air, and /idle
// without a source.
func relayServer(t *testing.T, relayPassword string) (*testServer, []*sourceClient) {
	t.Helper()
	ts := startServer(t, func(o *Options) {
		o.RelayPassword = relayPassword
		o.Mounts = []MountConfig{
			{Path: "/stream"},
			{Path: "/live", Settings: MountSettings{Input: true}},
			{Path: "/relay"},
			{Path: "/secret", Settings: MountSettings{Hidden: true}},
			{Path: "/idle"},
		}
	})
	detach, err := ts.AttachInput("/live", discardInput{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(detach)
	var srcs []*sourceClient
	for _, p := range []string{"/stream", "/live", "/relay", "/secret"} {
		src := startIcecastSource(t, ts, p, "")
		src.send(t, 20)
		srcs = append(srcs, src)
	}
	return ts, srcs
}

// discardInput is a station's live input that takes any MP3 and drops it.
type discardInput struct{}

func (discardInput) Check(string) error                     { return nil }
func (discardInput) Begin(StreamInfo) (InputSession, error) { return discardInput{}, nil }
func (discardInput) Write(p []byte) (int, error)            { return len(p), nil }
func (discardInput) SetTitle(string)                        {}
func (discardInput) End()                                   {}

func getStreamList(t *testing.T, ts *testServer, user, pass string) (*http.Response, string) {
	t.Helper()
	if user == "" && pass == "" {
		return httpGet(t, "http://"+ts.http+"/admin/streamlist.txt")
	}
	return httpGet(t, "http://"+ts.http+"/admin/streamlist.txt", "Authorization", "Basic "+basic(user, pass))
}

func TestStreamList(t *testing.T) {
	ts, _ := relayServer(t, testRelayPass)
	for _, c := range []struct{ name, user, pass string }{
		{"relay user", RelayUser, testRelayPass},
		{"admin", "admin", testAdminPass},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, body := getStreamList(t, ts, c.user, c.pass)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			// On air and neither an input nor hidden; CRLF after each.
			if want := "/stream\r\n/relay\r\n"; body != want {
				t.Errorf("list %q, want %q", body, want)
			}
		})
	}
}

func TestStreamListRefusals(t *testing.T) {
	ts, _ := relayServer(t, testRelayPass)
	for _, c := range []struct{ name, user, pass string }{
		{"no credentials", "", ""},
		{"wrong relay password", RelayUser, "wrong"},
		{"wrong admin password", "admin", "wrong"},
		{"source credentials", "source", testSourcePass},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, body := getStreamList(t, ts, c.user, c.pass)
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401: %s", resp.StatusCode, body)
			}
			if resp.Header.Get("WWW-Authenticate") == "" {
				t.Error("401 without a challenge")
			}
			if strings.Contains(body, "/stream") {
				t.Error("the refusal lists the mounts")
			}
		})
	}
	if n := ts.stats.LoginsFailed[DoorRelay].Load(); n != 3 {
		t.Errorf("relay door counted %d refusals, want 3 (no credentials is no login)", n)
	}
}

func TestStreamListRelayUserOff(t *testing.T) {
	ts, _ := relayServer(t, "")
	// With relay_password "", no password makes the relay user, not even "".
	for _, pass := range []string{"", testRelayPass} {
		resp, _ := getStreamList(t, ts, RelayUser, pass)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("relay user with %q while off: %d, want 401", pass, resp.StatusCode)
		}
	}
	if n := ts.stats.LoginRefusals[DoorRelay][1].Load(); n != 2 {
		t.Errorf("refusals as unknown_user: %d, want 2", n)
	}
	resp, body := getStreamList(t, ts, "admin", testAdminPass)
	if resp.StatusCode != http.StatusOK || body != "/stream\r\n/relay\r\n" {
		t.Errorf("admin while the relay user is off: %d %q", resp.StatusCode, body)
	}
}

// pull opens mount as an Icecast slave does, with credentials and
// Icy-MetaData: 1.
func pull(t *testing.T, ts *testServer, mount, user, pass string) *icyListener {
	t.Helper()
	c := dial(t, ts.http)
	io.WriteString(c, "GET "+mount+" HTTP/1.0\r\nUser-Agent: Icecast 2.4.4\r\nIcy-MetaData: 1\r\n"+
		"Authorization: Basic "+basic(user, pass)+"\r\n\r\n")
	l := &icyListener{conn: c}
	l.br = bufio.NewReader(c)
	status, err := l.br.ReadString('\n')
	if err != nil {
		t.Fatalf("pull status: %v", err)
	}
	l.status = strings.TrimSpace(status)
	l.headers = skipHeaders(t, l.br)
	return l
}

func TestRelayPullsAreNoListeners(t *testing.T) {
	ts, srcs := relayServer(t, testRelayPass)
	ts.SetLimits(Limits{MaxListeners: 1, MaxConnectionsPerIP: 0})
	relay := pull(t, ts, "/relay", RelayUser, testRelayPass)
	if !strings.Contains(relay.status, "200") || relay.headers["icy-metaint"] == "" {
		t.Fatalf("relay pull: %q %v", relay.status, relay.headers)
	}
	admin := pull(t, ts, "/stream", "admin", testAdminPass)
	if !strings.Contains(admin.status, "200") {
		t.Fatalf("pull with admin credentials: %q", admin.status)
	}
	// Two relays on a server for one listener: the listener still gets in.
	l := listen(t, ts, "/relay", true)
	if !strings.Contains(l.status, "200") {
		t.Fatalf("listener after two relays with max_listeners 1: %q", l.status)
	}
	srcs[2].send(t, 20)
	testenv.WaitFor(t, "the listener counted", func() bool { return ts.Listeners() == 1 })

	list := ts.ListenerList("")
	relays := 0
	for _, li := range list {
		if li.Relay {
			relays++
		}
	}
	if len(list) != 3 || relays != 2 {
		b, _ := json.Marshal(list)
		t.Fatalf("listener list, want 3 entries, 2 relays: %s", b)
	}
	if ts.Listeners() != 1 || ts.Mount("/relay").Listeners() != 1 || ts.Mount("/stream").Listeners() != 0 {
		t.Errorf("counts with relays: server %d, /relay %d, /stream %d; want 1, 1, 0",
			ts.Listeners(), ts.Mount("/relay").Listeners(), ts.Mount("/stream").Listeners())
	}
	relay.conn.Close()
	admin.conn.Close()
	testenv.WaitFor(t, "the relays gone", func() bool {
		srcs[0].send(t, 2)
		srcs[2].send(t, 2)
		return len(ts.ListenerList("")) == 1
	})
	if ts.Listeners() != 1 {
		t.Errorf("a relay leaving changed the count: %d", ts.Listeners())
	}
}

func TestRelayPullWrongCredentials(t *testing.T) {
	ts, _ := relayServer(t, testRelayPass)
	l := pull(t, ts, "/relay", RelayUser, "wrong")
	if !strings.Contains(l.status, "401") {
		t.Fatalf("pull with a wrong relay password: %q", l.status)
	}
	if n := ts.stats.LoginsFailed[DoorRelay].Load(); n != 1 {
		t.Errorf("relay door refusals %d, want 1", n)
	}
}

func TestRelayPullsExemptFromPerIPLimit(t *testing.T) {
	// Without LimitExempt, loopback is held to the limit too.
	ts := startServer(t, func(o *Options) {
		o.RelayPassword = testRelayPass
		o.MaxConnectionsPerIP = 2
	})
	src := startIcecastSource(t, ts, "/stream", "") // one slot
	src.send(t, 20)
	for i := range 3 { // the pulls stay open: dial's cleanup closes them
		p := pull(t, ts, "/stream", RelayUser, testRelayPass)
		if !strings.Contains(p.status, "200") {
			t.Fatalf("relay pull %d with a per-IP limit of 2: %q", i+1, p.status)
		}
	}
	// The relays hold no slot: one listener still fits beside the source.
	l := listen(t, ts, "/stream", false)
	if !strings.Contains(l.status, "200") {
		t.Fatalf("listener beside three relays: %q", l.status)
	}
	c := dial(t, ts.http)
	io.WriteString(c, "GET /stream HTTP/1.0\r\n\r\n")
	status, _ := bufio.NewReader(c).ReadString('\n')
	if !strings.Contains(status, "429") {
		t.Errorf("a second listener from the address: %q, want 429", status)
	}
}

func TestHiddenMountLeftOffPublicLists(t *testing.T) {
	ts, _ := relayServer(t, testRelayPass)
	base := "http://" + ts.http
	for _, path := range []string{"/status-json.xsl", "/api/nowplaying", "/"} {
		resp, body := httpGet(t, base+path, "Accept", "text/html")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		if strings.Contains(body, "/secret") {
			t.Errorf("%s shows the hidden mount:\n%s", path, body)
		}
		if !strings.Contains(body, "/relay") {
			t.Errorf("%s leaves out the mount that is not hidden:\n%s", path, body)
		}
	}
	// The admin's view keeps it, and it still plays.
	_, body := httpGet(t, base+"/admin/stats", "Authorization", "Basic "+basic("admin", testAdminPass))
	if !strings.Contains(body, `mount="/secret"`) {
		t.Errorf("/admin/stats leaves out the hidden mount:\n%s", body)
	}
	if l := listen(t, ts, "/secret", false); !strings.Contains(l.status, "200") {
		t.Errorf("the hidden mount does not play: %q", l.status)
	}
}

// pullAsIcecast opens mount as Icecast 2.4 pulls a mount of its master's
// list: no credentials, only Icy-MetaData and its User-Agent.
func pullAsIcecast(t *testing.T, ts *testServer, mount string) *icyListener {
	t.Helper()
	c := dial(t, ts.http)
	io.WriteString(c, "GET "+mount+" HTTP/1.0\r\nUser-Agent: Icecast 2.4.4\r\nIcy-MetaData: 1\r\n\r\n")
	l := &icyListener{conn: c, br: bufio.NewReader(c)}
	status, err := l.br.ReadString('\n')
	if err != nil {
		t.Fatalf("pull status: %v", err)
	}
	l.status = strings.TrimSpace(status)
	l.headers = skipHeaders(t, l.br)
	return l
}

func TestIcecastPullAfterListReadIsRelay(t *testing.T) {
	ts, _ := relayServer(t, testRelayPass)
	// Before any list read, an Icecast's pull is a listener like any.
	before := pullAsIcecast(t, ts, "/relay")
	if resp, _ := getStreamList(t, ts, RelayUser, "wrong"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong relay password: %d", resp.StatusCode)
	}
	after := pullAsIcecast(t, ts, "/stream")
	if resp, _ := getStreamList(t, ts, RelayUser, testRelayPass); resp.StatusCode != http.StatusOK {
		t.Fatalf("list read: %d", resp.StatusCode)
	}
	slave := pullAsIcecast(t, ts, "/relay")
	for _, l := range []*icyListener{before, after, slave} {
		if !strings.Contains(l.status, "200") {
			t.Fatalf("pull: %q", l.status)
		}
	}
	list := ts.ListenerList("")
	if len(list) != 3 || list[0].Relay || list[1].Relay || !list[2].Relay {
		b, _ := json.Marshal(list)
		t.Fatalf("want only the pull after a good list read as a relay: %s", b)
	}
	if ts.Listeners() != 2 {
		t.Errorf("listeners %d, want 2", ts.Listeners())
	}
}
