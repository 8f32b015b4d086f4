//go:build unix

package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"onair/internal/testenv"
)

// settingsView is the part of GET /api/settings the tests read.
type settingsView struct {
	Server   map[string]settingsField
	Stations []struct {
		ID       string
		Settings map[string]settingsField
	}
	Error    string
	Problems []struct{ Key, Message string }
}

type settingsField struct {
	Value   any
	Source  string
	Restart bool
	Set     *bool
}

// listenerHeaders connects a player to path and returns the status line
// and headers, keeping the connection open until the test (or close)
// ends it.
func listenerHeaders(t *testing.T, base, path string) (status string, hdr map[string]string, close func()) {
	t.Helper()
	u, _ := url.Parse(base)
	c, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(30 * time.Second))
	io.WriteString(c, "GET "+path+" HTTP/1.0\r\nUser-Agent: settings-test\r\n\r\n")
	br := bufio.NewReader(c)
	line, err := br.ReadString('\n')
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	hdr = map[string]string{}
	for {
		l, err := br.ReadString('\n')
		if err != nil || strings.TrimSpace(l) == "" {
			break
		}
		k, v, _ := strings.Cut(l, ":")
		hdr[strings.ToLower(k)] = strings.TrimSpace(v)
	}
	if strings.Contains(line, " 200 ") {
		// Keep reading, as a player does, so the server keeps it.
		go io.Copy(io.Discard, br)
	}
	return strings.TrimSpace(line), hdr, func() { c.Close() }
}

// stopGracefully stops the binary with SIGTERM, as an operator would.
func stopGracefully(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("onair did not stop on SIGTERM")
	}
}

