//go:build unix

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"onair/internal/testenv"
)

// xssTitle is markup that runs script wherever a title is parsed as HTML.
const xssTitle = "<img src=x onerror=alert(1)>"

// publicStation starts the binary with one station, "Tone FM", that plays
// two 8 s files in turn: "Tester - Tone 500" and one titled xssTitle.
// Its live mount is /live.
func publicStation(t *testing.T) string {
	t.Helper()
	music := t.TempDir()
	makeTones(t, music, 8, 500)
	ffmpeg := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	out, err := exec.Command(ffmpeg, "-v", "error", "-f", "lavfi", "-i", "sine=frequency=700:duration=8",
		"-ac", "2", "-c:a", "libmp3lame", "-b:a", "128k", "-metadata", "title="+xssTitle,
		filepath.Join(music, "xss.mp3")).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v %s", err, out)
	}
	return runBinary(t, fmt.Sprintf("stations:\n  - id: main\n    name: \"Tone FM\"\n    description: \"Sines & <tones>, all day\"\n"+
		"    mount: /stream\n    live_mount: /live\n    crossfade_ms: 500\n    media_dirs: [%q]\n"+
		// An output, which the page must not show as a station of its
		// own.
		"    outputs: [{mount: /a-low.mp3, codec: mp3, bitrate: 128, sample_rate: 48000}]\n", music))
}

// publicResult is the JSON line e2e/public.mjs prints.
type publicResult struct {
	OK    bool     `json:"ok"`
	Error string   `json:"error"`
	Steps []string `json:"steps"`
	Page  struct {
		Status                             int
		ContentType, CSP                   string
		Name, Description, Title, Pls, M3u string
		Cards                              int
		Playlists                          struct {
			Pls, M3u struct {
				Status int
				Body   string
			}
		}
	} `json:"page"`
	Listen struct {
		StartTitle, ChangedTo string
		AtThree, AfterChange  audioState
		Pressed               string
		SrcKept               bool
	} `json:"listen"`
	XSS struct {
		Title        string
		Imgs, Markup int
		History      []string
	} `json:"xss"`
	Phone struct {
		ScrollWidth float64
		Button      struct{ Left, Right float64 }
	} `json:"phone"`
	Stop struct {
		Pressed string
		Src     *string
	} `json:"stop"`
	Embed struct {
		Title, Name string
		Imgs        int
		CurrentTime float64
	} `json:"embed"`
	FramedRoot struct {
		URL     string
		Station bool
		Refused bool
	} `json:"framedRoot"`
	Console struct {
		Title string
		Imgs  int
	} `json:"console"`
	Live struct {
		Title, Artist string
		Live          bool
		Imgs, Markup  int
	} `json:"live"`
	Dialogs        []string `json:"dialogs"`
	BrowserConsole []string `json:"browserConsole"`
}

type audioState struct {
	Src         *string
	CurrentTime float64
	Paused      bool
	Loads       *int
}

