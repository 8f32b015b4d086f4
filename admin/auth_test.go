package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"onair/accounts"
	"onair/station"
	"onair/store"
)

// Test accounts made by newAuthAPI.
const (
	bossPass = "boss-password"
	djPass   = "dj-password"
)

// authEnv is an API with real accounts behind a loopback test server.
type authEnv struct {
	api   *API
	accts *accounts.Store
	srv   *httptest.Server
	clock *fakeClock // the login throttle's

	mu      sync.Mutex
	refused map[bool]int // logins refused, by throttled or not
}

// newAuthAPI serves an API with no stations and two accounts: "boss"
// (admin) and "dj". X-Test-Client sets a request's client address, so
// that tests can be several clients.
func newAuthAPI(t *testing.T, tlsToo bool) *authEnv {
	t.Helper()
	db, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	accts := accounts.New(db)
	accts.Cost = bcrypt.MinCost
	if _, err := accts.Create(context.Background(), "boss", bossPass, accounts.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if _, err := accts.Create(context.Background(), "dj", djPass, accounts.RoleDJ); err != nil {
		t.Fatal(err)
	}
	e := &authEnv{accts: accts, clock: &fakeClock{t: time.Now()}, refused: map[bool]int{}}
	throttle := accounts.NewThrottle()
	throttle.Now = e.clock.Now
	api := New(station.NewSet(), Deps{Auth: AuthDeps{
		Accounts: accts,
		ClientAddr: func(r *http.Request) netip.Addr {
			if a, err := netip.ParseAddr(r.Header.Get("X-Test-Client")); err == nil {
				return a
			}
			return netip.MustParseAddr("127.0.0.1")
		},
		Throttle: throttle,
		LoginRefused: func(throttled bool) {
			e.mu.Lock()
			e.refused[throttled]++
			e.mu.Unlock()
		},
	}}, nil)
	var srv *httptest.Server
	if tlsToo {
		srv = httptest.NewTLSServer(api)
	} else {
		srv = httptest.NewServer(api)
	}
	t.Cleanup(func() { srv.Close(); api.Close() })
	e.api, e.srv = api, srv
	return e
}

// refusals returns how many logins were refused so far: checked and
// wrong, and throttled unchecked.
func (e *authEnv) refusals() (wrong, throttled int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.refused[false], e.refused[true]
}

// call makes a request; hdr are header name/value pairs, where
// "Cookie" takes the session token and "Basic" takes "user:pass".
func (e *authEnv) call(t *testing.T, method, path string, body any, hdr ...string) (*http.Response, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, rd)
	for i := 0; i+1 < len(hdr); i += 2 {
		switch hdr[i] {
		case "Cookie":
			req.AddCookie(&http.Cookie{Name: sessionCookie, Value: hdr[i+1]})
		case "Basic":
			u, p, _ := strings.Cut(hdr[i+1], ":")
			req.SetBasicAuth(u, p)
		default:
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out) // lists decode as nil maps; tests that need them decode raw themselves
	return resp, out
}

// login logs in and returns the session cookie and the CSRF token.
func (e *authEnv) login(t *testing.T, user, pass string) (*http.Cookie, string) {
	t.Helper()
	resp, body := e.call(t, "POST", "/api/login", map[string]string{"username": user, "password": pass})
	if resp.StatusCode != 200 {
		t.Fatalf("login %s: %d %v", user, resp.StatusCode, body)
	}
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie {
			return c, body["csrf"].(string)
		}
	}
	t.Fatalf("login %s: no session cookie", user)
	return nil, ""
}

