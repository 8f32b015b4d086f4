package admin

import (
	"context"
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"onair/accounts"
)

// AuthDeps are what the API checks requests against.
type AuthDeps struct {
	// Accounts are the admins and DJs and their sessions. Without them
	// every route but the public ones is refused.
	Accounts *accounts.Store
	// ClientAddr names the client of a request, believing trusted
	// proxies; nil uses the connection's peer.
	ClientAddr func(*http.Request) netip.Addr
	// IsHTTPS reports a request that came over TLS, directly or through a
	// trusted proxy; nil looks at r.TLS alone.
	IsHTTPS func(*http.Request) bool
	// Throttle holds back client addresses that keep failing to log in.
	// Share the broadcast server's, so that an address does not get its
	// free tries once per door; nil gives the API one of its own.
	Throttle LoginThrottle
	// LoginRefused, when set, is told of each refused login, for metrics:
	// throttled ones were refused unchecked, the others had a wrong
	// username or password.
	LoginRefused func(throttled bool)
}

// LoginThrottle holds back client addresses that keep failing to log in;
// *accounts.Throttle is one.
type LoginThrottle interface {
	// Begin asks to check a password from addr: a wait above zero refuses
	// it unchecked; otherwise End must follow the check.
	Begin(addr netip.Addr) (wait time.Duration)
	// End reports the check Begin let through, and returns how long addr
	// must now wait.
	End(addr netip.Addr, failed bool) (wait time.Duration)
}

// Identity is who made a request: an account, by HTTP Basic or by a
// session cookie. Handlers find it with IdentityFrom.
type Identity struct {
	AccountID int64
	Username  string
	Role      accounts.Role
	// session is set when the request came with the session cookie.
	session *accounts.Session
}

type identityKey struct{}

// IdentityFrom returns the identity the API put in a request's context.
func IdentityFrom(ctx context.Context) (Identity, bool) {
	id, ok := ctx.Value(identityKey{}).(Identity)
	return id, ok
}

// Messages of the auth layer's refusals.
const (
	msgAuthRequired = "authentication required"
	msgWrongLogin   = "wrong username or password"
	msgCSRF         = "CSRF check failed"
	msgAdminsOnly   = "admins only"
)

func underAPI(p string) bool { return p == "/api" || strings.HasPrefix(p, "/api/") }

// publicRoute reports the routes anyone may call.
func publicRoute(r *http.Request) bool {
	read := r.Method == http.MethodGet || r.Method == http.MethodHead
	switch r.URL.Path {
	case "/api/login":
		return r.Method == http.MethodPost
	case "/api/nowplaying", "/api/history", "/api/nowplaying/events":
		return read
	}
	return false
}

// authorize is the gate in front of every route: it finds who is asking
// (HTTP Basic or the session cookie), checks CSRF for cookie requests
// that change things and the role the route needs, then calls next with
// the identity in the context.
func (a *API) authorize(w http.ResponseWriter, r *http.Request, next http.Handler) {
	// Only /api is guarded here: the console's pages are public (they log
	// in through the API), and other paths are 404s.
	if !underAPI(r.URL.Path) || publicRoute(r) {
		next.ServeHTTP(w, r)
		return
	}
	id, ok := a.identify(w, r)
	if !ok {
		return
	}
	// Basic needs no token, but a browser that cached Basic credentials
	// sends them on other sites' requests too: those carry their Origin.
	crossSite := r.Header.Get("Origin") != "" && !sameOrigin(r.Header.Get("Origin"), r.Host)
	if id.session != nil && !csrfOK(r, id.session.CSRF) || id.session == nil && crossSite {
		a.log.Warn("request refused: CSRF check failed", "component", "admin", "user", id.Username,
			"method", r.Method, "path", r.URL.Path, "origin", r.Header.Get("Origin"))
		writeJSON(w, http.StatusForbidden, map[string]string{"error": msgCSRF})
		return
	}
	if requiredRole(r.Method, r.URL.Path) == accounts.RoleAdmin && id.Role != accounts.RoleAdmin {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": msgAdminsOnly})
		return
	}
	next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), identityKey{}, id)))
}

