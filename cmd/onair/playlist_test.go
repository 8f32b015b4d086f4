package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"onair/internal/testaudio"
	"onair/internal/testenv"
)

// sendJSON sends body as JSON with the admin's credentials and decodes
// the answer into v, returning the status.
func sendJSON(t *testing.T, method, url string, body, v any) int {
	t.Helper()
	code, err := sendJSONErr(method, url, body, v)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func sendJSONErr(method, url string, body, v any) (int, error) {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, url, bytes.NewReader(b))
	req.SetBasicAuth("admin", "adm1n")
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w", method, url, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w", method, url, err)
	}
	if v != nil {
		if err := json.Unmarshal(out, v); err != nil {
			return 0, fmt.Errorf("%s %s: %w in %s", method, url, err, out)
		}
	}
	return resp.StatusCode, nil
}

// makeTones writes short tagged MP3 tones, "Tone <freq>", into dir.
func makeTones(t *testing.T, dir string, seconds int, freqs ...int) {
	t.Helper()
	ffmpeg := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	for _, f := range freqs {
		out, err := exec.Command(ffmpeg, "-v", "error", "-f", "lavfi", "-i", fmt.Sprintf("sine=frequency=%d:duration=%d", f, seconds),
			"-ac", "2", "-c:a", "libmp3lame", "-b:a", "128k",
			"-metadata", "artist=Tester", "-metadata", fmt.Sprintf("title=Tone %d", f),
			filepath.Join(dir, fmt.Sprintf("tone%d.mp3", f))).CombinedOutput()
		if err != nil {
			t.Fatalf("ffmpeg: %v %s", err, out)
		}
	}
}

// listen records /stream for d (after the burst of past audio) and
// returns the tones heard, by 100 ms windows, among freqs.
func listen(t *testing.T, base string, d time.Duration, freqs []int) []int {
	t.Helper()
	resp, err := http.Get(base + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	// The burst is audio from before the request: drop what arrives at
	// once, keep what the station makes from now on.
	var audio []byte
	buf := make([]byte, 16<<10)
	start := time.Now()
	for time.Since(start) < d+time.Second {
		n, err := resp.Body.Read(buf)
		if time.Since(start) > time.Second {
			audio = append(audio, buf[:n]...)
		}
		if err != nil {
			t.Fatalf("stream: %v", err)
		}
	}
	pcm := decodeMono8k(t, audio)
	var heard []int
	const win = 800 // 100 ms at 8 kHz
	for i := 0; i+win <= len(pcm); i += win {
		best, level := 0, 0.0
		for _, f := range freqs {
			if l := testaudio.Level(pcm[i:i+win], 8000, float64(f)); l > level {
				best, level = f, l
			}
		}
		if level > 0.05 {
			heard = append(heard, best)
		}
	}
	return heard
}

// decodeMono8k decodes MP3 bytes with ffmpeg to mono samples at 8 kHz.
func decodeMono8k(t *testing.T, mp3 []byte) []float64 {
	t.Helper()
	ffmpeg := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	cmd := exec.Command(ffmpeg, "-v", "error", "-f", "mp3", "-i", "-", "-ac", "1", "-ar", "8000", "-f", "s16le", "-")
	cmd.Stdin = bytes.NewReader(mp3)
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("ffmpeg decode: %v", err)
	}
	return testaudio.DecodeS16LE(raw, 1)[0]
}

type libTrack struct {
	ID     int64
	Path   string
	Artist string
	Title  string
	Format string
	Error  string
}

type apiPlaylist struct {
	ID     int64
	Name   string
	Mode   string
	Active bool
	State  string
}

