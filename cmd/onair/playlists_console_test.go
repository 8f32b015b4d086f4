//go:build unix

package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"onair/internal/testenv"
)

// playlistsConsoleResult is the JSON line e2e/playlists.mjs prints.
type playlistsConsoleResult struct {
	OK     bool     `json:"ok"`
	Error  string   `json:"error"`
	Steps  []string `json:"steps"`
	Empty  struct{ State, Problem string }
	Broken struct {
		Badge, Why string
		AddButtons int
	}
	Uploads []struct {
		Name     string
		Progress float64
		Done     bool
		Result   string
	}
	Order   []string
	Weights []int
	State   string
	OnAir   string
	Title   string
	Console []string
}

// playlistsConsolePlaylist is GET /api/playlists/{id} as this test reads it.
type playlistsConsolePlaylist struct {
	ID          int64
	Name        string
	Mode        string
	Weight      int
	RepeatGuard int `json:"repeat_guard"`
	Active      bool
	State       string
	Items       []struct {
		TrackID int64 `json:"track_id"`
		Weight  int
		Track   libTrack
	}
}

// TestPlaylistsConsoleInABrowser: in headless Chromium, the admin uploads
// a good MP3 and a text file (and drops another) in the Library view, sees
// the broken file of the media folder flagged, sees an empty playlist
// started in error and deletes it, builds a playlist in the
// Playlists view (create, add from the library and from a search, weight,
// drag, move down, repeat guard), starts it and sees it playing and its
// track on air. The outcome is checked again through the API.
// ONAIR_E2E_SHOTS=/dir keeps screenshots.
func TestPlaylistsConsoleInABrowser(t *testing.T) {
	dir, node := testenv.E2EDir(t, "../..")
	music := t.TempDir()
	makeTones(t, music, 6, 500, 700, 900)
	broken := []byte(strings.Repeat("this was never audio\n", 100))
	if err := os.WriteFile(filepath.Join(music, "broken.mp3"), broken, 0o644); err != nil {
		t.Fatal(err)
	}
	src := t.TempDir()
	makeTones(t, src, 6, 1500)
	good := filepath.Join(src, "tone1500.mp3")
	bad := filepath.Join(src, "notes.mp3")
	if err := os.WriteFile(bad, bytes.Repeat([]byte("meeting notes, not a song\n"), 200), 0o644); err != nil {
		t.Fatal(err)
	}
	base := runBinary(t, fmt.Sprintf("stations:\n  - id: main\n    mount: /stream\n    crossfade_ms: 500\n    media_dirs: [%q]\n", music))

	var res playlistsConsoleResult
	err := testenv.RunScript(t, node, dir, "playlists.mjs", 120*time.Second, &res, base, "admin", "adm1n", good, bad)
	if err != nil || !res.OK {
		t.Fatalf("the playlists console test failed (exit %v): %s\nsteps %v\nconsole %q", err, res.Error, res.Steps, res.Console)
	}
	if want := []string{"login", "create and delete", "library", "drag", "tracks", "on air"}; !slices.Equal(res.Steps, want) {
		t.Errorf("steps %v, want %v", res.Steps, want)
	}

	if res.Empty.State != "error" || !strings.Contains(res.Empty.Problem, "empty") {
		t.Errorf("the empty playlist started showed %+v, want error saying it is empty", res.Empty)
	}

	// What the page showed, against what the server knows.
	var lib []libTrack
	getJSON(t, "GET", base+"/api/library", &lib)
	var brokenTrack, uploaded libTrack
	for _, tr := range lib {
		switch {
		case filepath.Base(tr.Path) == "broken.mp3":
			brokenTrack = tr
		case tr.Title == "Tone 1500":
			uploaded = tr
		case strings.Contains(tr.Path, "notes") || strings.Contains(tr.Path, "dropped"):
			t.Errorf("a refused upload is in the library: %+v", tr)
		}
	}
	if brokenTrack.Error == "" {
		t.Fatalf("broken.mp3 is not in the library with an error: %+v", lib)
	}
	if res.Broken.Badge == "" || res.Broken.Why != brokenTrack.Error || res.Broken.AddButtons != 0 {
		t.Errorf("the broken file showed as %+v, want a badge, the error %q and no Add to playlist", res.Broken, brokenTrack.Error)
	}
	if uploaded.ID == 0 || filepath.Dir(uploaded.Path) != music {
		t.Fatalf("the uploaded MP3 is not in the media folder's library: %+v", uploaded)
	}
	if len(res.Uploads) != 3 {
		t.Fatalf("uploads shown: %+v", res.Uploads)
	}
	if u := res.Uploads[0]; !u.Done || u.Progress != 1 || !strings.Contains(u.Result, "Added") || !strings.Contains(u.Result, "Tone 1500") {
		t.Errorf("good upload shown as %+v", u)
	}
	for _, u := range res.Uploads[1:] {
		if u.Done || !strings.HasPrefix(u.Result, "Refused: ") || !strings.Contains(u.Result, "not an MP3 or Ogg Vorbis file") {
			t.Errorf("bad upload %s shown as %+v, want the server's refusal", u.Name, u)
		}
	}

	// The playlist as the server has it: Scratch is gone; Evening Mix
	// holds the three tracks in the order the drag and the ↓ button made,
	// with the weight set, and plays.
	var list []playlistsConsolePlaylist
	getJSON(t, "GET", base+"/api/playlists", &list)
	if len(list) != 1 || list[0].Name != "Evening Mix" {
		t.Fatalf("playlists %+v, want Evening Mix alone", list)
	}
	var pl playlistsConsolePlaylist
	getJSON(t, "GET", fmt.Sprintf("%s/api/playlists/%d", base, list[0].ID), &pl)
	if pl.Mode != "looped" || pl.Weight != 7 || pl.RepeatGuard != 1 || !pl.Active || pl.State != "playing" {
		t.Errorf("playlist %+v, want looped, weight 7, repeat guard 1, active and playing", pl)
	}
	var order []string
	var weights []int
	for _, it := range pl.Items {
		order = append(order, it.Track.Title)
		weights = append(weights, it.Weight)
	}
	if want := []string{"Tone 900", "Tone 700", "Tone 1500"}; !slices.Equal(order, want) {
		t.Errorf("items %v, want %v", order, want)
	}
	if want := []int{10, 10, 3}; !slices.Equal(weights, want) {
		t.Errorf("weights %v, want %v", weights, want)
	}
	if len(pl.Items) == 3 && pl.Items[2].TrackID != uploaded.ID {
		t.Errorf("last item is track %d, want the upload %d", pl.Items[2].TrackID, uploaded.ID)
	}
	if res.State != "playing" || !strings.Contains(res.OnAir, "Evening Mix") || !slices.ContainsFunc(order, func(s string) bool { return strings.HasSuffix(res.Title, s) }) {
		t.Errorf("page showed state %q, on air %q, title %q", res.State, res.OnAir, res.Title)
	}
	var nps []struct{ Title, Playlist string }
	getJSON(t, "GET", base+"/api/nowplaying", &nps)
	if len(nps) != 1 || nps[0].Playlist != "Evening Mix" || !slices.Contains(order, nps[0].Title) {
		t.Errorf("now playing %+v, want a track of Evening Mix", nps)
	}

	// The refused uploads answer 400, which the browser logs; nothing
	// else may go wrong.
	refused := 0
	for _, line := range res.Console {
		switch {
		case strings.Contains(line, "status of 401"): // the session asked for before logging in
		case strings.Contains(line, "status of 400"):
			refused++
		case strings.HasPrefix(line, "pageerror"), strings.HasPrefix(line, "error"):
			t.Errorf("browser console: %s", line)
		}
	}
	if refused > 2 {
		t.Errorf("%d requests answered 400, want the 2 refused uploads: %q", refused, res.Console)
	}
	if d := os.Getenv("ONAIR_E2E_SHOTS"); d != "" {
		t.Logf("screenshots in %s", d)
	}
}
