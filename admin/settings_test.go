package admin

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"onair/accounts"
	"onair/config"
	"onair/settings"
	"onair/store"
)

// recordingLive counts what the settings applied to the server.
type recordingLive struct{ calls int }

func (l *recordingLive) SetLimits(settings.Limits)           { l.calls++ }
func (l *recordingLive) SetListing(string, settings.Listing) { l.calls++ }
func (l *recordingLive) SetMediaDirs(string, []string)       { l.calls++ }
func (l *recordingLive) SourcePasswordChanged(bool)          { l.calls++ }

// check fails unless something was applied since the last check exactly
// when want says so.
func (l *recordingLive) check(t *testing.T, what string, want bool) {
	t.Helper()
	if applied := l.calls > 0; applied != want {
		t.Errorf("%s: applied %v, want %v", what, applied, want)
	}
	l.calls = 0
}

// newSettingsAPI is newAuthAPI with settings over the default config.
func newSettingsAPI(t *testing.T) (*authEnv, *recordingLive) {
	t.Helper()
	e := newAuthAPI(t, false)
	db, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	live := &recordingLive{}
	src, _, err := accounts.OpenSourcePassword(context.Background(), db, accounts.SourceOptions{Cost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	m, err := settings.Open(context.Background(), settings.NewStore(db), settings.Options{
		Base: config.Default(), SourcePassword: src,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Subscribe(live))
	e.api.deps.Settings = m // before any request
	return e, live
}

// TestSettingsAdminsOnly: anonymous requests get 401, a DJ gets 403 for
// reading as for changing, an admin reads them.
func TestSettingsAdminsOnly(t *testing.T) {
	e, live := newSettingsAPI(t)
	if resp, _ := e.call(t, "GET", "/api/settings", nil); resp.StatusCode != 401 {
		t.Errorf("anonymous GET: %d, want 401", resp.StatusCode)
	}
	if resp, _ := e.call(t, "PATCH", "/api/settings", map[string]int{"max_listeners": 1}); resp.StatusCode != 401 {
		t.Errorf("anonymous PATCH: %d, want 401", resp.StatusCode)
	}
	cookie, csrf := e.login(t, "dj", djPass)
	for _, tc := range []struct {
		method string
		hdr    []string
	}{
		{"GET", []string{"Basic", "dj:" + djPass}},
		{"GET", []string{"Cookie", cookie.Value}},
		{"PATCH", []string{"Basic", "dj:" + djPass}},
		{"PATCH", []string{"Cookie", cookie.Value, "X-CSRF-Token", csrf}},
	} {
		resp, body := e.call(t, tc.method, "/api/settings", map[string]int{"max_listeners": 1}, tc.hdr...)
		if resp.StatusCode != 403 || body["error"] != "admins only" {
			t.Errorf("DJ %s with %s: %d %v, want 403", tc.method, tc.hdr[0], resp.StatusCode, body)
		}
	}
	live.check(t, "after refused requests", false)

	resp, body := e.call(t, "GET", "/api/settings", nil, "Basic", "boss:"+bossPass)
	server, _ := body["server"].(map[string]any)
	listen, _ := server["listen"].(map[string]any)
	if resp.StatusCode != 200 || listen["value"] != ":8000" || listen["restart"] != true || listen["source"] != "default" {
		t.Fatalf("admin GET: %d %v", resp.StatusCode, body)
	}
}

// TestSettingsPatch: a good change is applied and answered with the
// settings as they stand; a bad one answers 400 naming every problem and
// changes nothing; an admin with a cookie needs the CSRF token.
func TestSettingsPatch(t *testing.T) {
	e, live := newSettingsAPI(t)
	admin := []string{"Basic", "boss:" + bossPass}
	resp, body := e.call(t, "PATCH", "/api/settings", map[string]any{
		"max_bandwidth_kbps": 640, "source_password": "a-new-source-pw",
		"stations": map[string]any{"main": map[string]string{"name": "Night Owl"}},
	}, admin...)
	if resp.StatusCode != 200 {
		t.Fatalf("PATCH: %d %v", resp.StatusCode, body)
	}
	raw, _ := json.Marshal(body)
	if strings.Contains(string(raw), "a-new-source-pw") {
		t.Errorf("the answer shows the password: %s", raw)
	}
	var v settings.View
	json.Unmarshal(raw, &v)
	if f := v.Server["max_bandwidth_kbps"]; f.Value != float64(640) || f.Source != "console" || f.Restart {
		t.Errorf("max_bandwidth_kbps: %+v", f)
	}
	if f := v.Stations[0].Settings["name"]; f.Value != "Night Owl" || f.Source != "console" {
		t.Errorf("name: %+v", f)
	}
	live.check(t, "a good PATCH", true)

	for _, tc := range []struct {
		body      string
		wantError string
		wantKeys  []string
	}{
		{`{"max_listeners": -5, "stations": {"main": {"name": ""}}}`,
			"'max_listeners' must be between 0 (no limit) and 1000000; station main: 'name' must not be empty",
			[]string{"max_listeners", "stations.main.name"}},
		{`{"listen": ":9000"}`, "'listen' takes effect on restart: change it in the config file or ONAIR_LISTEN", []string{"listen"}},
		{`{"max_listners": 5}`, "unknown setting 'max_listners'", []string{"max_listners"}}, //nolint:misspell // misspelt on purpose
		{`{"stations": {"main": {"media_dirs": ["relative/music"]}}}`,
			`station main: 'media_dirs' "relative/music" must be an absolute path such as /srv/music`, []string{"stations.main.media_dirs"}},
		{`not json`, "the body must be a JSON object of settings", []string{""}},
	} {
		req, _ := http.NewRequest("PATCH", e.srv.URL+"/api/settings", strings.NewReader(tc.body))
		req.SetBasicAuth("boss", bossPass)
		resp, err := e.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var answer struct {
			Error    string
			Problems []settings.Problem
		}
		json.Unmarshal(b, &answer)
		var keys []string
		for _, p := range answer.Problems {
			keys = append(keys, p.Key)
		}
		if resp.StatusCode != 400 || !strings.HasPrefix(answer.Error, tc.wantError) || strings.Join(keys, ",") != strings.Join(tc.wantKeys, ",") {
			t.Errorf("%s: %d %s, want 400 %q with keys %v", tc.body, resp.StatusCode, b, tc.wantError, tc.wantKeys)
		}
	}
	live.check(t, "refused PATCHes", false)
	_, body = e.call(t, "GET", "/api/settings", nil, admin...)
	if got := body["server"].(map[string]any)["max_listeners"].(map[string]any)["value"]; got != float64(1000) {
		t.Errorf("max_listeners after refused PATCHes: %v", got)
	}

	big := `{"stations": {"main": {"description": "` + strings.Repeat("x", maxJSON) + `"}}}`
	req, _ := http.NewRequest("PATCH", e.srv.URL+"/api/settings", strings.NewReader(big))
	req.SetBasicAuth("boss", bossPass)
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Errorf("a body over %d bytes: %s, want 413", maxJSON, resp.Status)
	}

	cookie, csrf := e.login(t, "boss", bossPass)
	if resp, _ := e.call(t, "PATCH", "/api/settings", map[string]int{"max_listeners": 3}, "Cookie", cookie.Value); resp.StatusCode != 403 {
		t.Errorf("PATCH with a cookie and no CSRF token: %d, want 403", resp.StatusCode)
	}
	resp, body = e.call(t, "PATCH", "/api/settings", map[string]int{"max_listeners": 3}, "Cookie", cookie.Value, "X-CSRF-Token", csrf)
	if resp.StatusCode != 200 {
		t.Errorf("PATCH with the CSRF token: %d %v", resp.StatusCode, body)
	}
}

// TestSettingsNotSetUp: without settings the routes answer 404.
func TestSettingsNotSetUp(t *testing.T) {
	e := newAuthAPI(t, false)
	resp, body := e.call(t, "GET", "/api/settings", nil, "Basic", "boss:"+bossPass)
	if resp.StatusCode != 404 || body["error"] != "settings are not set up" {
		t.Errorf("GET without settings: %d %v", resp.StatusCode, body)
	}
}
