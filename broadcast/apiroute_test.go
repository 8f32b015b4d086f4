package broadcast

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"onair/internal/testenv"
)

// TestAPIAndConsoleReachTheHandler: /api and /console go to the Handler
// without broadcast's admin check (the API checks accounts and sessions
// itself); a PUT there is not a source; /api/nowplaying stays public and
// answered here; Icecast's /admin/* still needs the admin's Basic auth.
func TestAPIAndConsoleReachTheHandler(t *testing.T) {
	var mu sync.Mutex
	var reached []string
	srv := New(Options{
		ServerID: "OnAir test",
		Mounts:   []MountConfig{{Path: "/stream"}},
		Defaults: MountSettings{
			BurstSize: 64 << 10, Metaint: 16000,
			WriteTimeout: 2 * time.Second, Grace: time.Second,
		},
		WakeInterval:  20 * time.Millisecond,
		SourceTimeout: 10 * time.Second,
		HeaderTimeout: 5 * time.Second,
		Auth:          testAuth{},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			reached = append(reached, r.Method+" "+r.URL.Path)
			mu.Unlock()
			io.WriteString(w, "handler")
		}),
	})
	a, b := testenv.AdjacentListeners(t)
	b.Close()
	go srv.Serve(a)
	t.Cleanup(func() { srv.Close() })
	base := "http://" + a.Addr().String()

	cl := &http.Client{Timeout: 5 * time.Second}
	do := func(method, path string, admin bool) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader("{}"))
		if admin {
			req.SetBasicAuth("admin", testAdminPass)
		}
		resp, err := cl.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	for _, c := range []struct {
		method, path string
		admin        bool
		code         int
		handler      bool
	}{
		{"GET", "/api/stations", false, 200, true},
		{"PUT", "/api/playlists/1/items", false, 200, true},
		{"POST", "/api/login", false, 200, true},
		{"GET", "/api/history", false, 200, true},
		{"GET", "/console", false, 200, true},
		{"GET", "/console/app.js", false, 200, true},
		{"GET", "/api/nowplaying", false, 200, false},
		{"GET", "/admin/stats", false, 401, false},
		{"GET", "/admin/anything", false, 401, false},
		{"GET", "/admin/anything", true, 200, true},
	} {
		code, body := do(c.method, c.path, c.admin)
		if code != c.code || (body == "handler") != c.handler {
			t.Errorf("%s %s (admin %v): %d %q, want %d, handler %v", c.method, c.path, c.admin, code, body, c.code, c.handler)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(reached) != 7 {
		t.Errorf("handler saw %v", reached)
	}
}
