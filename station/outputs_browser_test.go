package station

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"onair/codec/opus"
	"onair/config"
	"onair/internal/testenv"
)

// TestOpusOutputInChromium: headless Chromium's <audio> plays a station's
// Ogg Opus output for over 20 s while tracks of 6 s change its title (a
// new chain each) at least twice: currentTime passes 20 s with no error
// and no end.
func TestOpusOutputInChromium(t *testing.T) {
	dir, node := testenv.E2EDir(t, "..")
	ffmpeg := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	if _, err := opus.Load(); err != nil {
		t.Fatalf("libopus: %v", err)
	}
	media := t.TempDir()
	for i, f := range []int{440, 660, 880, 1000} {
		makeTone(t, ffmpeg, media, tone{fmt.Sprintf("%d.mp3", i), f, 6, 44100, "libmp3lame"})
	}
	cfg := config.Default().Stations[0]
	cfg.MediaDirs = []string{media}
	cfg.Outputs = []config.Output{{Mount: "/stream.opus", Codec: config.CodecOpus, Bitrate: 96}}
	addr, _, run := newStationOf(t, cfg)
	run()

	var res struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
		Audio []struct {
			Mount       string   `json:"mount"`
			CurrentTime float64  `json:"currentTime"`
			Ended       bool     `json:"ended"`
			Errors      []string `json:"errors"`
			Events      []string `json:"events"`
		} `json:"audio"`
	}
	// The output's titles while Chromium plays, from the status page.
	stop := make(chan struct{})
	seen := make(chan map[string]bool)
	go func() {
		titles := map[string]bool{}
		defer func() { seen <- titles }()
		for {
			select {
			case <-stop:
				return
			case <-time.After(500 * time.Millisecond):
			}
			if t, ok := statusTitle(addr, "/stream.opus"); ok {
				titles[t] = true
			}
		}
	}()
	err := testenv.RunScript(t, node, dir, "oggaudio.mjs", 70*time.Second, &res, "http://"+addr, "/stream.opus", "20")
	close(stop)
	titles := <-seen
	if !res.OK || err != nil {
		t.Errorf("Chromium did not play the Opus output (exit %v): %s", err, res.Error)
	}
	for _, a := range res.Audio {
		t.Logf("<audio src=%s>: currentTime %.2f, events %q", a.Mount, a.CurrentTime, a.Events)
		if a.CurrentTime <= 20 || a.Ended || len(a.Errors) > 0 {
			t.Errorf("<audio src=%s>: currentTime %.2f, ended %v, errors %q", a.Mount, a.CurrentTime, a.Ended, a.Errors)
		}
	}
	if len(titles) < 3 {
		t.Errorf("titles on the Opus output while Chromium played: %v, want three at least", titles)
	}
}

// statusTitle reads a mount's title from /status-json.xsl.
func statusTitle(addr, mount string) (string, bool) {
	client := &http.Client{Timeout: 2 * time.Second}
	resp, err := client.Get("http://" + addr + "/status-json.xsl")
	if err != nil {
		return "", false
	}
	defer resp.Body.Close()
	var st struct {
		Icestats struct {
			Source []struct {
				ListenURL string `json:"listenurl"`
				Title     string `json:"title"`
			} `json:"source"`
		} `json:"icestats"`
	}
	if json.NewDecoder(resp.Body).Decode(&st) != nil {
		return "", false
	}
	for _, s := range st.Icestats.Source {
		if strings.HasSuffix(s.ListenURL, mount) {
			return s.Title, true
		}
	}
	return "", false
}