func TestLoginSessionLogout(t *testing.T) {
	e := newAuthAPI(t, false)
	resp, body := e.call(t, "POST", "/api/login", map[string]string{"username": "dj", "password": "nope-nope"})
	if resp.StatusCode != 401 || body["error"] != "wrong username or password" || resp.Header.Get("WWW-Authenticate") != "" {
		t.Errorf("wrong password: %d %v %q", resp.StatusCode, body, resp.Header.Get("WWW-Authenticate"))
	}
	if len(resp.Cookies()) != 0 {
		t.Errorf("cookie after a failed login: %v", resp.Cookies())
	}

	resp, body = e.call(t, "POST", "/api/login", map[string]string{"username": "DJ", "password": djPass})
	if resp.StatusCode != 200 || body["username"] != "dj" || body["role"] != "dj" || len(body["csrf"].(string)) < 40 {
		t.Fatalf("login: %d %v", resp.StatusCode, body)
	}
	csrf := body["csrf"].(string)
	var c *http.Cookie
	for _, k := range resp.Cookies() {
		if k.Name == sessionCookie {
			c = k
		}
	}
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure || c.MaxAge != 12*3600 {
		t.Fatalf("session cookie: %+v", c)
	}

	resp, body = e.call(t, "GET", "/api/session", nil, "Cookie", c.Value)
	if resp.StatusCode != 200 || body["username"] != "dj" || body["csrf"] != csrf {
		t.Errorf("session: %d %v", resp.StatusCode, body)
	}
	if resp, _ := e.call(t, "GET", "/api/stations", nil, "Cookie", c.Value); resp.StatusCode != 200 {
		t.Errorf("stations with the cookie: %d", resp.StatusCode)
	}
	// Basic has no session and no CSRF token to show.
	resp, body = e.call(t, "GET", "/api/session", nil, "Basic", "boss:"+bossPass)
	if resp.StatusCode != 200 || body["role"] != "admin" || body["csrf"] != "" {
		t.Errorf("session over Basic: %d %v", resp.StatusCode, body)
	}

	// Logging out changes state: it needs the CSRF token too.
	if resp, _ := e.call(t, "POST", "/api/logout", nil, "Cookie", c.Value); resp.StatusCode != 403 {
		t.Errorf("logout without CSRF token: %d", resp.StatusCode)
	}
	resp, _ = e.call(t, "POST", "/api/logout", nil, "Cookie", c.Value, "X-CSRF-Token", csrf)
	if resp.StatusCode != 200 {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	cleared := false
	for _, k := range resp.Cookies() {
		cleared = cleared || k.Name == sessionCookie && k.MaxAge < 0
	}
	if !cleared {
		t.Errorf("logout did not clear the cookie: %v", resp.Header["Set-Cookie"])
	}
	resp, body = e.call(t, "GET", "/api/session", nil, "Cookie", c.Value)
	if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != "" {
		t.Errorf("session after logout: %d %v, challenge %q", resp.StatusCode, body, resp.Header.Get("WWW-Authenticate"))
	}
}

func TestSecureCookieOverTLS(t *testing.T) {
	e := newAuthAPI(t, true)
	c, _ := e.login(t, "dj", djPass)
	if !c.Secure || !c.HttpOnly {
		t.Errorf("cookie over TLS: %+v", c)
	}
}

func TestAnonymousRefused(t *testing.T) {
	e := newAuthAPI(t, false)
	for _, p := range []string{"/api/stations", "/api/session", "/api/accounts", "/api/playlists", "/api/nosuch"} {
		resp, body := e.call(t, "GET", p, nil)
		if resp.StatusCode != 401 || body["error"] != "authentication required" || resp.Header.Get("WWW-Authenticate") != `Basic realm="OnAir"` {
			t.Errorf("anonymous %s: %d %v %q", p, resp.StatusCode, body, resp.Header.Get("WWW-Authenticate"))
		}
	}
	// A page's script gets no Basic challenge, so no browser dialog.
	resp, _ := e.call(t, "GET", "/api/stations", nil, "Sec-Fetch-Mode", "cors")
	if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != "" {
		t.Errorf("fetch from a page: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	// An unknown cookie is refused without a challenge either.
	resp, body := e.call(t, "GET", "/api/stations", nil, "Cookie", strings.Repeat("A", 43))
	if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != "" || !strings.Contains(body["error"].(string), "log in") {
		t.Errorf("stale cookie: %d %v %q", resp.StatusCode, body, resp.Header.Get("WWW-Authenticate"))
	}
	// Wrong Basic credentials.
	resp, body = e.call(t, "GET", "/api/stations", nil, "Basic", "boss:wrong")
	if resp.StatusCode != 401 || body["error"] != "wrong username or password" {
		t.Errorf("wrong Basic: %d %v", resp.StatusCode, body)
	}
	// Only /api is guarded: other paths (the console's pages) pass.
	if resp, _ := e.call(t, "GET", "/console", nil); resp.StatusCode != 404 {
		t.Errorf("anonymous /console on an API without pages: %d, want the mux's 404", resp.StatusCode)
	}
	// The login itself is public (here: refused for its missing body).
	if resp, _ := e.call(t, "POST", "/api/login", nil); resp.StatusCode != 400 {
		t.Errorf("anonymous POST /api/login: %d", resp.StatusCode)
	}
}

func TestCSRF(t *testing.T) {
	e := newAuthAPI(t, false)
	c, csrf := e.login(t, "boss", bossPass)
	self := e.srv.URL // http://127.0.0.1:port
	n := 0
	newDJ := func() map[string]string {
		n++
		return map[string]string{"username": "dj" + string(rune('a'+n)), "password": "password1"}
	}
	for _, tc := range []struct {
		name string
		hdr  []string
		code int
	}{
		{"no token", []string{"Cookie", c.Value}, 403},
		{"wrong token", []string{"Cookie", c.Value, "X-CSRF-Token", csrf[:len(csrf)-1] + "x"}, 403},
		{"another session's token", []string{"Cookie", c.Value, "X-CSRF-Token", strings.Repeat("A", 43)}, 403},
		{"token, foreign origin", []string{"Cookie", c.Value, "X-CSRF-Token", csrf, "Origin", "https://evil.example"}, 403},
		{"token, null origin", []string{"Cookie", c.Value, "X-CSRF-Token", csrf, "Origin", "null"}, 403},
		{"token, same origin", []string{"Cookie", c.Value, "X-CSRF-Token", csrf, "Origin", self}, 201},
		{"token, no origin", []string{"Cookie", c.Value, "X-CSRF-Token", csrf}, 201},
		{"Basic needs no token", []string{"Basic", "boss:" + bossPass}, 201},
		{"Basic from another site", []string{"Basic", "boss:" + bossPass, "Origin", "https://evil.example"}, 403},
	} {
		resp, body := e.call(t, "POST", "/api/accounts", newDJ(), tc.hdr...)
		if resp.StatusCode != tc.code {
			t.Errorf("%s: %d %v, want %d", tc.name, resp.StatusCode, body, tc.code)
		}
		if tc.code == 403 && body["error"] != "CSRF check failed" {
			t.Errorf("%s: error %v", tc.name, body)
		}
	}
	// Reading needs no token; a WebSocket upgrade (a GET) needs the origin.
	if resp, _ := e.call(t, "GET", "/api/accounts", nil, "Cookie", c.Value); resp.StatusCode != 200 {
		t.Errorf("GET with the cookie: %d", resp.StatusCode)
	}
	ws := []string{"Cookie", c.Value, "Connection", "Upgrade", "Upgrade", "websocket"}
	if resp, _ := e.call(t, "GET", "/api/stations", nil, append(ws, "Origin", "http://evil.example")...); resp.StatusCode != 403 {
		t.Errorf("cross-site WebSocket: %d", resp.StatusCode)
	}
	if resp, _ := e.call(t, "GET", "/api/stations", nil, append(ws, "Origin", self)...); resp.StatusCode != 200 {
		t.Errorf("same-site WebSocket: %d", resp.StatusCode)
	}
	// A cross-site form cannot log the browser in.
	resp, _ := e.call(t, "POST", "/api/login", map[string]string{"username": "dj", "password": djPass}, "Origin", "https://evil.example")
	if resp.StatusCode != 403 || len(resp.Cookies()) != 0 {
		t.Errorf("cross-site login: %d %v", resp.StatusCode, resp.Cookies())
	}
}

func TestSameOrigin(t *testing.T) {
	for _, c := range []struct {
		origin, host string
		ok           bool
	}{
		{"http://radio.example", "radio.example", true},
		{"http://radio.example:80", "radio.example", true},
		{"https://radio.example", "radio.example:443", true},
		{"https://RADIO.example", "radio.example", true},
		{"http://radio.example:8000", "radio.example:8000", true},
		{"http://[::1]:8000", "[::1]:8000", true},
		{"http://radio.example:8001", "radio.example:8000", false},
		{"https://radio.example", "radio.example:80", false},
		{"http://radio.example.evil", "radio.example", false},
		{"null", "radio.example", false},
		{"file://", "radio.example", false},
	} {
		if got := sameOrigin(c.origin, c.host); got != c.ok {
			t.Errorf("sameOrigin(%q, %q) = %v", c.origin, c.host, got)
		}
	}
}

// fakeClock moves only when told.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
