package broadcast

import (
	"errors"
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
	DoorRelay               // /admin/streamlist.txt and relay pulls: Icecast slaves
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
	case DoorRelay:
		return "relay"
	}
	return "door" + strconv.Itoa(int(d))
}

// The reasons a login is refused for, as the log and /metrics name them.
// An Authenticator's refusal names its reason with a Reason method; one
// that names none, or one not listed here, is ReasonError.
const (
	ReasonWrongPassword = "wrong_password" // a known user, or the shared source password, mistyped
	ReasonUnknownUser   = "unknown_user"
	ReasonNotAdmin      = "not_admin" // right credentials of an account that is no admin
	ReasonError         = "error"     // the check itself failed (the store, say)
	numReasons          = 4
)

// reasons are the Reason constants in the order Stats counts them.
var reasons = [numReasons]string{ReasonWrongPassword, ReasonUnknownUser, ReasonNotAdmin, ReasonError}

// reasonOf names why err refused a login.
func reasonOf(err error) string {
	var r interface{ Reason() string }
	if errors.As(err, &r) {
		for _, known := range reasons {
			if r.Reason() == known {
				return known
			}
		}
	}
	if errors.Is(err, errProbe) {
		return ReasonWrongPassword
	}
	return ReasonError
}

// eitherOK runs checks in turn until one accepts. Refused by all, it
// answers the first refusal: the check a door is mainly for says why.
func eitherOK(checks ...func() error) error {
	var first error
	for _, check := range checks {
		err := check()
		if err == nil {
			return nil
		}
		if first == nil {
			first = err
		}
	}
	return first
}

// LoginRefused counts a login refused at door d for /metrics: throttled
// ones unchecked, the others for wrong credentials. The server counts its
// own doors; the console's API reports through it.
func (s *Server) LoginRefused(d Door, throttled bool) {
	if d < 0 || d >= numDoors {
		return
	}
	if throttled {
		s.stats.LoginsThrottled[d].Add(1)
	} else {
		s.stats.LoginsFailed[d].Add(1)
	}
}

// loginRefusedFor counts a checked login refused at door d, by reason.
func (s *Server) loginRefusedFor(d Door, reason string) {
	s.LoginRefused(d, false)
	for i, r := range reasons {
		if r == reason {
			s.stats.LoginRefusals[d][i].Add(1)
		}
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
// remain); reason says why a checked login was refused. Callers log
// failures, never throttled attempts: those come as fast as a guesser
// sends them.
func (s *Server) checkLogin(door Door, client netip.Addr, check func() error) (res loginResult, wait time.Duration, reason string) {
	if s.opts.Throttle == nil {
		err := check()
		if err == nil {
			return loginOK, 0, ""
		}
		reason = reasonOf(err)
		s.loginRefusedFor(door, reason)
		return loginWrong, 0, reason
	}
	if wait := s.opts.Throttle.Begin(client); wait > 0 {
		s.LoginRefused(door, true)
		return loginThrottled, wait, ""
	}
	ok := false
	defer func() {
		// Deferred, so that a check that panics still ends its attempt.
		wait = s.opts.Throttle.End(client, !ok)
	}()
	err := check()
	if ok = err == nil; !ok {
		reason = reasonOf(err)
		s.loginRefusedFor(door, reason)
		return loginWrong, 0, reason
	}
	return loginOK, 0, ""
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