// identify finds the request's account, answering the refusal itself
// when there is none.
func (a *API) identify(w http.ResponseWriter, r *http.Request) (Identity, bool) {
	accts := a.deps.Auth.Accounts
	if accts == nil {
		a.unauthorized(w, r, msgAuthRequired)
		return Identity{}, false
	}
	if user, pass, ok := r.BasicAuth(); ok {
		acc, ok := a.checkPassword(w, r, user, pass, true)
		if !ok {
			return Identity{}, false
		}
		return Identity{AccountID: acc.ID, Username: acc.Username, Role: acc.Role}, true
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		a.unauthorized(w, r, msgAuthRequired)
		return Identity{}, false
	}
	sess, err := accts.Session(r.Context(), c.Value)
	if errors.Is(err, accounts.ErrNoSession) {
		a.clearCookie(w, r)
		a.unauthorized(w, r, "session expired: log in again")
		return Identity{}, false
	}
	if err != nil {
		internalError(w, r, a.log, "session lookup failed", err)
		return Identity{}, false
	}
	if sess.Refreshed {
		a.setCookie(w, r, sess.Token) // the browser's copy slides too
	}
	return Identity{AccountID: sess.Account.ID, Username: sess.Account.Username, Role: sess.Account.Role, session: &sess}, true
}

// checkPassword verifies a username and password under the throttle,
// answering 429 or 401 itself when it fails; basic says they came as HTTP
// Basic, which may be asked for again. Only the client's address is held
// back, never the username: the right password from an address that has
// not been guessing works even while someone guesses at the account.
func (a *API) checkPassword(w http.ResponseWriter, r *http.Request, user, pass string, basic bool) (accounts.Account, bool) {
	client := a.clientAddr(r)
	if wait := a.throttle.Begin(client); wait > 0 {
		// Not logged: a guesser held back would fill the log. Counted.
		a.loginRefused(true)
		secs := int((wait + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		writeJSON(w, http.StatusTooManyRequests, map[string]string{
			"error": "too many failed logins: try again in " + strconv.Itoa(secs) + " s",
		})
		return accounts.Account{}, false
	}
	var err error
	defer func() { a.throttle.End(client, errors.Is(err, accounts.ErrWrongPassword)) }()
	acc, err := a.deps.Auth.Accounts.Verify(r.Context(), user, pass)
	if errors.Is(err, accounts.ErrWrongPassword) {
		a.loginRefused(false)
		a.log.Warn("login failed", "component", "admin", "user", user, "client", client.String())
		if basic {
			a.unauthorized(w, r, msgWrongLogin)
		} else {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": msgWrongLogin})
		}
		return accounts.Account{}, false
	}
	if err != nil {
		internalError(w, r, a.log, "password check failed", err)
		return accounts.Account{}, false
	}
	return acc, true
}

func (a *API) loginRefused(throttled bool) {
	if a.deps.Auth.LoginRefused != nil {
		a.deps.Auth.LoginRefused(throttled)
	}
}

// clientAddr is the address a request came from, believing trusted
// proxies when ClientAddr is set.
func (a *API) clientAddr(r *http.Request) netip.Addr {
	if a.deps.Auth.ClientAddr != nil {
		return a.deps.Auth.ClientAddr(r)
	}
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}

// unauthorized answers 401. The Basic challenge goes only to clients that
// sent no cookie and are not a page's script, so the console's browser
// never pops up a password dialog of its own.
func (a *API) unauthorized(w http.ResponseWriter, r *http.Request, msg string) {
	_, cookieErr := r.Cookie(sessionCookie)
	mode := r.Header.Get("Sec-Fetch-Mode")
	if cookieErr != nil && (mode == "" || mode == "navigate") {
		w.Header().Set("WWW-Authenticate", `Basic realm="OnAir"`)
	}
	writeJSON(w, http.StatusUnauthorized, map[string]string{"error": msg})
}

// csrfOK checks a cookie-authenticated request: one that changes things
// must carry the session's CSRF token in X-CSRF-Token, and any request
// with an Origin (WebSocket upgrades included) must come from this host.
// A cross-site page can make the browser send the cookie, but it can read
// neither the token nor forge the Origin.
func csrfOK(r *http.Request, token string) bool {
	if o := r.Header.Get("Origin"); o != "" && !sameOrigin(o, r.Host) {
		return false
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	got := r.Header.Get("X-CSRF-Token")
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(token)) == 1
}

// sameOrigin reports whether an Origin header names host (the request's
// Host), default ports aside.
func sameOrigin(origin, host string) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return false // including "null" from sandboxed frames and files
	}
	return strings.EqualFold(withPort(u.Host, u.Scheme), withPort(host, u.Scheme))
}

func withPort(hostport, scheme string) string {
	if _, _, err := net.SplitHostPort(hostport); err == nil {
		return hostport
	}
	if scheme == "https" {
		return hostport + ":443"
	}
	return hostport + ":80"
}
