package admin

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// djRefused is the rule a DJ is held to, written from the product's
// words rather than from the table: accounts, server settings, the
// server's logs and its pushes are admins' alone; bans may be read but
// not changed; kicking a listener is an admin's. Everything else (the mixer, the mic,
// skip, the library, playlists, events, history, listeners) is a DJ's
// too.
func djRefused(method, path string) bool {
	under := func(p string) bool { return path == p || strings.HasPrefix(path, p+"/") }
	write := method != "GET" && method != "HEAD"
	switch {
	case under("/api/accounts"), under("/api/settings"), under("/api/logs"), under("/api/push"):
		return true
	case under("/api/bans"):
		return write
	case method == "DELETE" && strings.HasPrefix(path, "/api/listeners/"):
		return true
	}
	return false
}

var wildcard = regexp.MustCompile(`\{[^}]*\}`)

// TestRoleTable walks every route New registers and sends it through the
// auth gate anonymously, as a DJ and as an admin: the anonymous request
// is refused with 401 on every route but the public ones, the DJ with 403
// exactly where djRefused says, the admin nowhere, and the handler sees
// who asked.
func TestRoleTable(t *testing.T) {
	e := newAuthAPI(t, false)
	if len(e.api.routes) < 30 {
		t.Fatalf("only %d routes recorded", len(e.api.routes))
	}
	var sawAdminOnly, sawDJ int
	for _, pattern := range e.api.routes {
		method, path, ok := strings.Cut(pattern, " ")
		if !ok { // a pattern for every method: try a read and a write
			path = method
			for _, m := range []string{"GET", "DELETE"} {
				checkRoute(t, e, m, path+"x", &sawAdminOnly, &sawDJ)
			}
			continue
		}
		path = wildcard.ReplaceAllString(path, "1")
		checkRoute(t, e, method, path, &sawAdminOnly, &sawDJ)
	}
	// The walk covered both kinds of route.
	if sawAdminOnly < 5 || sawDJ < 20 {
		t.Errorf("admin-only routes %d, DJ routes %d", sawAdminOnly, sawDJ)
	}
}

func checkRoute(t *testing.T, e *authEnv, method, path string, sawAdminOnly, sawDJ *int) {
	t.Helper()
	// Anyone without credentials is refused everywhere but the public
	// routes.
	if anon := httptest.NewRequest(method, path, nil); !publicRoute(anon) {
		rec := httptest.NewRecorder()
		e.api.authorize(rec, anon, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
			t.Errorf("%s %s: an anonymous request reached the handler", method, path)
		}))
		if rec.Code != http.StatusUnauthorized {
			t.Errorf("%s %s anonymous: %d, want 401", method, path, rec.Code)
		}
	}
	for _, who := range []struct{ user, pass, role string }{{"dj", djPass, "dj"}, {"boss", bossPass, "admin"}} {
		req := httptest.NewRequest(method, path, nil)
		req.SetBasicAuth(who.user, who.pass)
		if publicRoute(req) {
			continue // anyone's: the gate does not look at credentials
		}
		rec := httptest.NewRecorder()
		reached := false
		e.api.authorize(rec, req, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id, ok := IdentityFrom(r.Context())
			if !ok || id.Username != who.user || string(id.Role) != who.role {
				t.Errorf("%s %s: identity %+v", method, path, id)
			}
			reached = true
		}))
		refuse := who.role == "dj" && djRefused(method, path)
		if refuse {
			var body map[string]string
			json.Unmarshal(rec.Body.Bytes(), &body)
			if reached || rec.Code != 403 || body["error"] != "admins only" {
				t.Errorf("%s %s as dj: %d %s, want 403 admins only", method, path, rec.Code, rec.Body)
			}
			*sawAdminOnly++
			continue
		}
		if !reached {
			t.Errorf("%s %s as %s: refused %d %s", method, path, who.role, rec.Code, rec.Body)
		}
		if who.role == "dj" {
			*sawDJ++
		}
	}
}
