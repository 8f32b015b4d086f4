package settings

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"onair/config"
	"onair/store"
)

// fakeLive records what the Manager applied.
type fakeLive struct {
	limits   []Limits
	listings map[string]Listing
	dirs     map[string][]string
	changed  []bool // SourcePasswordChanged's fromConsole
}

// fakeSource keeps the console's source password in memory.
type fakeSource struct{ console *string }

func (f *fakeSource) Set(_ context.Context, pw string) error { f.console = &pw; return nil }
func (f *fakeSource) Reset(context.Context) error            { f.console = nil; return nil }
func (f *fakeSource) FromConsole() bool                      { return f.console != nil }

func newFakeLive() *fakeLive {
	return &fakeLive{listings: map[string]Listing{}, dirs: map[string][]string{}}
}

func (f *fakeLive) SetLimits(l Limits)                    { f.limits = append(f.limits, l) }
func (f *fakeLive) SetListing(id string, l Listing)       { f.listings[id] = l }
func (f *fakeLive) SetMediaDirs(id string, dirs []string) { f.dirs[id] = dirs }
func (f *fakeLive) SourcePasswordChanged(console bool)    { f.changed = append(f.changed, console) }

// fixture is a Manager over a store in a temporary folder, with a base
// config of two stations: main as in the defaults, and jazz from a file.
type fixture struct {
	db   *store.Store
	base config.Config
	env  map[string]string
	live *fakeLive
	src  *fakeSource
	m    *Manager
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	base := config.Default()
	base.MaxListeners = 50 // as a file would set it
	jazz := config.DefaultStation()
	jazz.ID, jazz.Name, jazz.Mount, jazz.LiveMount, jazz.MediaDirs = "jazz", "Jazz FM", "/jazz", "", []string{"/srv/jazz"}
	jazz.MP3Quality, jazz.Resampler = 7, config.ResamplerFast
	jazz.Outputs = []config.Output{{Mount: "/jazz-64.mp3", Codec: config.CodecMP3, Bitrate: 64},
		{Mount: "/jazz-48k.mp3", Codec: config.CodecMP3, Bitrate: 128, SampleRate: 48000}}
	base.Stations = append(base.Stations, jazz)
	f := &fixture{db: db, base: base, env: map[string]string{}, live: newFakeLive(), src: &fakeSource{}}
	f.m = f.open(t)
	return f
}

