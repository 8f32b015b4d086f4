package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"

	"onair/accounts"
	"onair/audience"
	"onair/bans"
	"onair/broadcast"
	"onair/station"
	"onair/store"
)

// fakeServer is a broadcast server with a fixed set of listeners.
type fakeServer struct {
	mu        sync.Mutex
	listeners []broadcast.ListenerInfo
	mounts    map[string]broadcast.MountStats
}

func (f *fakeServer) ListenerList(mount string) []broadcast.ListenerInfo {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []broadcast.ListenerInfo{}
	for _, l := range f.listeners {
		if mount == "" || l.Mount == mount {
			out = append(out, l)
		}
	}
	return out
}

func (f *fakeServer) remove(keep func(broadcast.ListenerInfo) bool) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	var kept []broadcast.ListenerInfo
	for _, l := range f.listeners {
		if keep(l) {
			kept = append(kept, l)
		}
	}
	n := len(f.listeners) - len(kept)
	f.listeners = kept
	return n
}

func (f *fakeServer) KickListener(id uint64) bool {
	return f.remove(func(l broadcast.ListenerInfo) bool { return l.ID != id }) == 1
}

func (f *fakeServer) KickPrefix(p netip.Prefix) int {
	return f.remove(func(l broadcast.ListenerInfo) bool { return !p.Contains(netip.MustParseAddr(l.IP)) })
}

func (f *fakeServer) MountStats(path string) (broadcast.MountStats, bool) {
	st, ok := f.mounts[path]
	return st, ok
}

func (f *fakeServer) Relays() []broadcast.RelayStatus {
	return []broadcast.RelayStatus{{Mount: "/edge", State: broadcast.RelayFailed, Reason: "upstream 1 (http://origin/s): upstream answered 404 Not Found",
		Upstreams: []string{"http://origin/s"}, Since: time.Unix(1700000000, 0), BytesIn: 42}}
}

func (f *fakeServer) ClientAddr(r *http.Request) netip.Addr {
	ap, _ := netip.ParseAddrPort(r.RemoteAddr)
	return ap.Addr()
}

type apiFixture struct {
	url string
	srv *fakeServer
	rec *audience.Recorder
}

func startAPI(t *testing.T) *apiFixture {
	t.Helper()
	st, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	list, err := bans.Open(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	connected := time.Now().Add(-90 * time.Second)
	fs := &fakeServer{
		listeners: []broadcast.ListenerInfo{
			{ID: 7, Mount: "/stream", IP: "203.0.113.9", UserAgent: "VLC/3.0", ConnectedAt: connected, Seconds: 90, BytesSent: 1440000, Bitrate: 128},
			{ID: 8, Mount: "/relay", IP: "198.51.100.4", UserAgent: "mpv", ConnectedAt: connected, Seconds: 90, BytesSent: 10, Bitrate: 64},
		},
		mounts: map[string]broadcast.MountStats{
			"/stream": {Listeners: 1, Peak: 40, Since: time.Now().Add(-time.Hour), Bitrate: 128},
			"/relay":  {Listeners: 1, Peak: 9, Since: time.Now().Add(-48 * time.Hour), Bitrate: 64},
			"/live":   {Input: true},
		},
	}
	rec := &audience.Recorder{Store: st, Counts: func() []audience.Count { return nil }}
	accts := accounts.New(st)
	accts.Cost = 4 // bcrypt's least: these tests are not about hashing
	for _, acc := range []struct {
		name string
		role accounts.Role
	}{{"boss", accounts.RoleAdmin}, {"dj", accounts.RoleDJ}} {
		if _, err := accts.Create(context.Background(), acc.name, testPassword, acc.role); err != nil {
			t.Fatal(err)
		}
	}
	a := New(station.NewSet(), Deps{
		Listeners: ListenerDeps{Server: fs, Bans: list, History: rec},
		Auth:      AuthDeps{Accounts: accts, ClientAddr: fs.ClientAddr},
	}, nil)
	hs := httptest.NewServer(a)
	t.Cleanup(hs.Close)
	return &apiFixture{url: hs.URL, srv: fs, rec: rec}
}

const testPassword = "listen-closely"

// call sends a request as the admin with an optional JSON body and
// decodes the answer into v, returning the status.
func call(t *testing.T, method, url string, body, v any) int {
	t.Helper()
	return callAs(t, "boss", method, url, body, v)
}

func callAs(t *testing.T, user, method, url string, body, v any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.SetBasicAuth(user, testPassword)
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if v != nil {
		if err := json.Unmarshal(out, v); err != nil {
			t.Fatalf("%s %s: %v in %s", method, url, err, out)
		}
	}
	return resp.StatusCode
}

func TestRelaysAPI(t *testing.T) {
	f := startAPI(t)
	var raw []map[string]any
	if code := call(t, "GET", f.url+"/api/relays", nil, &raw); code != 200 || len(raw) != 1 {
		t.Fatalf("GET /api/relays: %d %v", code, raw)
	}
	for _, k := range []string{"mount", "state", "reason", "upstreams", "on_demand", "bytes_in", "since", "listeners"} {
		if _, ok := raw[0][k]; !ok {
			t.Errorf("relay lacks %q: %v", k, raw[0])
		}
	}
	if raw[0]["state"] != "failed" || raw[0]["bytes_in"] != 42.0 {
		t.Errorf("relay: %v", raw[0])
	}
	resp, err := http.Get(f.url + "/api/relays")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /api/relays without credentials: %d, want 401", resp.StatusCode)
	}
}

