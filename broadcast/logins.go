package broadcast

import (
	"net/http"
	"net/netip"
	"strconv"
	"time"
)

// LoginThrottle holds back client addresses that keep failing to log in;
// *accounts.Throttle is one. Share one instance among every door that
// takes a password, so that an address gets its free tries only once.
type LoginThrottle interface {
	// Begin asks to check a password from addr: a wait above zero refuses
	// it unchecked; otherwise End must follow the check.
	Begin(addr netip.Addr) (wait time.Duration)
	// End reports the check Begin let through, and returns how long addr
	// must now wait.
	End(addr netip.Addr, failed bool) (wait time.Duration)
}

// Door is a way in that takes a password, as /metrics counts logins.
type Door int

// The doors.
const (
	DoorSource  Door = iota // source clients: Icecast PUT/SOURCE, SHOUTcast v1, Icecast 1
	DoorAdmin               // Icecast's /admin/*, /metrics, SHOUTcast's admin.cgi
	DoorConsole             // the console and /api, which report through LoginRefused
	numDoors
)

func (d Door) String() string {
	switch d {
	case DoorSource:
		return "source"
	case DoorAdmin:
		return "admin"
	case DoorConsole:
		return "console"
	}
	return "door" + strconv.Itoa(int(d))
}

// LoginRefused counts a login refused at door d for /metrics: throttled
// ones unchecked, the others for wrong credentials. The server counts its
// own doors; the console's API reports through it.
func (s *Server) LoginRefused(d Door, throttled bool) {
	if d < 0 || d >= numDoors {
		return
	}
	s.init()
	if throttled {
		s.stats.LoginsThrottled[d].Add(1)
	} else {
		s.stats.LoginsFailed[d].Add(1)
	}
}

// loginResult is how a login attempt ended.
type loginResult int

const (
	loginOK        loginResult = iota
	loginWrong                 // checked and refused
	loginThrottled             // refused unchecked: the address failed too often
)

// checkLogin runs check, the credentials check of a login at door from
// client, unless the throttle holds client back, and counts refusals.
// wait is how long the client must wait: the time left when throttled,
// or after a wrong password the wait it starts (zero while free tries
// remain). Callers log failures, never throttled attempts: those come as
// fast as a guesser sends them.
func (s *Server) checkLogin(door Door, client netip.Addr, check func() bool) (res loginResult, wait time.Duration) {
	if s.Throttle == nil {
		if check() {
			return loginOK, 0
		}
		s.LoginRefused(door, false)
		return loginWrong, 0
	}
	if wait := s.Throttle.Begin(client); wait > 0 {
		s.LoginRefused(door, true)
		return loginThrottled, wait
	}
	ok := false
	defer func() {
		// Deferred, so that a check that panics still ends its attempt.
		wait = s.Throttle.End(client, !ok)
	}()
	ok = check()
	if !ok {
		s.LoginRefused(door, false)
		return loginWrong, 0
	}
	return loginOK, 0
}

// retryAfter is a wait in whole seconds, rounded up: Retry-After's unit.
func retryAfter(wait time.Duration) int {
	return max(1, int((wait+time.Second-1)/time.Second))
}

// refuseThrottled answers a login refused unchecked with 429 and when to
// try again.
func refuseThrottled(w http.ResponseWriter, wait time.Duration) {
	secs := strconv.Itoa(retryAfter(wait))
	w.Header().Set("Retry-After", secs)
	w.Header().Set("Connection", "close")
	http.Error(w, "too many failed logins from your address: try again in "+secs+" s", http.StatusTooManyRequests)
}
