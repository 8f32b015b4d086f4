package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"onair/internal/testenv"
)

// apiAs is who a request of the end-to-end account tests comes from: a
// session (cookie and CSRF token), HTTP Basic, or nobody.
type apiAs struct {
	cookie     *http.Cookie
	csrf       string // sent as X-CSRF-Token when set
	user, pass string // HTTP Basic when user is set
	from       string // the loopback address to send from ("" = the system's choice)
}

// call sends body as JSON and decodes the answer into v (when not nil;
// a *string takes it as text).
func (as apiAs) call(t *testing.T, method, url string, body, v any) *http.Response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	if as.cookie != nil {
		req.AddCookie(as.cookie)
	}
	if as.csrf != "" {
		req.Header.Set("X-CSRF-Token", as.csrf)
	}
	if as.user != "" {
		req.SetBasicAuth(as.user, as.pass)
	}
	cl := &http.Client{Timeout: 10 * time.Second}
	if as.from != "" {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(as.from)}, Timeout: 5 * time.Second}
		tr := &http.Transport{DialContext: d.DialContext}
		defer tr.CloseIdleConnections()
		cl.Transport = tr
	}
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if text, ok := v.(*string); ok {
		*text = string(b)
	} else if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s %s: %d %v in %q", method, url, resp.StatusCode, err, b)
		}
	}
	return resp
}

type sessionAnswer struct {
	Username, Role, CSRF, Error string
}

// loginAs logs in through POST /api/login and returns the session.
func loginAs(t *testing.T, base, user, pass string) (apiAs, *http.Response) {
	t.Helper()
	var s sessionAnswer
	resp := apiAs{}.call(t, "POST", base+"/api/login", map[string]string{"username": user, "password": pass}, &s)
	if resp.StatusCode != 200 {
		t.Fatalf("login %s: %d %+v", user, resp.StatusCode, s)
	}
	for _, c := range resp.Cookies() {
		if c.Name == "onair_session" {
			return apiAs{cookie: c, csrf: s.CSRF}, resp
		}
	}
	t.Fatalf("login %s: no onair_session cookie in %v", user, resp.Header["Set-Cookie"])
	return apiAs{}, nil
}

// sourceStatus connects as an Icecast source with PUT and returns the
// first line of the answer ("HTTP/1.0 200 OK" when accepted), then
// hangs up.
func sourceStatus(t *testing.T, base, mount, user, pass string) string {
	t.Helper()
	return sourceStatusFrom(t, "", base, mount, user, pass)
}

// sourceStatusFrom is sourceStatus from the loopback address local ("" =
// the system's choice).
func sourceStatusFrom(t *testing.T, local, base, mount, user, pass string) string {
	t.Helper()
	u, _ := url.Parse(base)
	d := net.Dialer{Timeout: 5 * time.Second}
	if local != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(local)}
	}
	c, err := d.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	fmt.Fprintf(c, "PUT %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Basic %s\r\nContent-Type: audio/mpeg\r\nIce-Name: DJ test\r\n\r\n", mount, u.Host, auth)
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatalf("PUT %s as %s: %v", mount, user, err)
	}
	return strings.TrimSpace(line)
}

// shoutcastReply logs in on the SHOUTcast v1 port with secret and returns
// the server's first line.
func shoutcastReply(t *testing.T, base, secret string) string {
	t.Helper()
	u, _ := url.Parse(base)
	port, _ := strconv.Atoi(u.Port())
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port+1), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, secret+"\r\n")
	line, _ := bufio.NewReader(c).ReadString('\n')
	return strings.TrimSpace(line)
}