// open makes a Manager over the fixture's store, as a restart would, and
// subscribes the fixture's fakeLive to it.
func (f *fixture) open(t *testing.T) *Manager {
	t.Helper()
	m, err := Open(context.Background(), NewStore(f.db), Options{
		Base: f.base, Getenv: func(k string) string { return f.env[k] }, SourcePassword: f.src,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Subscribe(f.live))
	return m
}

// patch decodes body and applies it.
func (f *fixture) patch(t *testing.T, body string) (View, error) {
	t.Helper()
	p, err := DecodePatch(strings.NewReader(body))
	if err != nil {
		return View{}, err
	}
	return f.m.Patch(context.Background(), p)
}

// problems returns the messages of an *Invalid, failing on other errors.
func problems(t *testing.T, err error) map[string]string {
	t.Helper()
	var inv *Invalid
	if !errors.As(err, &inv) || !errors.Is(err, ErrInvalid) {
		t.Fatalf("error %v (%T), want an *Invalid wrapping ErrInvalid", err, err)
	}
	out := map[string]string{}
	for _, p := range inv.Problems {
		out[p.Key] = p.Msg
	}
	return out
}

func TestViewSources(t *testing.T) {
	f := newFixture(t)
	f.env[config.EnvListen] = ":9000"
	f.base.Listen = ":9000" // what ApplyEnv made of it
	f.m = f.open(t)
	v := f.m.View()
	for key, want := range map[string]Field{
		"listen":                 {Value: ":9000", Source: FromEnv, Restart: true, Env: config.EnvListen},
		"data_dir":               {Value: "./onair-data", Source: FromDefault, Restart: true, Env: config.EnvData},
		"shoutcast_port":         {Value: "auto", Source: FromDefault, Restart: true},
		"max_listeners":          {Value: 50, Source: FromFile},
		"max_connections_per_ip": {Value: 64, Source: FromDefault},
		"max_bandwidth_kbps":     {Value: 0, Source: FromDefault},
	} {
		if got := v.Server[key]; !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %+v, want %+v", key, got, want)
		}
	}
	pw := v.Server["source_password"]
	if pw.Value != nil || pw.Set == nil || !*pw.Set || pw.Source != FromGenerated || pw.Restart {
		t.Errorf("source_password: %+v, want set, generated, no value", pw)
	}
	if len(v.Stations) != 2 || v.Stations[0].ID != "main" || v.Stations[1].ID != "jazz" {
		t.Fatalf("stations %+v", v.Stations)
	}
	main, jazz := v.Stations[0].Settings, v.Stations[1].Settings
	if got := main["name"]; got.Value != "OnAir Radio" || got.Source != FromDefault || got.Restart {
		t.Errorf("main name: %+v", got)
	}
	if got := jazz["name"]; got.Value != "Jazz FM" || got.Source != FromFile {
		t.Errorf("jazz name: %+v", got)
	}
	if got := jazz["mount"]; got.Value != "/jazz" || got.Source != FromFile || !got.Restart {
		t.Errorf("jazz mount: %+v", got)
	}
	// The encoder and resampler settings a small machine needs are shown
	// with where they come from.
	for key, want := range map[string]any{"mp3_quality": 7, "resampler": "fast"} {
		if got := jazz[key]; got.Value != want || got.Source != FromFile || !got.Restart {
			t.Errorf("jazz %s: %+v, want %v from the file", key, got, want)
		}
	}
	if got := main["mp3_quality"]; got.Value != 5 || got.Source != FromDefault {
		t.Errorf("main mp3_quality: %+v", got)
	}
	// Outputs are listed, restart-only; none is an empty list.
	wantOuts := []string{"/jazz-64.mp3 (mp3, 64 kbps)", "/jazz-48k.mp3 (mp3, 128 kbps, 48000 Hz)"}
	if got := jazz["outputs"]; !reflect.DeepEqual(got.Value, wantOuts) || got.Source != FromFile || !got.Restart {
		t.Errorf("jazz outputs: %+v, want %q from the file", got, wantOuts)
	}
	if got := main["outputs"]; !reflect.DeepEqual(got.Value, []string{}) || got.Source != FromDefault {
		t.Errorf("main outputs: %+v, want none by default", got)
	}
	// Relative folders are shown as the library reads them.
	wd, _ := os.Getwd()
	if got := main["media_dirs"].Value; !reflect.DeepEqual(got, []string{filepath.Join(wd, "music")}) {
		t.Errorf("main media_dirs shown as %v", got)
	}
	// The answer is JSON with lists, never null.
	b, _ := json.Marshal(v)
	if !strings.Contains(string(b), `"trusted_proxies":{"value":[]`) {
		t.Errorf("trusted_proxies in JSON: %s", b)
	}
	// A reload applies the trusted proxies; the address needs a restart.
	if v.Server["trusted_proxies"].Restart || !v.Server["listen"].Restart {
		t.Errorf("restart flags: trusted_proxies %v, listen %v", v.Server["trusted_proxies"].Restart, v.Server["listen"].Restart)
	}
}

func TestPatchAppliesSavesAndSurvivesARestart(t *testing.T) {
	f := newFixture(t)
	music := t.TempDir()
	v, err := f.patch(t, `{"max_listeners": 7, "max_bandwidth_kbps": 512,
		"stations": {"main": {"name": "Night Owl", "description": "After hours", "media_dirs": ["`+music+`/sub/.."]}}}`)
	if err != nil {
		t.Fatal(err)
	}
	if got := v.Server["max_listeners"]; got.Value != 7 || got.Source != FromConsole {
		t.Errorf("max_listeners after PATCH: %+v", got)
	}
	if got := v.Server["max_connections_per_ip"]; got.Value != 64 || got.Source != FromDefault {
		t.Errorf("max_connections_per_ip, not in the PATCH: %+v", got)
	}
	wantLimits := Limits{MaxListeners: 7, MaxBandwidthKbps: 512, MaxConnectionsPerIP: 64}
	if !slices.Equal(f.live.limits, []Limits{wantLimits}) {
		t.Errorf("limits applied: %+v, want %+v", f.live.limits, wantLimits)
	}
	if got := f.live.listings["main"]; got != (Listing{Name: "Night Owl", Description: "After hours", Genre: "Various"}) {
		t.Errorf("main's listing applied: %+v", got)
	}
	if _, ok := f.live.listings["jazz"]; ok {
		t.Error("jazz's listing applied, though it did not change")
	}
	if got := f.live.dirs["main"]; !slices.Equal(got, []string{music}) {
		t.Errorf("main's folders applied: %q, want [%s] (cleaned)", got, music)
	}
	if len(f.live.changed) != 0 {
		t.Error("source password applied, though not in the PATCH")
	}

	// A restart (a new Manager over the same store) starts with them.
	cfg := f.open(t).Config()
	if cfg.MaxListeners != 7 || cfg.MaxBandwidthKbps != 512 || cfg.Stations[0].Name != "Night Owl" ||
		!slices.Equal(cfg.Stations[0].MediaDirs, []string{music}) || cfg.Stations[1].Name != "Jazz FM" {
		t.Errorf("config after a restart: %+v", cfg)
	}
	if f.base.Stations[0].Name != "OnAir Radio" {
		t.Error("Config changed the base it was given")
	}

	// null goes back to the file's value.
	f.live = newFakeLive()
	f.m = f.open(t)
	v, err = f.patch(t, `{"max_listeners": null, "stations": {"main": {"name": null}}}`)
	if err != nil {
		t.Fatal(err)
	}
	if got := v.Server["max_listeners"]; got.Value != 50 || got.Source != FromFile {
		t.Errorf("max_listeners after null: %+v", got)
	}
	if got := v.Stations[0].Settings["name"]; got.Value != "OnAir Radio" || got.Source != FromDefault {
		t.Errorf("name after null: %+v", got)
	}
	if got := v.Stations[0].Settings["description"]; got.Value != "After hours" || got.Source != FromConsole {
		t.Errorf("description, still saved: %+v", got)
	}
	if got := f.live.listings["main"].Name; got != "OnAir Radio" {
		t.Errorf("name applied after null: %q", got)
	}
}