// TestPlaylistOnAir: over the API, a playlist of three of the library's
// six tones is made and started, and the station plays exactly those.
func TestPlaylistOnAir(t *testing.T) {
	music := t.TempDir()
	all := []int{400, 600, 900, 1300, 1900, 2700}
	makeTones(t, music, 2, all...)
	base := runBinary(t, fmt.Sprintf("stations:\n  - id: main\n    mount: /stream\n    crossfade_ms: 0\n    media_dirs: [%q]\n", music))

	var lib []libTrack
	if code := getJSON(t, "GET", base+"/api/library", &lib); code != 200 || len(lib) != len(all) {
		t.Fatalf("/api/library: %d %+v", code, lib)
	}
	var found []libTrack
	getJSON(t, "GET", base+"/api/library?q=tone+1300", &found)
	if len(found) != 1 || found[0].Title != "Tone 1300" || found[0].Artist != "Tester" || found[0].Format != "mp3" {
		t.Fatalf("search for tone 1300: %+v", found)
	}
	chosen := []int{600, 1300, 2700}
	var items []map[string]any
	for _, f := range chosen {
		for _, tr := range lib {
			if tr.Title == fmt.Sprintf("Tone %d", f) {
				items = append(items, map[string]any{"track_id": tr.ID, "weight": 10})
			}
		}
	}
	var pl apiPlaylist
	if code := sendJSON(t, "POST", base+"/api/playlists", map[string]any{"name": "Three tones", "mode": "looped"}, &pl); code != 201 || pl.ID == 0 {
		t.Fatalf("create playlist: %d %+v", code, pl)
	}
	if code := sendJSON(t, "PUT", fmt.Sprintf("%s/api/playlists/%d/items", base, pl.ID), items, nil); code != 200 {
		t.Fatalf("set items: %d", code)
	}
	if code := sendJSON(t, "POST", fmt.Sprintf("%s/api/playlists/%d/start", base, pl.ID), nil, &pl); code != 200 || !pl.Active || pl.State != "playing" {
		t.Fatalf("start: %d %+v", code, pl)
	}
	// The track on air and the one queued play out first.
	var np struct {
		Mount, Title, Playlist string
	}
	testenv.Poll(15*time.Second, func() bool {
		var nps []struct{ Mount, Title, Playlist string }
		getJSON(t, "GET", base+"/api/nowplaying", &nps)
		if len(nps) > 0 && nps[0].Playlist == "Three tones" {
			np = nps[0]
		}
		return np.Playlist == "Three tones"
	})
	if np.Playlist != "Three tones" {
		t.Fatal("nowplaying never named the playlist")
	}
	heard := listen(t, base, 7*time.Second, all)
	counts := map[int]int{}
	for _, f := range heard {
		counts[f]++
	}
	for f, n := range counts {
		if !slices.Contains(chosen, f) && n > 1 { // a window may straddle a join
			t.Errorf("heard %d Hz (%d windows), not in the playlist", f, n)
		}
	}
	for _, f := range chosen {
		if counts[f] < 5 {
			t.Errorf("heard %d Hz in only %d windows of 100 ms", f, counts[f])
		}
	}

	// The plays are in the history, with the playlist, in the API and on
	// /played.html; the history is public.
	resp, err := http.Get(base + "/api/history?station=main&limit=5")
	if err != nil {
		t.Fatal(err)
	}
	var hist []struct {
		Title      string
		PlaylistID int64 `json:"playlist_id"`
		TrackID    int64 `json:"track_id"`
	}
	json.NewDecoder(resp.Body).Decode(&hist)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(hist) < 2 || hist[0].PlaylistID != pl.ID || hist[0].TrackID == 0 {
		t.Fatalf("/api/history without credentials: %d %+v", resp.StatusCode, hist)
	}
	resp, err = http.Get(base + "/played.html")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "Tester - "+hist[0].Title) {
		t.Errorf("/played.html does not show %q:\n%s", hist[0].Title, page)
	}

	// Stopped, the station goes back to the whole library.
	if code := sendJSON(t, "POST", fmt.Sprintf("%s/api/playlists/%d/stop", base, pl.ID), nil, &pl); code != 200 || pl.Active || pl.State != "stopped" {
		t.Fatalf("stop: %d %+v", code, pl)
	}
}

