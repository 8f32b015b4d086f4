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
		a.log.Error("session lookup failed", "component", "admin", "err", err)
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "session lookup failed"})
		return Identity{}, false
	}
	if sess.Refreshed {
		a.setCookie(w, r, sess.Token) // the browser's copy slides too
	}
	return Identity{AccountID: sess.Account.ID, Username: sess.Account.Username, Role: sess.Account.Role, session: &sess}, true
}

// checkPassword verifies a username and password under the throttle,
// answering 429 or 401 itself when it fails; basic says they came as HTTP
// Basic, which may be asked for again.
func (a *API) checkPassword(w http.ResponseWriter, r *http.Request, user, pass string, basic bool) (accounts.Account, bool) {
	ipKey, userKey := a.throttleKeys(r, user)
	if wait := a.throttle.Wait(ipKey, userKey); wait > 0 {
		secs := int((wait + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		writeJSON(w, http.StatusTooManyRequests, map[string]string{
			"error": "too many failed logins: try again in " + strconv.Itoa(secs) + " s",
		})
		return accounts.Account{}, false
	}
	acc, err := a.deps.Auth.Accounts.Verify(r.Context(), user, pass)
	if errors.Is(err, accounts.ErrWrongPassword) {
		a.throttle.Fail(ipKey, userKey)
		a.log.Warn("login failed", "component", "admin", "user", user, "client", ipKey)
		if basic {
			a.unauthorized(w, r, msgWrongLogin)
		} else {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": msgWrongLogin})
		}
		return accounts.Account{}, false
	}
	if err != nil {
		a.log.Error("password check failed", "component", "admin", "err", err)
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "password check failed"})
		return accounts.Account{}, false
	}
	a.throttle.Reset(userKey)
	return acc, true
}

// throttleKeys are the throttle's keys for a login: the client's address
// (its /64 for IPv6, which one host usually holds whole) and the username.
func (a *API) throttleKeys(r *http.Request, user string) (ipKey, userKey string) {
	var addr netip.Addr
	if a.deps.Auth.ClientAddr != nil {
		addr = a.deps.Auth.ClientAddr(r)
	} else if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		addr = ap.Addr().Unmap()
	}
	ip := addr.String()
	if addr.Is6() {
		if p, err := addr.Prefix(64); err == nil {
			ip = p.String()
		}
	}
	return "ip:" + ip, "user:" + strings.ToLower(user)
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
