package admin

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestAccountsAPI(t *testing.T) {
	e := newAuthAPI(t, false)
	boss := []string{"Basic", "boss:" + bossPass}

	// The list is an array, and no hash or password is ever in it.
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/accounts", nil)
	req.SetBasicAuth("boss", bossPass)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var list []map[string]any
	if err := json.Unmarshal(raw, &list); err != nil || len(list) != 2 || list[0]["username"] != "boss" || list[1]["role"] != "dj" {
		t.Fatalf("list: %s %v", raw, err)
	}
	if s := strings.ToLower(string(raw)); strings.Contains(s, "hash") || strings.Contains(s, "password") || strings.Contains(s, "$2") {
		t.Errorf("list shows secrets: %s", raw)
	}

	resp, body := e.call(t, "POST", "/api/accounts", map[string]string{"username": "night.dj", "password": "password1"}, boss...)
	if resp.StatusCode != 201 || body["role"] != "dj" || body["username"] != "night.dj" || body["password_hash"] != nil || body["id"] == nil {
		t.Fatalf("create: %d %v", resp.StatusCode, body)
	}
	id := int64(body["id"].(float64))
	for _, c := range []struct {
		body any
		code int
	}{
		{map[string]string{"username": "NIGHT.DJ", "password": "password1"}, 409},
		{map[string]string{"username": "bad name", "password": "password1"}, 400},
		{map[string]string{"username": "shorty", "password": "short"}, 400},
		{map[string]string{"username": "x", "password": "password1", "role": "root"}, 400},
		{map[string]string{"username": "x", "password": "password1", "extra": "y"}, 400},
	} {
		resp, body := e.call(t, "POST", "/api/accounts", c.body, boss...)
		if resp.StatusCode != c.code || body["error"] == nil {
			t.Errorf("create %v: %d %v, want %d", c.body, resp.StatusCode, body, c.code)
		}
	}

	// A new password works at once and the old one stops.
	path := fmt.Sprintf("/api/accounts/%d", id)
	if resp, body := e.call(t, "PATCH", path, map[string]string{"password": "new-password"}, boss...); resp.StatusCode != 200 || body["username"] != "night.dj" {
		t.Fatalf("patch password: %d %v", resp.StatusCode, body)
	}
	if resp, _ := e.call(t, "GET", "/api/stations", nil, "Basic", "night.dj:password1"); resp.StatusCode != 401 {
		t.Errorf("old password after the change: %d", resp.StatusCode)
	}
	if resp, _ := e.call(t, "GET", "/api/stations", nil, "Basic", "night.dj:new-password"); resp.StatusCode != 200 {
		t.Errorf("new password: %d", resp.StatusCode)
	}
	// The DJ cannot manage accounts, not even their own.
	if resp, body := e.call(t, "PATCH", path, map[string]string{"role": "admin"}, "Basic", "night.dj:new-password"); resp.StatusCode != 403 || body["error"] != "admins only" {
		t.Errorf("dj promoting itself: %d %v", resp.StatusCode, body)
	}
	if resp, body := e.call(t, "PATCH", path, map[string]string{"role": "admin"}, boss...); resp.StatusCode != 200 || body["role"] != "admin" {
		t.Fatalf("promote: %d %v", resp.StatusCode, body)
	}
	if resp, _ := e.call(t, "GET", "/api/accounts", nil, "Basic", "night.dj:new-password"); resp.StatusCode != 200 {
		t.Errorf("promoted dj lists accounts: %d", resp.StatusCode)
	}
	if resp, _ := e.call(t, "PATCH", path, map[string]string{}, boss...); resp.StatusCode != 400 {
		t.Errorf("empty patch: %d", resp.StatusCode)
	}
	if resp, _ := e.call(t, "PATCH", "/api/accounts/999", map[string]string{"role": "dj"}, boss...); resp.StatusCode != 404 {
		t.Errorf("patch unknown: %d", resp.StatusCode)
	}

	// Two admins: one may go; the last one stays.
	if resp, _ := e.call(t, "DELETE", path, nil, boss...); resp.StatusCode != 200 {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	if resp, _ := e.call(t, "DELETE", path, nil, boss...); resp.StatusCode != 404 {
		t.Errorf("delete twice: %d", resp.StatusCode)
	}
	var bossID int64
	for _, a := range list {
		if a["username"] == "boss" {
			bossID = int64(a["id"].(float64))
		}
	}
	bossPath := fmt.Sprintf("/api/accounts/%d", bossID)
	resp, body = e.call(t, "DELETE", bossPath, nil, boss...)
	if resp.StatusCode != 400 || !strings.Contains(body["error"].(string), "last admin") {
		t.Errorf("delete last admin: %d %v", resp.StatusCode, body)
	}
	resp, body = e.call(t, "PATCH", bossPath, map[string]string{"role": "dj"}, boss...)
	if resp.StatusCode != 400 || !strings.Contains(body["error"].(string), "last admin") {
		t.Errorf("demote last admin: %d %v", resp.StatusCode, body)
	}
}

// TestPasswordChangeEndsOtherSessions: changing a password logs the
// account out everywhere but the session that made the change.
func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	e := newAuthAPI(t, false)
	boss := []string{"Basic", "boss:" + bossPass}
	resp, body := e.call(t, "POST", "/api/accounts", map[string]string{"username": "eve.dj", "password": "password1"}, boss...)
	if resp.StatusCode != 201 {
		t.Fatalf("create: %d %v", resp.StatusCode, body)
	}
	path := fmt.Sprintf("/api/accounts/%d", int64(body["id"].(float64)))
	djPhone, _ := e.login(t, "eve.dj", "password1")
	djLaptop, _ := e.login(t, "eve.dj", "password1")
	adminA, csrfA := e.login(t, "boss", bossPass)
	adminB, _ := e.login(t, "boss", bossPass)

	// The admin changes the DJ's password from session A: both of the
	// DJ's sessions end; the admin's stay.
	if resp, body := e.call(t, "PATCH", path, map[string]string{"password": "password2"}, "Cookie", adminA.Value, "X-CSRF-Token", csrfA); resp.StatusCode != 200 {
		t.Fatalf("patch: %d %v", resp.StatusCode, body)
	}
	for name, c := range map[string]string{"dj phone": djPhone.Value, "dj laptop": djLaptop.Value} {
		if resp, _ := e.call(t, "GET", "/api/session", nil, "Cookie", c); resp.StatusCode != 401 {
			t.Errorf("%s after the password change: %d, want 401", name, resp.StatusCode)
		}
	}
	for name, c := range map[string]string{"admin A": adminA.Value, "admin B": adminB.Value} {
		if resp, _ := e.call(t, "GET", "/api/session", nil, "Cookie", c); resp.StatusCode != 200 {
			t.Errorf("%s: %d, want 200", name, resp.StatusCode)
		}
	}
	// The admin changes their own password from A: B ends, A stays.
	bossPath := ""
	var accts []map[string]any
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/accounts", nil)
	req.SetBasicAuth("boss", bossPass)
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	err = json.NewDecoder(r.Body).Decode(&accts)
	r.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range accts {
		if a["username"] == "boss" {
			bossPath = fmt.Sprintf("/api/accounts/%d", int64(a["id"].(float64)))
		}
	}
	if resp, body := e.call(t, "PATCH", bossPath, map[string]string{"password": "boss-new-pass"}, "Cookie", adminA.Value, "X-CSRF-Token", csrfA); resp.StatusCode != 200 {
		t.Fatalf("own patch: %d %v", resp.StatusCode, body)
	}
	if resp, _ := e.call(t, "GET", "/api/session", nil, "Cookie", adminA.Value); resp.StatusCode != 200 {
		t.Errorf("the session that changed the password: %d, want 200", resp.StatusCode)
	}
	if resp, _ := e.call(t, "GET", "/api/session", nil, "Cookie", adminB.Value); resp.StatusCode != 401 {
		t.Errorf("the admin's other session: %d, want 401", resp.StatusCode)
	}
}