func TestPlaylistAPIErrors(t *testing.T) {
	music := t.TempDir()
	base := runBinary(t, fmt.Sprintf("stations:\n  - id: main\n    mount: /stream\n    media_dirs: [%q]\n", music))
	var e struct{ Error string }
	for _, c := range []struct {
		method, path string
		body         any
		code         int
	}{
		{"POST", "/api/playlists", map[string]any{"mode": "looped"}, 400},               // no name
		{"POST", "/api/playlists", map[string]any{"name": "x", "mode": "random"}, 400},  // bad mode
		{"POST", "/api/playlists", map[string]any{"name": "x", "wieght": 3}, 400},       // unknown field
		{"POST", "/api/playlists", map[string]any{"name": "x", "station": "nope"}, 400}, // unknown station
		{"GET", "/api/playlists/999", nil, 404},                                         //
		{"GET", "/api/playlists/abc", nil, 400},                                         //
		{"PUT", "/api/playlists/999/items", []map[string]any{}, 404},                    //
		{"DELETE", "/api/playlists/999", nil, 404},                                      //
		{"GET", "/api/library/999", nil, 404},                                           //
	} {
		e.Error = ""
		if code := sendJSON(t, c.method, base+c.path, c.body, &e); code != c.code || e.Error == "" {
			t.Errorf("%s %s: %d %q, want %d with an error", c.method, c.path, code, e.Error, c.code)
		}
	}
	// Anonymous requests are refused everywhere but the public routes.
	for _, p := range []string{"/api/playlists", "/api/library", "/api/stations"} {
		resp, err := http.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("anonymous GET %s: %d", p, resp.StatusCode)
		}
	}
}

// upload posts a file as the multipart field "file".
func upload(t *testing.T, base, name string, content []byte) (int, []byte) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest("POST", base+"/api/library/upload", &body)
	req.SetBasicAuth("admin", "adm1n")
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestUploadThroughAPI: uploads land in the media folder, in the
// library, and nothing else gets in.
func TestUploadThroughAPI(t *testing.T) {
	src := t.TempDir()
	makeTones(t, src, 3, 500)
	mp3, err := os.ReadFile(filepath.Join(src, "tone500.mp3"))
	if err != nil {
		t.Fatal(err)
	}
	music := t.TempDir()
	base := runBinary(t, fmt.Sprintf("max_upload_mb: 1\nstations:\n  - id: main\n    mount: /stream\n    media_dirs: [%q]\n", music))

	code, body := upload(t, base, "My Song.mp3", mp3)
	var tr libTrack
	json.Unmarshal(body, &tr)
	if code != 201 || tr.ID == 0 || tr.Title != "Tone 500" || filepath.Dir(tr.Path) != music {
		t.Fatalf("valid upload: %d %s", code, body)
	}
	var lib []libTrack
	getJSON(t, "GET", base+"/api/library", &lib)
	if len(lib) != 1 || lib[0].ID != tr.ID {
		t.Fatalf("library after upload: %+v", lib)
	}

	code, body = upload(t, base, "fake.mp3", bytes.Repeat([]byte("this is text, not audio\n"), 200))
	if code != 400 || !strings.Contains(string(body), "error") {
		t.Errorf("text named .mp3: %d %s", code, body)
	}
	code, body = upload(t, base, "../../etc/passwd", mp3)
	json.Unmarshal(body, &tr)
	if code != 201 || filepath.Dir(tr.Path) != music || strings.Contains(filepath.Base(tr.Path), "..") {
		t.Errorf("a path in the name: %d %s", code, body)
	}
	code, body = upload(t, base, "big.mp3", bytes.Repeat(mp3, 1+(3<<20)/len(mp3)))
	if code != 413 {
		t.Errorf("3 MiB over a 1 MiB limit: %d %s", code, body)
	}
	entries, _ := os.ReadDir(music)
	if len(entries) != 2 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("media folder holds %v, want the two good uploads", names)
	}
}