func TestListenersAPI(t *testing.T) {
	f := startAPI(t)
	var raw []map[string]any
	if code := call(t, "GET", f.url+"/api/listeners?mount=/stream", nil, &raw); code != 200 || len(raw) != 1 {
		t.Fatalf("GET /api/listeners?mount=/stream: %d %v", code, raw)
	}
	for _, k := range []string{"id", "mount", "ip", "user_agent", "connected_at", "bytes_sent", "seconds", "bitrate"} {
		if _, ok := raw[0][k]; !ok {
			t.Errorf("listener lacks %q: %v", k, raw[0])
		}
	}
	if raw[0]["ip"] != "203.0.113.9" || raw[0]["bitrate"] != 128.0 || raw[0]["seconds"] != 90.0 {
		t.Errorf("listener: %v", raw[0])
	}
	if code := call(t, "GET", f.url+"/api/listeners", nil, &raw); code != 200 || len(raw) != 2 {
		t.Fatalf("GET /api/listeners: %d %v", code, raw)
	}
	var body json.RawMessage
	if code := call(t, "GET", f.url+"/api/listeners?mount=/live", nil, &body); code != 200 || string(bytes.TrimSpace(body)) != "[]" {
		t.Fatalf("listeners of a mount with none: %d %s, want []", code, body)
	}
	if code := call(t, "GET", f.url+"/api/listeners?mount=/nothing", nil, nil); code != 404 {
		t.Fatalf("listeners of no mount: %d, want 404", code)
	}

	if code := callAs(t, "dj", "DELETE", f.url+"/api/listeners/7", nil, nil); code != 403 {
		t.Fatalf("kick by a DJ: %d, want 403", code)
	}
	if code := call(t, "DELETE", f.url+"/api/listeners/7", nil, nil); code != 200 {
		t.Fatalf("kick: %d", code)
	}
	if code := call(t, "DELETE", f.url+"/api/listeners/7", nil, nil); code != 404 {
		t.Fatalf("kick of a listener gone: %d, want 404", code)
	}
	if code := call(t, "DELETE", f.url+"/api/listeners/abc", nil, nil); code != 400 {
		t.Fatalf("kick of a bad id: %d, want 400", code)
	}
	if l := f.srv.ListenerList(""); len(l) != 1 || l[0].ID != 8 {
		t.Fatalf("after the kick: %+v", l)
	}
}