// TestPublicPageInABrowser: in headless Chromium, "/" shows the station's
// name, description and song; "Listen" plays the station in an <audio>
// element whose time advances past 3 s and which plays on through a title
// change on its one connection; a title of markup shows as that text
// there, in /embed framed by another site and in the console, with no
// element made and no dialog; the page fits a phone; another site may
// frame /embed but not "/"; and a live DJ shows as Live with the DJ's
// title. ONAIR_E2E_SHOTS=/dir keeps screenshots.
func TestPublicPageInABrowser(t *testing.T) {
	dir, node := testenv.E2EDir(t, "../..")
	base := publicStation(t)

	var res publicResult
	err := testenv.RunScript(t, node, dir, "public.mjs", 120*time.Second, &res, base, "onair", "admin", "adm1n", xssTitle)
	if err != nil || !res.OK {
		t.Fatalf("the public page test failed (exit %v): %s\nsteps %v\nconsole %q", err, res.Error, res.Steps, res.BrowserConsole)
	}
	// Checked again here, so that a script that says ok without checking
	// fails the test.
	p := res.Page
	if p.Status != 200 || !strings.HasPrefix(p.ContentType, "text/html") || !strings.Contains(p.CSP, "frame-ancestors 'none'") {
		t.Errorf("GET / in a browser: %d %q, CSP %q", p.Status, p.ContentType, p.CSP)
	}
	if p.Cards != 1 {
		t.Errorf("the page shows %d station cards for one station with an output, want 1", p.Cards)
	}
	if p.Name != "Tone FM" || p.Description != "Sines & <tones>, all day" || p.Title == "" {
		t.Errorf("the page shows name %q, description %q, title %q", p.Name, p.Description, p.Title)
	}
	if p.Pls != "/stream.pls" || p.M3u != "/stream.m3u" || p.Playlists.Pls.Status != 200 || p.Playlists.M3u.Status != 200 ||
		!strings.Contains(p.Playlists.Pls.Body, "File1="+base+"/stream") || !strings.Contains(p.Playlists.M3u.Body, base+"/stream\n") {
		t.Errorf("player links %q %q: %+v", p.Pls, p.M3u, p.Playlists)
	}
	l := res.Listen
	if l.Pressed != "true" || l.AtThree.CurrentTime <= 3 || l.AtThree.Paused || l.AtThree.Src == nil ||
		!strings.HasPrefix(*l.AtThree.Src, "/stream?") {
		t.Errorf("after Listen: pressed %q, audio %+v", l.Pressed, l.AtThree)
	}
	if l.ChangedTo == l.StartTitle || !l.SrcKept || l.AfterChange.Paused || l.AfterChange.CurrentTime <= l.AtThree.CurrentTime+1 ||
		l.AfterChange.Loads == nil || *l.AfterChange.Loads != 1 {
		t.Errorf("through the title change %q -> %q: audio %+v, then %+v", l.StartTitle, l.ChangedTo, l.AtThree, l.AfterChange)
	}
	if res.XSS.Title != xssTitle || res.XSS.Imgs != 0 || res.XSS.Markup != 0 || len(res.Dialogs) != 0 {
		t.Errorf("the XSS title on the page: %q, %d <img>, %d elements in the title, dialogs %q",
			res.XSS.Title, res.XSS.Imgs, res.XSS.Markup, res.Dialogs)
	}
	if !strings.Contains(strings.Join(res.XSS.History, "\n"), "Tester - Tone 500") {
		t.Errorf("song history %q: want Tester - Tone 500 in it", res.XSS.History)
	}
	if res.Phone.ScrollWidth > 390 || res.Phone.Button.Left < 0 || res.Phone.Button.Right > 390 {
		t.Errorf("at 390 px: %+v", res.Phone)
	}
	if res.Stop.Pressed != "false" || res.Stop.Src != nil {
		t.Errorf("after Listen again: %+v, want stopped with no source", res.Stop)
	}
	if e := res.Embed; e.Title != xssTitle || e.Name != "Tone FM" || e.Imgs != 0 || e.CurrentTime <= 2 {
		t.Errorf("/embed framed by another site: %+v", e)
	}
	if f := res.FramedRoot; f.Station || !f.Refused {
		t.Errorf("/ framed by another site: %+v, want refused", f)
	}
	if c := res.Console; c.Title != xssTitle || c.Imgs != 0 {
		t.Errorf("the console's On air: %+v", c)
	}
	for _, line := range res.BrowserConsole {
		// Expected: the console asks for its session before logging in,
		// and the browser reports refusing to frame "/".
		if strings.Contains(line, "status of 401") || strings.Contains(line, "frame-ancestors") {
			continue
		}
		if strings.HasPrefix(line, "pageerror") || strings.HasPrefix(line, "error") {
			t.Errorf("browser console: %s", line)
		}
	}

	// A DJ goes live with a title of markup.
	src, srcErr := liveSource(t, base, "-c:a", "libmp3lame", "-b:a", "128k", "-content_type", "audio/mpeg", "-ice_name", "DJ Tester", "-f", "mp3")
	if !testenv.Poll(20*time.Second, func() bool { return stationNow(t, base).Live }) {
		t.Fatal("the station never went live")
	}
	const liveArtist, liveTitle = "DJ Night", "<b>Live</b> & loud"
	req, _ := http.NewRequest("GET", base+"/admin/metadata?mount=/live&mode=updinfo&song="+url.QueryEscape(liveArtist+" - "+liveTitle), nil)
	req.SetBasicAuth("source", "s0urce")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !testenv.Poll(15*time.Second, func() bool { return stationNow(t, base).Title == liveTitle }) {
		t.Fatalf("the live title never showed in /api/nowplaying: %+v", stationNow(t, base))
	}
	res = publicResult{}
	err = testenv.RunScript(t, node, dir, "public.mjs", 60*time.Second, &res, base, "live", liveArtist, liveTitle)
	if err != nil || !res.OK {
		// What ended the show, if it ended: ffmpeg's account and the
		// station's problems.
		t.Fatalf("the live page test failed (exit %v): %s\nconsole %q\n/api/nowplaying now: %+v\nffmpeg (pid %d) said %q; the station's problems: %q",
			err, res.Error, res.BrowserConsole, stationNow(t, base), src.Process.Pid, srcErr.String(), stationProblems(t, base))
	}
	if lv := res.Live; !lv.Live || lv.Title != liveTitle || lv.Artist != liveArtist || lv.Imgs != 0 || lv.Markup != 0 {
		t.Errorf("the page with a DJ live: %+v", lv)
	}
	if d := os.Getenv("ONAIR_E2E_SHOTS"); d != "" {
		t.Logf("screenshots in %s", d)
	}
}