// TestSettingsOnTheBinary: settings changed through PATCH /api/settings
// take effect on the running server (a new listener's icy-name, the
// status page, the bandwidth cap, the source password, the media
// folders), bad ones are refused, a DJ may not read them, and they
// survive a restart with the same data folder.
func TestSettingsOnTheBinary(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	music := t.TempDir() // no music: the station plays silence at 128 kbps
	yaml := fmt.Sprintf("stations:\n  - id: main\n    name: From The File\n    mount: /stream\n    live_mount: /live\n    bitrate: 128\n    media_dirs: [%q]\n", music)
	cmd, base := startAt(t, bin, dir, yaml)
	admin := apiAs{user: "admin", pass: "adm1n"}

	var v settingsView
	admin.call(t, "GET", base+"/api/settings", nil, &v)
	if f := v.Stations[0].Settings["name"]; f.Value != "From The File" || f.Source != "file" {
		t.Fatalf("name before: %+v", f)
	}
	if f := v.Server["listen"]; !f.Restart || f.Source != "file" {
		t.Errorf("listen: %+v, want restart-only from the file", f)
	}

	// A DJ may not read the settings.
	if resp := admin.call(t, "POST", base+"/api/accounts", map[string]string{"username": "dee", "password": "dj-password"}, nil); resp.StatusCode != 201 {
		t.Fatalf("create DJ: %d", resp.StatusCode)
	}
	if resp := (apiAs{user: "dee", pass: "dj-password"}).call(t, "GET", base+"/api/settings", nil, nil); resp.StatusCode != 403 {
		t.Errorf("DJ GET /api/settings: %d, want 403", resp.StatusCode)
	}

	// The station's name and description, live.
	resp := admin.call(t, "PATCH", base+"/api/settings", map[string]any{
		"stations": map[string]any{"main": map[string]string{"name": "Night Owl Radio", "description": "After hours"}},
	}, &v)
	if resp.StatusCode != 200 || v.Stations[0].Settings["name"].Source != "console" {
		t.Fatalf("PATCH name: %d %+v", resp.StatusCode, v)
	}
	status, hdr, _ := listenerHeaders(t, base, "/stream")
	if !strings.Contains(status, "200") || hdr["icy-name"] != "Night Owl Radio" || hdr["icy-description"] != "After hours" {
		t.Errorf("new listener: %q, icy-name %q, icy-description %q", status, hdr["icy-name"], hdr["icy-description"])
	}
	var st struct {
		Icestats struct {
			Source []struct {
				ServerName string `json:"server_name"`
			}
		}
	}
	getJSON(t, "GET", base+"/status-json.xsl", &st)
	if len(st.Icestats.Source) == 0 || st.Icestats.Source[0].ServerName != "Night Owl Radio" {
		t.Errorf("status-json.xsl: %+v", st)
	}
	var stations []struct{ ID, Name string }
	if getJSON(t, "GET", base+"/api/stations", &stations); len(stations) != 1 || stations[0].Name != "Night Owl Radio" {
		t.Errorf("GET /api/stations after the rename: %+v", stations)
	}

	// The bandwidth cap: room for one more 128 kbps listener besides the
	// one connected, not two.
	if resp := admin.call(t, "PATCH", base+"/api/settings", map[string]int{"max_bandwidth_kbps": 256}, &v); resp.StatusCode != 200 {
		t.Fatalf("PATCH max_bandwidth_kbps: %d %+v", resp.StatusCode, v)
	}
	status, _, leave := listenerHeaders(t, base, "/stream")
	if !strings.Contains(status, "200") {
		t.Fatalf("second listener within 256 kbps: %q", status)
	}
	if status, _, _ := listenerHeaders(t, base, "/stream"); !strings.Contains(status, "503") {
		t.Fatalf("third listener over 256 kbps: %q, want 503", status)
	}
	leave()
	// The server sees the listener gone at its next write.
	admitted := testenv.Poll(20*time.Second, func() bool {
		status, _, _ := listenerHeaders(t, base, "/stream")
		return strings.Contains(status, "200")
	})
	if !admitted {
		t.Fatal("no listener admitted after one left")
	}

	// A new source password: the old one is refused from the next
	// connection, on Icecast and SHOUTcast v1 alike.
	if got := sourceStatus(t, base, "/live", "source", "s0urce"); !strings.Contains(got, "200") {
		t.Fatalf("source with the file's password before the change: %q", got)
	}
	if resp := admin.call(t, "PATCH", base+"/api/settings", map[string]string{"source_password": "n3w-s0urce-pw"}, &v); resp.StatusCode != 200 {
		t.Fatalf("PATCH source_password: %d %+v", resp.StatusCode, v)
	}
	if f := v.Server["source_password"]; f.Source != "console" || f.Value != nil || f.Set == nil || !*f.Set {
		t.Errorf("source_password after the change: %+v", f)
	}
	if got := sourceStatus(t, base, "/live", "source", "s0urce"); !strings.Contains(got, "401") {
		t.Errorf("Icecast PUT with the old password: %q, want 401", got)
	}
	if got := sourceStatus(t, base, "/live", "source", "n3w-s0urce-pw"); !strings.Contains(got, "200") {
		t.Errorf("Icecast PUT with the new password: %q, want 200", got)
	}
	if got := shoutcastReply(t, base, "s0urce"); got == "OK2" {
		t.Errorf("SHOUTcast v1 with the old password: %q", got)
	}
	if got := shoutcastReply(t, base, "n3w-s0urce-pw"); got != "OK2" {
		t.Errorf("SHOUTcast v1 with the new password: %q, want OK2", got)
	}
	if got := sourceStatus(t, base, "/live", "dee", "dj-password"); !strings.Contains(got, "200") {
		t.Errorf("a DJ account as a source login: %q, want 200", got)
	}

	// Media folders: bad ones are refused with a reason, a good one is
	// scanned.
	notDir := filepath.Join(music, "file.txt")
	os.WriteFile(notDir, []byte("x"), 0o644)
	for _, tc := range []struct{ dir, want string }{
		{filepath.Join(music, "missing"), "does not exist on the server"},
		{notDir, "is not a folder"},
		{"relative/music", "must be an absolute path"},
	} {
		v = settingsView{}
		resp := admin.call(t, "PATCH", base+"/api/settings", map[string]any{
			"stations": map[string]any{"main": map[string]any{"media_dirs": []string{tc.dir}}},
		}, &v)
		if resp.StatusCode != 400 || !strings.Contains(v.Error, tc.want) || len(v.Problems) != 1 || v.Problems[0].Key != "stations.main.media_dirs" {
			t.Errorf("media folder %s: %d %+v, want 400 saying %q", tc.dir, resp.StatusCode, v, tc.want)
		}
	}
	more := t.TempDir()
	makeTones(t, more, 2, 440)
	if resp := admin.call(t, "PATCH", base+"/api/settings", map[string]any{
		"stations": map[string]any{"main": map[string]any{"media_dirs": []string{music, more}}},
	}, &v); resp.StatusCode != 200 {
		t.Fatalf("PATCH media_dirs: %d %+v", resp.StatusCode, v)
	}
	found := testenv.Poll(20*time.Second, func() bool {
		var tracks []struct{ Title string }
		getJSON(t, "GET", base+"/api/library?q=Tone", &tracks)
		return len(tracks) == 1 && tracks[0].Title == "Tone 440"
	})
	if !found {
		t.Error("the library did not pick up the new folder's track")
	}

	// A restart with the same data folder keeps what the console saved.
	stopGracefully(t, cmd)
	_, base = startAt(t, bin, dir, yaml)
	if _, hdr, _ := listenerHeaders(t, base, "/stream"); hdr["icy-name"] != "Night Owl Radio" {
		t.Errorf("icy-name after a restart: %q", hdr["icy-name"])
	}
	admin.call(t, "GET", base+"/api/settings", nil, &v)
	if f := v.Server["max_bandwidth_kbps"]; f.Value != float64(256) || f.Source != "console" {
		t.Errorf("max_bandwidth_kbps after a restart: %+v", f)
	}
	if got := v.Stations[0].Settings["media_dirs"].Value; fmt.Sprint(got) != fmt.Sprint([]string{music, more}) {
		t.Errorf("media_dirs after a restart: %v", got)
	}
	if got := sourceStatus(t, base, "/live", "source", "s0urce"); !strings.Contains(got, "401") {
		t.Errorf("the file's source password after a restart: %q, want 401", got)
	}
	if got := sourceStatus(t, base, "/live", "source", "n3w-s0urce-pw"); !strings.Contains(got, "200") {
		t.Errorf("the console's source password after a restart: %q, want 200", got)
	}
}

