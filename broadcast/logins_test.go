package broadcast

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"onair/accounts"
	"onair/internal/testenv"
)

// countingAuth is testAuth noting every password it is asked about.
type countingAuth struct {
	mu    sync.Mutex
	asked map[string]int
}

func (a *countingAuth) note(pass string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.asked == nil {
		a.asked = map[string]int{}
	}
	a.asked[pass]++
}

func (a *countingAuth) SourceOK(ctx context.Context, mount, user, pass string) error {
	a.note(pass)
	return testAuth{}.SourceOK(ctx, mount, user, pass)
}

func (a *countingAuth) AdminOK(ctx context.Context, user, pass string) error {
	a.note(pass)
	return testAuth{}.AdminOK(ctx, user, pass)
}

// guessesChecked is how many of the passwords named guess-… reached the
// check (some doors check one password twice: source, then admin).
func (a *countingAuth) guessesChecked() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for p := range a.asked {
		if strings.HasPrefix(p, "guess-") {
			n++
		}
	}
	return n
}

func (a *countingAuth) times(pass string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.asked[pass]
}

// warnCounter is a slog handler counting Warn records.
// warnCounter counts the warnings of failed logins, and keeps the text
// of any other warning, which the test shows when it fails (an accept
// that failed on a loaded machine is not a login's).
type warnCounter struct {
	n      atomic.Int64
	mu     sync.Mutex
	others []string
}

func (h *warnCounter) Enabled(context.Context, slog.Level) bool { return true }
func (h *warnCounter) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *warnCounter) WithGroup(string) slog.Handler            { return h }
func (h *warnCounter) Handle(_ context.Context, r slog.Record) error {
	switch {
	case r.Level != slog.LevelWarn:
	case strings.Contains(r.Message, "login failed"), strings.Contains(r.Message, "bad password"):
		h.n.Add(1)
	default:
		h.mu.Lock()
		h.others = append(h.others, r.Message)
		h.mu.Unlock()
	}
	return nil
}

func (h *warnCounter) otherWarnings() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.others)
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

// throttleEnv is a server under a login throttle whose clock the test
// moves, with its checks, access log and warnings recorded.
type throttleEnv struct {
	*testServer
	auth  *countingAuth
	clock *fakeClock
	log   *accessRecorder
	warns *warnCounter
}

func startThrottled(t *testing.T, tweaks ...func(*Options)) *throttleEnv {
	t.Helper()
	env := &throttleEnv{
		auth:  &countingAuth{},
		clock: &fakeClock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)},
		log:   &accessRecorder{},
		warns: &warnCounter{},
	}
	th := accounts.NewThrottle()
	th.Now = env.clock.Now
	env.testServer = startServerWith(t, func(s *Options) {
		s.Auth = env.auth
		s.Throttle = th
		s.AccessLog = env.log
		s.Logger = slog.New(env.warns)
		for _, tw := range tweaks {
			tw(s)
		}
	})
	return env
}

// dialFrom connects to addr from local, one of the loopback addresses, so
// that a test can be clients at several addresses.
func dialFrom(t *testing.T, local, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 2 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s from %s: %v", addr, local, err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return c
}

// outcome is what a client saw of its login.
type outcome string

const (
	admitted outcome = "admitted"
	refused  outcome = "refused"   // checked and wrong
	heldBack outcome = "held back" // 429, or the connection closed unanswered
)

// httpLogin sends req from local and reads the answer's status.
func httpLogin(t *testing.T, local, addr, req string) outcome {
	t.Helper()
	c := dialFrom(t, local, addr)
	defer c.Close()
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	line, err := br.ReadString('\n')
	if err != nil {
		t.Fatalf("%q: %v", req, err)
	}
	hdr := skipHeaders(t, br)
	f := strings.Fields(line)
	if len(f) < 2 {
		t.Fatalf("%q answered %q", req, line)
	}
	switch f[1] {
	case "200":
		return admitted
	case "401":
		return refused
	case "429":
		if secs, err := strconv.Atoi(hdr["retry-after"]); err != nil || secs < 1 {
			t.Errorf("429 with Retry-After %q", hdr["retry-after"])
		}
		return heldBack
	}
	t.Fatalf("%q answered %q", req, line)
	return ""
}