func TestPatchRefusesAndChangesNothing(t *testing.T) {
	f := newFixture(t)
	file := filepath.Join(t.TempDir(), "song.mp3")
	os.WriteFile(file, []byte("x"), 0o644)
	_, err := f.patch(t, `{"max_listeners": -1, "max_connections_per_ip": 5, "source_password": "short",
		"stations": {"main": {"name": " ", "url": "ftp://x", "description": "two\nlines",
			"media_dirs": ["music", "/no/such/folder", "`+file+`"]}, "nope": {"name": "x"}}}`)
	got := problems(t, err)
	for key, want := range map[string]string{
		"max_listeners":             "'max_listeners' must be between 0 (no limit) and 1000000",
		"source_password":           "'source_password' must have at least 8 characters",
		"stations.main.name":        "station main: 'name' must not be empty",
		"stations.main.url":         `station main: 'url' must be an http:// or https:// address such as https://radio.example.org, not "ftp://x"`,
		"stations.main.description": "station main: 'description' must not contain line breaks or other control characters",
		"stations.main.media_dirs":  "station main: 'media_dirs' ",
		"stations.nope":             `there is no station "nope"`,
	} {
		if !strings.HasPrefix(got[key], want) {
			t.Errorf("%s: %q, want %q", key, got[key], want)
		}
	}
	msg := err.Error()
	for _, want := range []string{`"music" must be an absolute path`, `"/no/such/folder" does not exist`, `is not a folder`} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	if _, ok := got["max_connections_per_ip"]; ok {
		t.Error("a good value was refused")
	}
	// Nothing was applied or saved, the good value neither.
	if len(f.live.limits)+len(f.live.listings)+len(f.live.dirs)+len(f.live.changed) != 0 {
		t.Errorf("applied after a refusal: %+v", f.live)
	}
	if v := f.open(t).View(); v.Server["max_connections_per_ip"].Source != FromDefault {
		t.Errorf("saved after a refusal: %+v", v.Server["max_connections_per_ip"])
	}
}

func TestDecodePatchRefusesUnknownAndRestartOnlyKeys(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{`{"listen": ":9000"}`, "'listen' takes effect on restart: change it in the config file or ONAIR_LISTEN"},
		{`{"tls_cert": "/x"}`, "'tls_cert' takes effect on restart: change it in the config file"},
		{`{"max_listener": 5}`, "unknown setting 'max_listener'"},
		{`{"stations": {"main": {"bitrate": 192}}}`, "station main: 'bitrate' takes effect on restart: change it in the config file"},
		{`{"stations": {"main": {"colour": "red"}}}`, "station main: unknown setting 'colour'"},
		{`{"max_listeners": 2.5}`, "'max_listeners' must be a whole number"},
		{`{"max_listeners": "5"}`, "'max_listeners' must be a whole number"},
		{`{"stations": {"main": {"media_dirs": "/srv"}}}`, "station main: 'media_dirs' must be a list of folders"},
		{`{"stations": []}`, "'stations' must be an object"},
		{`[1]`, "the body must be a JSON object"},
		{``, "the body must be a JSON object"},
		{`{} {}`, "the body must be one JSON object"},
	} {
		_, err := DecodePatch(strings.NewReader(tc.body))
		if err == nil || !errors.Is(err, ErrInvalid) || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.body, err, tc.want)
		}
	}
}