// settingsResult is the JSON line e2e/settings.mjs prints.
type settingsResult struct {
	OK              bool     `json:"ok"`
	Error           string   `json:"error"`
	Steps           []string `json:"steps"`
	Console         []string `json:"console"`
	NameBefore      string   `json:"nameBefore"`
	NameSource      string   `json:"nameSource"`
	NameAfterReload string   `json:"nameAfterReload"`
	Network         struct {
		Heading, Listen   string
		Rows, RestartRows int
	} `json:"network"`
	Stream struct {
		MP3Quality string `json:"mp3Quality"`
		Resampler  string `json:"resampler"`
	} `json:"stream"`
	LimitError   string   `json:"limitError"`
	LimitInvalid string   `json:"limitInvalid"`
	Accounts     []string `json:"accounts"`
	Phone        struct {
		ScrollWidth, NameRight float64
	} `json:"phone"`
	DJ struct {
		SettingsLinks              int
		SettingsShown, StudioShown bool
		Status                     int
	} `json:"dj"`
}

// TestSettingsInABrowser: in headless Chromium the admin opens Settings,
// sees the Network group marked restart-only but for the trusted proxies
// (a reload applies them), renames the station and
// finds the name again after a reload, sees the server's refusal of a
// bad limit under its field, and adds a DJ; the page fits a 390 px
// phone. The DJ gets no Settings link and a 403 from /api/settings. The
// station's encoder settings from the file are shown.
// ONAIR_E2E_SHOTS=/dir keeps screenshots (settings-*.png).
func TestSettingsInABrowser(t *testing.T) {
	dir, node := testenv.E2EDir(t, "../..")
	music := t.TempDir()
	yaml := fmt.Sprintf("stations:\n  - id: main\n    name: From The File\n    mount: /stream\n    mp3_quality: 7\n    resampler: fast\n    media_dirs: [%q]\n", music)
	_, base := startAt(t, buildBinary(t), t.TempDir(), yaml)
	newName := `Sunset <b>FM</b> & "friends"`
	var res settingsResult
	err := testenv.RunScript(t, node, dir, "settings.mjs", 90*time.Second, &res, base, "admin", "adm1n", newName, "dee", "dj-password")
	if err != nil || !res.OK {
		t.Fatalf("the settings test failed (exit %v): %s\nsteps %v\nconsole %q", err, res.Error, res.Steps, res.Console)
	}
	// Checked again here, so that a script that says ok without checking
	// fails the test.
	if res.NameBefore != "From The File" || res.NameAfterReload != newName || res.NameSource != "saved here" {
		t.Errorf("name before %q, source after saving %q, after a reload %q; want %q", res.NameBefore, res.NameSource, res.NameAfterReload, newName)
	}
	u, _ := url.Parse(base)
	if !strings.Contains(res.Network.Heading, "takes effect on restart") || res.Network.Listen != u.Host ||
		res.Network.Rows < 10 || res.Network.RestartRows != res.Network.Rows-1 { // trusted_proxies: on reload
		t.Errorf("network group: %+v", res.Network)
	}
	if res.Stream.MP3Quality != "7" || res.Stream.Resampler != "fast" {
		t.Errorf("stream settings shown: %+v, want mp3_quality 7 and resampler fast", res.Stream)
	}
	if !strings.Contains(res.LimitError, "'max_listeners' must be between 0") || res.LimitInvalid != "true" {
		t.Errorf("refusal under Max listeners: %q (aria-invalid %q)", res.LimitError, res.LimitInvalid)
	}
	if !slices.Contains(res.Accounts, "admin") || !slices.Contains(res.Accounts, "dee") {
		t.Errorf("accounts listed: %q", res.Accounts)
	}
	if res.Phone.ScrollWidth > 390 || res.Phone.NameRight > 390 {
		t.Errorf("on a 390 px phone: page %v px wide, name field ends at %v px", res.Phone.ScrollWidth, res.Phone.NameRight)
	}
	if res.DJ.SettingsLinks != 0 || res.DJ.SettingsShown || !res.DJ.StudioShown || res.DJ.Status != 403 {
		t.Errorf("the DJ: %+v, want no Settings link, the studio, and 403", res.DJ)
	}
	// What the page saved is what the server has.
	_, hdr, _ := listenerHeaders(t, base, "/stream")
	if hdr["icy-name"] != newName {
		t.Errorf("a new listener's icy-name %q, want %q", hdr["icy-name"], newName)
	}
	if resp := (apiAs{user: "dee", pass: "dj-password"}).call(t, "GET", base+"/api/stations", nil, nil); resp.StatusCode != 200 {
		t.Errorf("the DJ added from the page cannot log in: %d", resp.StatusCode)
	}
	for _, line := range res.Console {
		// The page asks for its session before logging in (401), the bad
		// limit is refused (400), and so is the DJ's request for the
		// settings (403): expected.
		if strings.Contains(line, "status of 401") || strings.HasPrefix(line, "admin ") && strings.Contains(line, "status of 400") ||
			strings.HasPrefix(line, "dj ") && strings.Contains(line, "status of 403") {
			continue
		}
		if strings.Contains(line, "pageerror") || strings.Contains(line, " error:") {
			t.Errorf("browser console: %s", line)
		}
	}
	if d := os.Getenv("ONAIR_E2E_SHOTS"); d != "" {
		t.Logf("screenshots in %s", d)
	}
}