// rawLogin sends a login that is not HTTP (a SHOUTcast v1 password, an
// Icecast 1 request) from local and reads the first line of the answer.
func rawLogin(t *testing.T, local, addr, login string) outcome {
	t.Helper()
	c := dialFrom(t, local, addr)
	defer c.Close()
	if _, err := io.WriteString(c, login); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	switch {
	case strings.HasPrefix(line, "OK"):
		io.WriteString(c, "\r\n") // the end of SHOUTcast's headers: a source that leaves cleanly
		return admitted
	case line == "invalid password\r\n" || line == "ERROR - Bad Password\r\n":
		return refused
	case line == "" && err != nil && !errors.Is(err, os.ErrDeadlineExceeded):
		return heldBack // closed, with nothing said
	}
	t.Fatalf("%q answered %q, %v", login, line, err)
	return ""
}

// loginDoor is one way to log in with a password, as a client sees it.
type loginDoor struct {
	name  string
	door  Door
	right string // the right password
	user  string // the user name the access log should show
	try   func(t *testing.T, env *throttleEnv, local, pass string) outcome
}

func loginDoors() []loginDoor {
	basicGET := func(target, user string) func(*testing.T, *throttleEnv, string, string) outcome {
		return func(t *testing.T, env *throttleEnv, local, pass string) outcome {
			return httpLogin(t, local, env.http, "GET "+target+" HTTP/1.0\r\nAuthorization: Basic "+basic(user, pass)+"\r\n\r\n")
		}
	}
	return []loginDoor{
		{"icecast PUT", DoorSource, testSourcePass, "source", func(t *testing.T, env *throttleEnv, local, pass string) outcome {
			return httpLogin(t, local, env.http, "PUT /relay HTTP/1.1\r\nHost: x\r\nAuthorization: Basic "+basic("source", pass)+
				"\r\nContent-Type: audio/mpeg\r\n\r\n")
		}},
		{"shoutcast v1", DoorSource, testSourcePass, "", func(t *testing.T, env *throttleEnv, local, pass string) outcome {
			return rawLogin(t, local, env.shoutcast, pass+"\r\n")
		}},
		{"shoutcast v1 on the HTTP port", DoorSource, testSourcePass, "", func(t *testing.T, env *throttleEnv, local, pass string) outcome {
			return rawLogin(t, local, env.http, pass+"\r\n")
		}},
		{"icecast 1", DoorSource, testSourcePass, "source", func(t *testing.T, env *throttleEnv, local, pass string) outcome {
			return rawLogin(t, local, env.http, "SOURCE "+pass+" /old\r\nuser-agent: darkice\r\n\r\n")
		}},
		{"/admin/stats", DoorAdmin, testAdminPass, "admin", basicGET("/admin/stats", "admin")},
		{"/admin/listclients as the source", DoorAdmin, testSourcePass, "source", basicGET("/admin/listclients?mount=/live", "source")},
		{"/admin/metadata", DoorAdmin, testSourcePass, "source", basicGET("/admin/metadata?mount=/live&mode=updinfo&song=x", "source")},
		{"/metrics", DoorAdmin, testAdminPass, "admin", basicGET("/metrics", "admin")},
		{"admin.cgi", DoorAdmin, testSourcePass, "", func(t *testing.T, env *throttleEnv, local, pass string) outcome {
			return httpLogin(t, local, env.http, "GET /admin.cgi?mode=updinfo&song=x&pass="+url.QueryEscape(pass)+" HTTP/1.0\r\n\r\n")
		}},
	}
}

