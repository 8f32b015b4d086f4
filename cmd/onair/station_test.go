package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"onair/internal/testenv"
)

// runBinary starts onair with config yaml (listen and data_dir added) and
// returns its base URL.
func runBinary(t *testing.T, yaml string) string {
	t.Helper()
	_, base := startAt(t, buildBinary(t), t.TempDir(), yaml)
	return base
}

// getJSON fetches url as the admin into v, returning the status.
func getJSON(t *testing.T, method, url string, v any) int {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	req.SetBasicAuth("admin", "adm1n")
	cl := &http.Client{Timeout: 5 * time.Second}
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s %s: %v in %s", method, url, err, b)
		}
	}
	return resp.StatusCode
}

// nowPlaying is an entry of /api/nowplaying.
type nowPlaying struct {
	Station, Mount, Title, Artist string
	Live                          bool
	StartedAt                     time.Time `json:"started_at"`
	DurationMS                    int64     `json:"duration_ms"`
}

type stationInfo struct {
	ID, Encoder string
	OnAir       bool `json:"on_air"`
	Problems    []string
}

// statusTitle is /status-json.xsl's title for /stream.
func statusTitle(t *testing.T, base string) string {
	var st struct {
		Icestats struct {
			Source []struct {
				Listenurl, Title string
			}
		}
	}
	getJSON(t, "GET", base+"/status-json.xsl", &st)
	for _, s := range st.Icestats.Source {
		if strings.HasSuffix(s.Listenurl, "/stream") {
			return s.Title
		}
	}
	return ""
}

// stationNow is /api/nowplaying's entry for /stream.
func stationNow(t *testing.T, base string) nowPlaying {
	t.Helper()
	var nps []nowPlaying
	getJSON(t, "GET", base+"/api/nowplaying", &nps)
	for _, np := range nps {
		if np.Mount == "/stream" {
			return np
		}
	}
	t.Fatalf("/stream not in /api/nowplaying: %+v", nps)
	return nowPlaying{}
}

func TestAutoDJStationAPI(t *testing.T) {
	ffmpeg := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	music := t.TempDir()
	for i, f := range []int{440, 880} {
		out, err := exec.Command(ffmpeg, "-v", "error", "-f", "lavfi", "-i", fmt.Sprintf("sine=frequency=%d:duration=30", f),
			"-ac", "2", "-c:a", "libmp3lame", "-b:a", "128k",
			"-metadata", fmt.Sprintf("artist=Artist %d", i), "-metadata", fmt.Sprintf("title=Song %d", i),
			filepath.Join(music, fmt.Sprintf("t%d.mp3", i))).CombinedOutput()
		if err != nil {
			t.Fatalf("ffmpeg: %v %s", err, out)
		}
	}
	base := runBinary(t, fmt.Sprintf("stations:\n  - id: main\n    mount: /stream\n    crossfade_ms: 500\n    media_dirs: [%q]\n", music))

	// A player gets MP3 at once.
	resp, err := http.Get(base + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 4096)
	_, err = io.ReadFull(resp.Body, head)
	resp.Body.Close()
	if err != nil || resp.Header.Get("Content-Type") != "audio/mpeg" || resp.Header.Get("icy-br") != "128" {
		t.Fatalf("/stream: %v %v", err, resp.Header)
	}

	var infos []stationInfo
	if code := getJSON(t, "GET", base+"/api/stations", &infos); code != 200 || len(infos) != 1 || !infos[0].OnAir || infos[0].ID != "main" {
		t.Fatalf("/api/stations: %d %+v", code, infos)
	}
	if !strings.HasPrefix(infos[0].Encoder, "lame") {
		t.Errorf("encoder %q: LAME is installed, auto should pick it", infos[0].Encoder)
	}

	// /api/nowplaying and /status-json.xsl agree.
	var np nowPlaying
	testenv.Poll(20*time.Second, func() bool { np = stationNow(t, base); return np.Title != "" })
	if !strings.HasPrefix(np.Title, "Song ") || !strings.HasPrefix(np.Artist, "Artist ") || np.Station != "main" || np.DurationMS < 29000 || np.DurationMS > 31000 {
		t.Fatalf("nowplaying %+v", np)
	}
	if st := statusTitle(t, base); st != np.Artist+" - "+np.Title {
		t.Errorf("status-json title %q, nowplaying %q - %q", st, np.Artist, np.Title)
	}

	// Skip crossfades to the other track.
	if code := getJSON(t, "POST", base+"/api/stations/main/skip", nil); code != 200 {
		t.Fatalf("skip: %d", code)
	}
	var after nowPlaying
	if !testenv.Poll(20*time.Second, func() bool { after = stationNow(t, base); return after.Title != np.Title }) {
		t.Errorf("still %q 20 s after a skip", np.Title)
	}
	var e struct{ Error string }
	if code := getJSON(t, "POST", base+"/api/stations/nope/skip", &e); code != 404 || e.Error == "" {
		t.Errorf("skip of an unknown station: %d %+v", code, e)
	}

	// The station's mount is its own: sources are refused there.
	req, _ := http.NewRequest("PUT", base+"/stream", strings.NewReader(""))
	req.SetBasicAuth("source", "s0urce")
	req.Header.Set("Content-Type", "audio/mpeg")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		if resp.StatusCode != 403 {
			t.Errorf("source PUT to the station's mount: %d, want 403", resp.StatusCode)
		}
	}
}

func TestAutoDJWithNothingToPlay(t *testing.T) {
	music := filepath.Join(t.TempDir(), "music")
	os.Mkdir(music, 0o755)
	os.WriteFile(filepath.Join(music, "broken.mp3"), []byte(strings.Repeat("junk", 1000)), 0o644)
	base := runBinary(t, fmt.Sprintf("stations:\n  - id: main\n    mount: /stream\n    media_dirs: [%q]\n", music))

	want := "OnAir: add music to " + music
	var title string
	testenv.Poll(20*time.Second, func() bool { title = statusTitle(t, base); return title == want })
	if title != want {
		t.Fatalf("title %q, want %q", title, want)
	}
	// Listeners get (silent) audio all the same.
	resp, err := http.Get(base + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 8192)
	_, err = io.ReadFull(resp.Body, buf)
	resp.Body.Close()
	if err != nil || buf[0] != 0xFF {
		t.Fatalf("silence stream: %v % x", err, buf[:4])
	}
	var infos []stationInfo
	getJSON(t, "GET", base+"/api/stations", &infos)
	probs := strings.Join(infos[0].Problems, "\n")
	if !strings.Contains(probs, "broken.mp3") || !strings.Contains(probs, "no playable files") {
		t.Errorf("problems %q", probs)
	}
}