// TestAccountsOnTheBinary: the console's login, CSRF protection, DJ
// accounts with their limits, DJ accounts as source logins, and the
// throttle on wrong passwords, on the real server.
func TestAccountsOnTheBinary(t *testing.T) {
	music := t.TempDir() // no music: the station plays silence, the mixer works all the same
	yaml := fmt.Sprintf("stations:\n  - id: main\n    mount: /stream\n    live_mount: /live\n    media_dirs: [%q]\nmounts:\n  - path: /relay\n", music)
	base := runBinary(t, yaml)

	// Anonymous: refused, except the public routes.
	resp := apiAs{}.call(t, "GET", base+"/api/stations", nil, nil)
	if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("anonymous /api/stations: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	if resp := (apiAs{}).call(t, "GET", base+"/api/nowplaying", nil, nil); resp.StatusCode != 200 {
		t.Errorf("anonymous /api/nowplaying: %d", resp.StatusCode)
	}

	// The configured admin logs in; the cookie is out of scripts' reach
	// and not sent by other sites' requests.
	admin, resp := loginAs(t, base, "admin", "adm1n")
	setCookie := strings.Join(resp.Header["Set-Cookie"], "; ")
	if !strings.Contains(setCookie, "HttpOnly") || !strings.Contains(setCookie, "SameSite=Lax") || strings.Contains(setCookie, "Secure") {
		t.Errorf("session cookie over plain HTTP: %s", setCookie)
	}
	var me sessionAnswer
	if resp := admin.call(t, "GET", base+"/api/session", nil, &me); resp.StatusCode != 200 || me.Username != "admin" || me.Role != "admin" || me.CSRF != admin.csrf {
		t.Errorf("session: %d %+v", resp.StatusCode, me)
	}

	// Push to Talk with the cookie: the CSRF token is required.
	var m struct {
		PTT     bool    `json:"ptt"`
		BGLevel float64 `json:"bg_level"`
		Error   string
	}
	noToken := apiAs{cookie: admin.cookie}
	if resp := noToken.call(t, "POST", base+"/api/stations/main/mixer/ptt", map[string]bool{"on": true}, &m); resp.StatusCode != 403 || m.Error != "CSRF check failed" {
		t.Errorf("PTT without the CSRF token: %d %+v", resp.StatusCode, m)
	}
	if resp := admin.call(t, "POST", base+"/api/stations/main/mixer/ptt", map[string]bool{"on": true}, &m); resp.StatusCode != 200 || !m.PTT {
		t.Errorf("PTT with the token: %d %+v", resp.StatusCode, m)
	}
	admin.call(t, "POST", base+"/api/stations/main/mixer/ptt", map[string]bool{"on": false}, &m)

	// The admin makes a DJ account.
	var acc struct {
		ID             int64
		Username, Role string
		Error          string
	}
	if resp := admin.call(t, "POST", base+"/api/accounts", map[string]string{"username": "dj.anna", "password": "anna-pass-1", "role": "dj"}, &acc); resp.StatusCode != 201 || acc.Role != "dj" {
		t.Fatalf("create DJ: %d %+v", resp.StatusCode, acc)
	}

	// The DJ runs the mixer, but not the accounts or Icecast's admin.
	dj, _ := loginAs(t, base, "dj.anna", "anna-pass-1")
	if resp := dj.call(t, "PATCH", base+"/api/stations/main/mixer", map[string]any{"bg_level": 0.25}, &m); resp.StatusCode != 200 || m.BGLevel != 0.25 {
		t.Errorf("DJ PATCH mixer: %d %+v", resp.StatusCode, m)
	}
	var e struct{ Error string }
	if resp := dj.call(t, "POST", base+"/api/accounts", map[string]string{"username": "mallory", "password": "password1"}, &e); resp.StatusCode != 403 || e.Error != "admins only" {
		t.Errorf("DJ POST /api/accounts: %d %+v", resp.StatusCode, e)
	}
	djBasic := apiAs{user: "dj.anna", pass: "anna-pass-1"}
	if resp := djBasic.call(t, "POST", base+"/api/stations/main/mixer/ptt", map[string]bool{"on": false}, nil); resp.StatusCode != 200 {
		t.Errorf("DJ over HTTP Basic, PTT: %d", resp.StatusCode)
	}
	if resp := djBasic.call(t, "GET", base+"/admin/stats", nil, nil); resp.StatusCode != 401 {
		t.Errorf("DJ on /admin/stats: %d", resp.StatusCode)
	}
	if resp := (apiAs{user: "admin", pass: "adm1n"}).call(t, "GET", base+"/admin/stats", nil, nil); resp.StatusCode != 200 {
		t.Errorf("admin on /admin/stats: %d", resp.StatusCode)
	}

	// The DJ account is a source login: Icecast PUT on a passthrough
	// mount, and SHOUTcast v1's "dj:password" on the live mount.
	if got := sourceStatus(t, base, "/relay", "dj.anna", "wrong-pass"); !strings.Contains(got, " 401 ") {
		t.Errorf("source with a wrong DJ password: %q", got)
	}
	if got := sourceStatus(t, base, "/relay", "dj.anna", "anna-pass-1"); got != "HTTP/1.0 200 OK" {
		t.Errorf("source as the DJ: %q", got)
	}
	if got := shoutcastReply(t, base, "dj.anna:anna-pass-1"); got != "OK2" {
		t.Errorf("SHOUTcast v1 as dj:password: %q", got)
	}
	if got := shoutcastReply(t, base, "dj.anna:wrong-pass"); got == "OK2" {
		t.Errorf("SHOUTcast v1 with a wrong DJ password: %q", got)
	}

	// Logout ends the session.
	if resp := admin.call(t, "POST", base+"/api/logout", nil, nil); resp.StatusCode != 200 {
		t.Errorf("logout: %d", resp.StatusCode)
	}
	if resp := admin.call(t, "GET", base+"/api/session", nil, nil); resp.StatusCode != 401 {
		t.Errorf("session after logout: %d", resp.StatusCode)
	}
	// Deleting the DJ ends their session and their source login at once.
	adminBasic := apiAs{user: "admin", pass: "adm1n"}
	if resp := adminBasic.call(t, "DELETE", fmt.Sprintf("%s/api/accounts/%d", base, acc.ID), nil, nil); resp.StatusCode != 200 {
		t.Fatalf("delete DJ: %d", resp.StatusCode)
	}
	if resp := dj.call(t, "GET", base+"/api/stations", nil, nil); resp.StatusCode != 401 {
		t.Errorf("deleted DJ's session: %d", resp.StatusCode)
	}
	if got := sourceStatus(t, base, "/relay", "dj.anna", "anna-pass-1"); !strings.Contains(got, " 401 ") {
		t.Errorf("source as a deleted DJ: %q", got)
	}

	// Wrong passwords, from an address of their own: five are answered,
	// at the console and the source and admin doors together; then that
	// address is held back everywhere, the right password included, while
	// the admin logs in from another address at once.
	const guesser, owner = "127.0.0.3", "127.0.0.4"
	for i := range 2 {
		var s sessionAnswer
		resp := apiAs{from: guesser}.call(t, "POST", base+"/api/login", map[string]string{"username": "admin", "password": fmt.Sprintf("guess%d", i)}, &s)
		if resp.StatusCode != 401 || s.Error != "wrong username or password" {
			t.Fatalf("wrong password %d: %d %+v", i+1, resp.StatusCode, s)
		}
	}
	for i := range 2 {
		if got := sourceStatusFrom(t, guesser, base, "/relay", "source", fmt.Sprintf("guess%d", i)); !strings.Contains(got, " 401 ") {
			t.Fatalf("wrong source password %d: %q", i+1, got)
		}
	}
	if resp := (apiAs{from: guesser, user: "admin", pass: "guess"}).call(t, "GET", base+"/admin/stats", nil, nil); resp.StatusCode != 401 {
		t.Fatalf("wrong password on /admin/stats: %d", resp.StatusCode)
	}
	resp = apiAs{from: guesser}.call(t, "POST", base+"/api/login", map[string]string{"username": "admin", "password": "adm1n"}, nil)
	if secs, _ := strconv.Atoi(resp.Header.Get("Retry-After")); resp.StatusCode != 429 || secs < 1 {
		t.Errorf("the right password after five failures: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if got := sourceStatusFrom(t, guesser, base, "/relay", "source", "s0urce"); !strings.Contains(got, " 429 ") {
		t.Errorf("a source from the guesser's address: %q, want 429", got)
	}
	if resp := (apiAs{from: owner}).call(t, "POST", base+"/api/login", map[string]string{"username": "admin", "password": "adm1n"}, nil); resp.StatusCode != 200 {
		t.Errorf("the admin from another address: %d", resp.StatusCode)
	}
	// Counted by door in /metrics, and in the access log with the user
	// tried.
	var metrics string
	if resp := (apiAs{from: owner, user: "admin", pass: "adm1n"}).call(t, "GET", base+"/metrics", nil, &metrics); resp.StatusCode != 200 {
		t.Fatalf("metrics: %d", resp.StatusCode)
	}
	for _, want := range []string{
		`onair_logins_failed_total{door="console"} 2`,
		`onair_logins_throttled_total{door="console"} 1`,
		`onair_logins_throttled_total{door="source"} 1`,
	} {
		if !strings.Contains(metrics, want+"\n") {
			t.Errorf("metrics lack %s", want)
		}
	}
	// This test's own failures from the default address count too.
	for _, door := range []string{"source", "admin"} {
		if !strings.Contains(metrics, `onair_logins_failed_total{door="`+door+`"}`) {
			t.Errorf("metrics lack onair_logins_failed_total{door=%q}", door)
		}
	}
	wantLines := map[string]bool{
		`"POST /api/login HTTP/1.1" 401`: false, // user admin, tried at the console
		`"POST /api/login HTTP/1.1" 429`: false,
		`"PUT /relay HTTP/1.1" 401`:      false, // user source
		`"PUT /relay HTTP/1.1" 429`:      false,
	}
	testenv.Poll(20*time.Second, func() bool {
		var lines []apiAccessLine
		getJSON(t, "GET", base+"/api/logs?kind=access&limit=1000", &lines)
		for _, l := range lines {
			for want := range wantLines {
				if strings.HasPrefix(l.Line, guesser+" - ") && strings.Contains(l.Line, want) {
					wantLines[want] = strings.HasPrefix(l.Line, guesser+" - admin [") || strings.HasPrefix(l.Line, guesser+" - source [")
				}
			}
		}
		return !slices.Contains(slices.Collect(maps.Values(wantLines)), false)
	})
	for want, found := range wantLines {
		if !found {
			t.Errorf("no access line from %s with its user and %s", guesser, want)
		}
	}
}

// TestFirstAdminGeneratedThenMigrated: with no admin password configured,
// the generated one printed at first start logs in; a data folder from
// before accounts (the credentials file holds only its hash) still takes
// it, and the first login turns it into the admin account.
func TestFirstAdminGeneratedThenMigrated(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	music := t.TempDir()
	yaml := fmt.Sprintf("data_dir: %q\nstations:\n  - id: main\n    mount: /stream\n    media_dirs: [%q]\n", data, music)

	base, banner, stop := startWithBanner(t, bin, dir, yaml)
	pw := ""
	for _, l := range strings.Split(banner, "\n") {
		if i := strings.Index(l, "(generated, shown only now): "); i >= 0 && strings.Contains(l, "Admin password") {
			pw = strings.TrimSpace(l[i+len("(generated, shown only now): "):])
		}
	}
	if pw == "" {
		t.Fatalf("no generated admin password in the banner:\n%s", banner)
	}
	if resp := (apiAs{user: "admin", pass: pw}).call(t, "GET", base+"/api/stations", nil, nil); resp.StatusCode != 200 {
		t.Fatalf("generated admin password: %d", resp.StatusCode)
	}
	stop()

	// An older data folder: the credentials file, no accounts yet.
	os.Remove(filepath.Join(data, "onair.db"))
	os.Remove(filepath.Join(data, "onair.db-wal"))
	os.Remove(filepath.Join(data, "onair.db-shm"))
	base, banner, _ = startWithBanner(t, bin, dir, yaml)
	if strings.Contains(banner, pw) {
		t.Fatal("the admin password was shown again")
	}
	// Before the first login there are no accounts; the old password logs
	// in and becomes the admin account.
	s, _ := loginAs(t, base, "admin", pw)
	var list []struct {
		ID             int64
		Username, Role string
	}
	if resp := s.call(t, "GET", base+"/api/accounts", nil, &list); resp.StatusCode != 200 || len(list) != 1 || list[0].Username != "admin" || list[0].Role != "admin" {
		t.Fatalf("accounts after the first login: %d %+v", resp.StatusCode, list)
	}
	// From now on the account decides: a new password replaces the old.
	if resp := s.call(t, "PATCH", fmt.Sprintf("%s/api/accounts/%d", base, list[0].ID), map[string]string{"password": "brand-new-pw"}, nil); resp.StatusCode != 200 {
		t.Fatalf("change the admin password: %d", resp.StatusCode)
	}
	if resp := (apiAs{user: "admin", pass: pw}).call(t, "GET", base+"/api/stations", nil, nil); resp.StatusCode != 401 {
		t.Errorf("the old generated password after a change: %d", resp.StatusCode)
	}
	if resp := (apiAs{user: "admin", pass: "brand-new-pw"}).call(t, "GET", base+"/api/stations", nil, nil); resp.StatusCode != 200 {
		t.Errorf("the new password: %d", resp.StatusCode)
	}
}

// startWithBanner runs onair with no passwords configured and returns its
// base URL, its banner, and a function that stops it.
func startWithBanner(t *testing.T, bin, dir, yaml string) (string, string, func()) {
	t.Helper()
	httpPort, _ := testenv.AdjacentPorts(t)
	cfg := filepath.Join(dir, "onair.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("listen: \"127.0.0.1:%d\"\n", httpPort)+yaml), 0o600)
	cmd := exec.Command(bin, "-config", cfg)
	cmd.Env = append(os.Environ(), "ONAIR_SOURCE_PASSWORD=", "ONAIR_ADMIN_PASSWORD=")
	// The banner goes to a file, which onair writes itself: once its log
	// says it is on air, the whole banner is there to read. (Through a
	// pipe, the copy of stdout could lag behind the log's.)
	stdout, err := os.CreateTemp(t.TempDir(), "banner")
	if err != nil {
		t.Fatal(err)
	}
	defer stdout.Close()
	var stderr lockedBuffer
	cmd.Stdout, cmd.Stderr = stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cmd.Process.Kill()
			cmd.Wait()
		}
	}
	t.Cleanup(stop)
	// The server's own "on air" comes right after the banner, once it
	// serves; the stations log theirs ("station on air") before that.
	if testenv.Poll(30*time.Second, func() bool { return strings.Contains(stderr.String(), `msg="on air"`) }) {
		banner, err := os.ReadFile(stdout.Name())
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("http://127.0.0.1:%d", httpPort), string(banner), stop
	}
	t.Fatalf("onair did not start within 30 s:\n%s", stderr.String())
	return "", "", nil
}

// lockedBuffer is a bytes.Buffer that a process writes while a test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