// TestThousandGuessesPerDoor: at each door that takes a password, a
// thousand wrong passwords from one address, 60 ms apart on the
// throttle's clock (a minute in all): fewer than 20 reach the password
// check, the rest are refused unchecked (429, or a closed connection where
// there is no HTTP), while the right password from another address works
// at once, midway. Each failure is logged once at Warn and no throttled
// attempt is; both are in the access log and /metrics.
func TestThousandGuessesPerDoor(t *testing.T) {
	for _, d := range loginDoors() {
		t.Run(d.name, func(t *testing.T) {
			env := startThrottled(t)
			seen := map[outcome]int{}
			rightChecks := 0
			for i := range 1000 {
				seen[d.try(t, env, "127.0.0.1", fmt.Sprintf("guess-%04d", i))]++
				if i == 500 {
					if got := d.try(t, env, "127.0.0.2", d.right); got != admitted {
						t.Fatalf("the right password from another address, mid-attack: %s", got)
					}
					rightChecks = env.auth.times(d.right)
				}
				env.clock.Add(60 * time.Millisecond)
			}
			checked := env.auth.guessesChecked()
			if checked == 0 || checked >= 20 || seen[refused] != checked || seen[heldBack] != 1000-checked {
				t.Fatalf("1000 guesses: %v, %d checked; want fewer than 20 checked and refused, the rest held back", seen, checked)
			}
			// The right password from the guesser's address is not
			// looked at either.
			if got := d.try(t, env, "127.0.0.1", d.right); got != heldBack || env.auth.times(d.right) != rightChecks {
				t.Errorf("the right password from the guesser: %s, checked %d times more", got, env.auth.times(d.right)-rightChecks)
			}
			throttled := 1001 - checked

			st := env.Counters()
			if f, th := st.LoginsFailed[d.door].Load(), st.LoginsThrottled[d.door].Load(); f != int64(checked) || th != int64(throttled) {
				t.Errorf("counted %d failed and %d throttled logins, want %d and %d", f, th, checked, throttled)
			}
			if n := env.warns.n.Load(); n != int64(checked) {
				t.Errorf("%d warnings of failed logins for %d failures and %d throttled attempts: want one per failure", n, checked, throttled)
			}
			if others := env.warns.otherWarnings(); len(others) > 0 {
				t.Logf("other warnings: %q", others)
			}
			testenv.WaitFor(t, "the access log's entries", func() bool {
				by := env.log.statuses("127.0.0.1", d.user)
				return by[401] == checked && by[429] == throttled
			})
			mfs := scrapeFrom(t, env, "127.0.0.2")
			for name, want := range map[string]int{"onair_logins_failed_total": checked, "onair_logins_throttled_total": throttled} {
				if v, _ := metricValue(mfs, name, "door", d.door.String()); v != float64(want) {
					t.Errorf("%s{door=%q} = %v, want %d", name, d.door, v, want)
				}
			}
		})
	}
}

// statuses counts the entries from ip naming user, by status.
func (a *accessRecorder) statuses(ip, user string) map[int]int {
	a.mu.Lock()
	defer a.mu.Unlock()
	by := map[int]int{}
	for _, e := range a.entries {
		if e.IP == ip && e.User == user {
			by[e.Status]++
		}
	}
	return by
}

// scrapeFrom gets /metrics as the admin from local.
func scrapeFrom(t *testing.T, env *throttleEnv, local string) map[string]*dto.MetricFamily {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 2 * time.Second}
	cl := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
	defer cl.CloseIdleConnections()
	req, _ := http.NewRequest("GET", "http://"+env.http+"/metrics", nil)
	req.SetBasicAuth("admin", testAdminPass)
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape from %s: %d %s", local, resp.StatusCode, body)
	}
	return parseMetrics(t, string(body))
}

// TestLoginThrottleAcrossDoors: failures at one door count at the others,
// so an address gets its free tries once.
func TestLoginThrottleAcrossDoors(t *testing.T) {
	env := startThrottled(t)
	doors := loginDoors()
	for i := range 5 {
		d := doors[i%len(doors)]
		if got := d.try(t, env, "127.0.0.1", fmt.Sprintf("guess-%d", i)); got != refused {
			t.Fatalf("failure %d at %s: %s", i+1, d.name, got)
		}
	}
	for _, d := range doors {
		if got := d.try(t, env, "127.0.0.1", d.right); got != heldBack {
			t.Errorf("the right password at %s after five failures elsewhere: %s", d.name, got)
		}
	}
}

// TestLoginThrottleBelievesOnlyTrustedProxies: behind a trusted proxy
// each client named in X-Forwarded-For is held back on its own; from
// anyone else the header is ignored, so writing a new address into it
// each time does not escape the throttle.
func TestLoginThrottleBelievesOnlyTrustedProxies(t *testing.T) {
	env := startThrottled(t, func(o *Options) { o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")} })
	stats := func(local, forwarded, pass string) outcome {
		return httpLogin(t, local, env.http, "GET /admin/stats HTTP/1.0\r\nX-Forwarded-For: "+forwarded+
			"\r\nAuthorization: Basic "+basic("admin", pass)+"\r\n\r\n")
	}
	for i := range 5 {
		stats("127.0.0.2", "198.51.100.7", fmt.Sprintf("guess-%d", i))
	}
	if got := stats("127.0.0.2", "198.51.100.7", testAdminPass); got != heldBack {
		t.Errorf("the guesser behind the proxy: %s", got)
	}
	if got := stats("127.0.0.2", "198.51.100.8", testAdminPass); got != admitted {
		t.Errorf("another client behind the same proxy: %s", got)
	}
	for i := range 5 {
		stats("127.0.0.1", fmt.Sprintf("203.0.113.%d", i), fmt.Sprintf("guess-%d", i))
	}
	if got := stats("127.0.0.1", "203.0.113.99", testAdminPass); got != heldBack {
		t.Errorf("an untrusted peer naming a new address: %s", got)
	}
}