// TestPublicNowPlaying: without credentials, GET /api/nowplaying names the
// station and describes it, and GET /api/nowplaying/events (open to other
// sites) sends the song at once and one nowplaying event per title change;
// a navigating browser at "/" gets the public page, a player the stream.
func TestPublicNowPlaying(t *testing.T) {
	base := publicStation(t)

	var nps []struct {
		Station, Mount, Title, Name, Description string
		Output                                   bool
	}
	resp, err := http.Get(base + "/api/nowplaying")
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&nps)
	resp.Body.Close()
	// The station's mount and its output, marked as such.
	outputs := map[string]bool{}
	for _, np := range nps {
		outputs[np.Mount] = np.Output
	}
	if out, ok := outputs["/a-low.mp3"]; len(nps) != 2 || !ok || !out || outputs["/stream"] {
		t.Fatalf("anonymous /api/nowplaying: %d %+v, want /stream and the output /a-low.mp3", resp.StatusCode, nps)
	}
	for _, np := range nps {
		if np.Name != "Tone FM" || np.Description != "Sines & <tones>, all day" || np.Station != "main" {
			t.Errorf("anonymous /api/nowplaying: %+v", np)
		}
	}

	for _, c := range []struct {
		hdr, want string
	}{
		{"document", "text/html"},
		{"audio", "audio/mpeg"},
		{"", "audio/mpeg"},
	} {
		req, _ := http.NewRequest("GET", base+"/", nil)
		if c.hdr != "" {
			req.Header.Set("Sec-Fetch-Dest", c.hdr)
		}
		resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		head := make([]byte, 512)
		n, _ := io.ReadFull(resp.Body, head)
		resp.Body.Close()
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), c.want) ||
			c.want == "text/html" && !strings.Contains(string(head[:n]), `/public/public.js`) {
			t.Errorf("GET / with Sec-Fetch-Dest %q: %d %s %.100q", c.hdr, resp.StatusCode, resp.Header.Get("Content-Type"), head[:n])
		}
	}

	// Events over 20 s, anonymously: the tracks last 8 s, so at least two
	// songs start. Each start is one event, not a stream of them.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api/nowplaying/events", nil)
	req.Header.Set("Origin", "http://elsewhere.example")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("anonymous public events: %d %v", resp.StatusCode, resp.Header)
	}
	type song struct {
		Station, Mount, Title string
		StartedAt             time.Time `json:"started_at"`
	}
	var songs []song
	var event string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if name, ok := strings.CutPrefix(line, "event: "); ok {
			event = name
		}
		if data, ok := strings.CutPrefix(line, "data: "); ok && event == "nowplaying" {
			var np song
			if err := json.Unmarshal([]byte(data), &np); err != nil || np.Station != "main" || np.Mount != "/stream" ||
				np.Title != "Tone 500" && np.Title != xssTitle {
				t.Errorf("nowplaying event %s: %v", data, err)
			}
			songs = append(songs, np)
		}
	}
	t.Logf("songs sent: %+v", songs)
	// The song on air at once, then two or three more in 20 s.
	if len(songs) < 3 || len(songs) > 4 {
		t.Fatalf("%d nowplaying events in 20 s of 8 s tracks, want 3 or 4", len(songs))
	}
	for i := 1; i < len(songs); i++ {
		if gap := songs[i].StartedAt.Sub(songs[i-1].StartedAt); gap < 6*time.Second || gap > 9*time.Second {
			t.Errorf("songs %d and %d started %v apart, want one 8 s track", i-1, i, gap)
		}
	}
}