func TestBansAPI(t *testing.T) {
	f := startAPI(t)
	var body json.RawMessage
	if code := call(t, "GET", f.url+"/api/bans", nil, &body); code != 200 || string(bytes.TrimSpace(body)) != "[]" {
		t.Fatalf("no bans: %d %s, want []", code, body)
	}
	if code := callAs(t, "dj", "POST", f.url+"/api/bans", map[string]string{"prefix": "203.0.113.0/24"}, nil); code != 403 {
		t.Fatalf("ban by a DJ: %d, want 403", code)
	}
	var added struct {
		bans.Ban
		Kicked int `json:"kicked"`
	}
	code := call(t, "POST", f.url+"/api/bans", map[string]string{"prefix": "203.0.113.0/24", "reason": "stream ripping"}, &added)
	if code != 201 || added.Prefix != "203.0.113.0/24" || added.Reason != "stream ripping" || added.CreatedAt.IsZero() || added.Kicked != 1 {
		t.Fatalf("POST /api/bans: %d %+v", code, added)
	}
	if l := f.srv.ListenerList(""); len(l) != 1 || l[0].IP != "198.51.100.4" {
		t.Fatalf("the banned listener was not kicked: %+v", l)
	}
	if code := call(t, "POST", f.url+"/api/bans", map[string]string{"prefix": "203.0.113.0/24", "reason": "again"}, &added); code != 200 || added.Reason != "again" {
		t.Fatalf("ban again: %d %+v, want 200 with the new reason", code, added)
	}
	if code := call(t, "POST", f.url+"/api/bans", map[string]string{"prefix": "2001:db8::7"}, nil); code != 201 {
		t.Fatalf("ban an IPv6 address: %d", code)
	}
	for _, bad := range []any{
		map[string]string{"prefix": "example.org"},
		map[string]string{"prefix": ""},
		map[string]string{"prefix": "10.0.0.0/8", "color": "red"},
		map[string]string{"prefix": "127.0.0.0/8"}, // the admin's own address
		map[string]string{"prefix": "::ffff:127.0.0.1"},
	} {
		var e map[string]string
		if code := call(t, "POST", f.url+"/api/bans", bad, &e); code != 400 || e["error"] == "" {
			t.Errorf("POST /api/bans %v: %d %v, want 400 with an error", bad, code, e)
		}
	}
	var list []bans.Ban
	if code := call(t, "GET", f.url+"/api/bans", nil, &list); code != 200 || len(list) != 2 ||
		list[0].Prefix != "203.0.113.0/24" || list[1].Prefix != "2001:db8::7/128" {
		t.Fatalf("GET /api/bans: %d %+v", code, list)
	}
	if code := call(t, "DELETE", f.url+"/api/bans/203.0.113.0%2F24", nil, nil); code != 200 {
		t.Fatalf("DELETE escaped prefix: %d", code)
	}
	if code := call(t, "DELETE", f.url+"/api/bans/203.0.113.0%2F24", nil, nil); code != 404 {
		t.Fatalf("DELETE a lifted ban: %d, want 404", code)
	}
	if code := call(t, "DELETE", f.url+"/api/bans/2001:db8::7", nil, nil); code != 200 {
		t.Fatalf("DELETE by bare address: %d", code)
	}
	if code := call(t, "GET", f.url+"/api/bans", nil, &list); code != 200 || len(list) != 0 {
		t.Fatalf("after the deletes: %+v", list)
	}
}

func TestListenerHistoryAPI(t *testing.T) {
	f := startAPI(t)
	ctx := context.Background()
	now := time.Now()
	for i, n := range []int{3, 12, 5} {
		f.rec.Counts = func() []audience.Count { return []audience.Count{{Mount: "/relay", Listeners: n}} }
		if err := f.rec.Record(ctx, now.Add(time.Duration(i-3)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	// Older than the window asked for: not shown, not the peak.
	f.rec.Counts = func() []audience.Count { return []audience.Count{{Mount: "/relay", Listeners: 99}} }
	f.rec.Record(ctx, now.Add(-2*time.Hour))

	var h struct {
		Mount   string `json:"mount"`
		Peak    int    `json:"peak"`
		Samples []struct {
			At        time.Time `json:"at"`
			Listeners int       `json:"listeners"`
		} `json:"samples"`
	}
	if code := call(t, "GET", f.url+"/api/listeners/history?mount=/relay&hours=1", nil, &h); code != 200 {
		t.Fatalf("history: %d", code)
	}
	// /relay's live peak of 9 dates from two days ago: the samples' 12 it is.
	if h.Mount != "/relay" || h.Peak != 12 || len(h.Samples) != 3 || h.Samples[1].Listeners != 12 || !h.Samples[0].At.Before(h.Samples[2].At) {
		t.Fatalf("history of /relay: %+v", h)
	}
	if code := call(t, "GET", f.url+"/api/listeners/history?mount=/relay", nil, &h); code != 200 || h.Peak != 99 || len(h.Samples) != 4 {
		t.Fatalf("24 hours of /relay: %d %+v", code, h)
	}
	// /stream has no samples yet, but its live peak is from this hour.
	var raw map[string]json.RawMessage
	if code := call(t, "GET", f.url+"/api/listeners/history?mount=/stream&hours=24", nil, &raw); code != 200 ||
		string(raw["peak"]) != "40" || string(raw["samples"]) != "[]" {
		t.Fatalf("history of /stream: %d %s %s", code, raw["peak"], raw["samples"])
	}
	for _, q := range []string{"mount=/relay&hours=0", "mount=/relay&hours=26", "mount=/relay&hours=x"} {
		if code := call(t, "GET", f.url+"/api/listeners/history?"+q, nil, nil); code != 400 {
			t.Errorf("history?%s: %d, want 400", q, code)
		}
	}
	for _, q := range []string{"mount=/live", "mount=/nothing"} {
		if code := call(t, "GET", f.url+"/api/listeners/history?"+q, nil, nil); code != 404 {
			t.Errorf("history?%s: %d, want 404", q, code)
		}
	}
}
