package admin

import (
	"errors"
	"net/http"
	"time"

	"onair/accounts"
	"onair/broadcast"
)

// sessionCookie holds the console's session token.
const sessionCookie = "onair_session"

// sessionInfo answers POST /api/login and GET /api/session. CSRF is the
// token the console sends back in X-CSRF-Token; it is empty for a
// request authenticated by HTTP Basic, which needs none.
type sessionInfo struct {
	Username string `json:"username"`
	Role     string `json:"role"`
	CSRF     string `json:"csrf"`
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// login is POST /api/login: the console's password check, under the same
// throttle as HTTP Basic. On success it sets the session cookie.
func (a *API) login(w http.ResponseWriter, r *http.Request) error {
	if a.deps.Auth.Accounts == nil {
		return errors.New("login: no accounts")
	}
	// A cross-site form must not log the browser into someone's account.
	if o := r.Header.Get("Origin"); o != "" && !sameOrigin(o, r.Host) {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": msgCSRF})
		return nil
	}
	var req loginRequest
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	broadcast.SetAccessUser(r, req.Username) // failed logins too: who was tried
	acc, ok := a.checkPassword(w, r, req.Username, req.Password, false)
	if !ok {
		return nil
	}
	sess, err := a.deps.Auth.Accounts.CreateSession(r.Context(), acc.ID)
	if err != nil {
		return err
	}
	a.setCookie(w, r, sess.Token)
	a.log.Info("logged in", "component", "admin", "user", acc.Username, "role", acc.Role)
	writeJSON(w, http.StatusOK, sessionInfo{Username: acc.Username, Role: string(acc.Role), CSRF: sess.CSRF})
	return nil
}

// logout is POST /api/logout: the session ends and the cookie goes.
func (a *API) logout(w http.ResponseWriter, r *http.Request) error {
	id, _ := IdentityFrom(r.Context())
	if id.session != nil {
		if err := a.deps.Auth.Accounts.DeleteSession(r.Context(), id.session.Token); err != nil {
			return err
		}
		a.log.Info("logged out", "component", "admin", "user", id.Username)
	}
	a.clearCookie(w, r)
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	return nil
}

// session is GET /api/session: who is logged in, for the console to pick
// its view (and to find its CSRF token again after a reload).
func (a *API) session(w http.ResponseWriter, r *http.Request) error {
	id, _ := IdentityFrom(r.Context())
	info := sessionInfo{Username: id.Username, Role: string(id.Role)}
	if id.session != nil {
		info.CSRF = id.session.CSRF
	}
	writeJSON(w, http.StatusOK, info)
	return nil
}

// setCookie sends the session cookie: out of scripts' reach (HttpOnly),
// not sent by other sites' subrequests or forms (SameSite=Lax), and only
// over HTTPS when the console is served over HTTPS.
// It lives as long as the session would if unused; each refresh of the
// session sends it again.
func (a *API) setCookie(w http.ResponseWriter, r *http.Request, token string) {
	// Secure follows the request: a console on a LAN is often plain HTTP.
	http.SetCookie(w, &http.Cookie{ //nolint:gosec // see above
		Name:     sessionCookie,
		Value:    token,
		Path:     "/",
		MaxAge:   int(accounts.SessionTTL / time.Second),
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
		Secure:   a.isHTTPS(r),
	})
}

func (a *API) clearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{ //nolint:gosec // Secure follows the request, as in setCookie
		Name: sessionCookie, Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: a.isHTTPS(r),
	})
}

func (a *API) isHTTPS(r *http.Request) bool {
	if a.deps.Auth.IsHTTPS != nil {
		return a.deps.Auth.IsHTTPS(r)
	}
	return r.TLS != nil
}