func TestSourcePassword(t *testing.T) {
	f := newFixture(t)
	f.base.SourcePassword = "from-the-file"
	f.m = f.open(t)
	if f.src.FromConsole() {
		t.Fatal("a console password before any was saved")
	}
	v, err := f.patch(t, `{"source_password": "n3w-source-pw"}`)
	if err != nil {
		t.Fatal(err)
	}
	if got := v.Server["source_password"]; got.Source != FromConsole || got.Value != nil {
		t.Errorf("source_password after PATCH: %+v", got)
	}
	b, _ := json.Marshal(v)
	if strings.Contains(string(b), "n3w-source-pw") || strings.Contains(string(b), "$2a$") {
		t.Errorf("the answer shows the password or its hash: %s", b)
	}
	if !slices.Equal(f.live.changed, []bool{true}) || f.src.console == nil || *f.src.console != "n3w-source-pw" {
		t.Fatalf("set %v, told %v", f.src.console, f.live.changed)
	}
	v, err = f.patch(t, `{"source_password": null}`)
	if err != nil {
		t.Fatal(err)
	}
	if got := v.Server["source_password"]; got.Source != FromFile {
		t.Errorf("source_password after null: %+v", got)
	}
	if !slices.Equal(f.live.changed, []bool{true, false}) || f.src.FromConsole() {
		t.Errorf("after null: told %v", f.live.changed)
	}
	f.env[config.EnvSourcePassword] = "from-env"
	if got := f.open(t).View().Server["source_password"]; got.Source != FromEnv {
		t.Errorf("source_password with %s set: %+v", config.EnvSourcePassword, got)
	}
	for _, bad := range []string{" padded-password", "tab\tin-password", strings.Repeat("x", 73)} {
		body, _ := json.Marshal(map[string]string{"source_password": bad})
		if _, err := f.patch(t, string(body)); !errors.Is(err, ErrInvalid) {
			t.Errorf("source password %q: %v, want refused", bad, err)
		}
	}
}

func TestStoreKeepsStationsNotConfigured(t *testing.T) {
	f := newFixture(t)
	name := "Old"
	if err := NewStore(f.db).Replace(context.Background(), Saved{Stations: map[string]SavedStation{"gone": {Name: &name}}}); err != nil {
		t.Fatal(err)
	}
	f.m = f.open(t)
	if _, err := f.patch(t, `{"max_listeners": 3}`); err != nil {
		t.Fatal(err)
	}
	sv, err := NewStore(f.db).Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := sv.Stations["gone"].Name; got == nil || *got != "Old" || sv.MaxListeners == nil || *sv.MaxListeners != 3 {
		t.Errorf("saved after a PATCH: %+v", sv)
	}
}

// TestRebaseKeepsTheConsoleWinning: a reloaded file's values apply where
// the console saved nothing, the console's stay where it did, and the
// subscribers hear of what changed in force only.
func TestRebaseKeepsTheConsoleWinning(t *testing.T) {
	f := newFixture(t)
	if _, err := f.patch(t, `{"max_listeners": 7, "stations": {"main": {"name": "Night Owl"}}}`); err != nil {
		t.Fatal(err)
	}
	f.live = newFakeLive()
	f.m.Subscribe(f.live)

	next := f.base
	next.Stations = slices.Clone(f.base.Stations)
	next.MaxListeners = 80                  // the console's 7 wins
	next.MaxConnectionsPerIP = 3            // the console saved none: applies
	next.Stations[0].Name = "From The File" // the console's name wins
	next.Stations[0].Description = "New description"
	next.Stations[1].MediaDirs = []string{"/srv/more-jazz"}
	cfg := f.m.Rebase(next)

	if cfg.MaxListeners != 7 || cfg.MaxConnectionsPerIP != 3 || cfg.Stations[0].Name != "Night Owl" ||
		cfg.Stations[0].Description != "New description" || !slices.Equal(cfg.Stations[1].MediaDirs, []string{"/srv/more-jazz"}) {
		t.Errorf("settings in force after the reload: %+v", cfg)
	}
	if want := []Limits{{MaxListeners: 7, MaxConnectionsPerIP: 3}}; !slices.Equal(f.live.limits, want) {
		t.Errorf("limits applied: %+v, want %+v", f.live.limits, want)
	}
	if got := f.live.listings["main"]; got.Name != "Night Owl" || got.Description != "New description" {
		t.Errorf("main's listing applied: %+v", got)
	}
	if _, ok := f.live.listings["jazz"]; ok {
		t.Error("jazz's listing applied, though it did not change")
	}
	if got := f.live.dirs["jazz"]; !slices.Equal(got, []string{"/srv/more-jazz"}) {
		t.Errorf("jazz's folders applied: %q", got)
	}
	v := f.m.View()
	if got := v.Server["max_connections_per_ip"]; got.Value != 3 || got.Source != FromFile {
		t.Errorf("the view after the reload: max_connections_per_ip %+v", got)
	}

	// Resetting the console's value now falls back to the reloaded file's.
	if _, err := f.patch(t, `{"max_listeners": null}`); err != nil {
		t.Fatal(err)
	}
	if got := f.m.Config().MaxListeners; got != 80 {
		t.Errorf("max_listeners after the console's reset: %d, want the reloaded file's 80", got)
	}
}
