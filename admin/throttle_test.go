package admin

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

func TestLoginThrottle(t *testing.T) {
	e := newAuthAPI(t, false)
	login := func(user, pass, client string) *http.Response {
		t.Helper()
		resp, _ := e.call(t, "POST", "/api/login", map[string]string{"username": user, "password": pass}, "X-Test-Client", client)
		return resp
	}
	for i := range 5 {
		if resp := login("dj", fmt.Sprintf("guess-%d", i), "192.0.2.1"); resp.StatusCode != 401 {
			t.Fatalf("failure %d: %d", i+1, resp.StatusCode)
		}
	}
	// The sixth attempt from that address is refused before the password
	// is looked at, even the right one, for any user.
	for _, c := range []struct{ user, pass string }{{"dj", "guess-5"}, {"dj", djPass}, {"boss", bossPass}} {
		resp := login(c.user, c.pass, "192.0.2.1")
		if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" {
			t.Errorf("%+v from the guesser: %d, Retry-After %q", c, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}
	if wrong, throttled := e.refusals(); wrong != 5 || throttled != 3 {
		t.Errorf("refusals counted: %d wrong, %d throttled; want 5 and 3", wrong, throttled)
	}
	// The account under attack is not locked: its owner, from another
	// address, logs in at once, by form and by HTTP Basic.
	if resp := login("dj", djPass, "198.51.100.9"); resp.StatusCode != 200 {
		t.Errorf("the right password from another address: %d", resp.StatusCode)
	}
	if resp, _ := e.call(t, "GET", "/api/stations", nil, "Basic", "dj:"+djPass, "X-Test-Client", "198.51.100.9"); resp.StatusCode != 200 {
		t.Errorf("Basic from another address: %d", resp.StatusCode)
	}
	// HTTP Basic from the guesser is under the same throttle.
	if resp, _ := e.call(t, "GET", "/api/stations", nil, "Basic", "dj:"+djPass, "X-Test-Client", "192.0.2.1"); resp.StatusCode != 429 {
		t.Errorf("Basic from the guesser: %d", resp.StatusCode)
	}
	// After the wait one more failure doubles it.
	e.clock.Add(2 * time.Second)
	if resp := login("dj", "guess-6", "192.0.2.1"); resp.StatusCode != 401 {
		t.Fatalf("after the wait: %d", resp.StatusCode)
	}
	if resp := login("dj", djPass, "192.0.2.1"); resp.Header.Get("Retry-After") != "4" {
		t.Errorf("second wait: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// Once it is over, the right password from the guesser's address is
	// checked again.
	e.clock.Add(4 * time.Second)
	if resp := login("dj", djPass, "192.0.2.1"); resp.StatusCode != 200 {
		t.Errorf("the right password after the wait: %d", resp.StatusCode)
	}
	// Failed Basic requests count like failed logins.
	for i := range 5 {
		resp, _ := e.call(t, "GET", "/api/stations", nil, "Basic", "boss:wrong", "X-Test-Client", "203.0.113.5")
		if resp.StatusCode != 401 {
			t.Fatalf("Basic failure %d: %d", i+1, resp.StatusCode)
		}
	}
	if resp, _ := e.call(t, "GET", "/api/stations", nil, "Basic", "boss:"+bossPass, "X-Test-Client", "203.0.113.5"); resp.StatusCode != 429 {
		t.Errorf("Basic after five failures: %d", resp.StatusCode)
	}
}

// TestLoginThousandGuesses: a thousand passwords from one address in a
// minute of the throttle's clock; fewer than 20 reach the password check,
// while the right password from another address works at once, midway.
func TestLoginThousandGuesses(t *testing.T) {
	for _, user := range []string{"boss", "no-such-user"} {
		t.Run(user, func(t *testing.T) {
			e := newAuthAPI(t, false)
			// For a username nobody has, the store asks Legacy: a count
			// of the checks made, seen from the store's side.
			var legacy atomic.Int64
			e.accts.Legacy = func(string, string) bool { legacy.Add(1); return false }
			statuses := map[int]int{}
			for i := range 1000 {
				resp, _ := e.call(t, "POST", "/api/login", map[string]string{"username": user, "password": fmt.Sprintf("guess-%04d", i)},
					"X-Test-Client", "2001:db8:bad::1")
				statuses[resp.StatusCode]++
				if i == 500 {
					resp, _ := e.call(t, "POST", "/api/login", map[string]string{"username": "boss", "password": bossPass}, "X-Test-Client", "2001:db8:900d::1")
					if resp.StatusCode != 200 {
						t.Errorf("the right password from another address, mid-attack: %d", resp.StatusCode)
					}
				}
				e.clock.Add(60 * time.Millisecond)
			}
			checked := statuses[401]
			if checked >= 20 || checked == 0 || statuses[429] != 1000-checked {
				t.Errorf("answers to 1000 guesses: %v; want fewer than 20 checked (401), the rest 429", statuses)
			}
			if wrong, _ := e.refusals(); wrong != checked {
				t.Errorf("%d wrong logins counted, %d answered 401", wrong, checked)
			}
			if user == "no-such-user" && legacy.Load() != int64(checked) {
				t.Errorf("the store checked %d passwords, %d were answered 401", legacy.Load(), checked)
			}
		})
	}
}
