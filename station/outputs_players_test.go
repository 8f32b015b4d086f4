package station

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"onair/codec/opus"
	"onair/config"
	"onair/internal/testaudio"
	"onair/internal/testenv"
)

// TestOpusOutputInChromium: headless Chromium's <audio> plays a station's
// Ogg Opus output for over 20 s while tracks of 6 s change its title at
// least twice: currentTime passes 20 s with no error and no end. Both
// ways of carrying titles: one chain (the default), and a new chain per
// title (chain_titles).
func TestOpusOutputInChromium(t *testing.T) {
	for _, chains := range []bool{false, true} {
		t.Run(fmt.Sprintf("chain_titles=%v", chains), func(t *testing.T) { opusInChromium(t, chains) })
	}
}

func opusInChromium(t *testing.T, chains bool) {
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
	cfg.Outputs = []config.Output{{Mount: "/stream.opus", Codec: config.CodecOpus, Bitrate: 96, ChainTitles: chains}}
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

// TestOpusOutputInVLC: cvlc plays a station's Ogg Opus output across
// title changes, each a new chain: what it plays in 14 s is measured, and
// which of the tracks' tones it played.
func TestOpusOutputInVLC(t *testing.T) {
	cvlc := testenv.RequireTool(t, "cvlc", "vlc-bin")
	ffmpeg := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	if _, err := opus.Load(); err != nil {
		t.Fatalf("libopus: %v", err)
	}
	media := t.TempDir()
	freqs := []int{440, 660, 880, 1000}
	for i, f := range freqs {
		makeTone(t, ffmpeg, media, tone{fmt.Sprintf("%d.mp3", i), f, 4, 44100, "libmp3lame"})
	}
	cfg := config.Default().Stations[0]
	cfg.MediaDirs = []string{media}
	cfg.CrossfadeMS = 0
	cfg.Outputs = []config.Output{{Mount: "/stream.opus", Codec: config.CodecOpus, Bitrate: 96}}
	addr, _, run := newStationOf(t, cfg)
	run()

	dir := testenv.NobodyDir(t)
	out := filepath.Join(dir, "vlc.raw")
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	cmd := testenv.VLCCommand(t, ctx, cvlc, dir, out, "http://"+addr+"/stream.opus", "--run-time", "14")
	logs, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("cvlc did not stop: %v", err)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("cvlc wrote nothing (%v): %s", err, logs)
	}
	// afile writes the decoder's rate: Opus decodes at 48 kHz.
	left := testaudio.DecodeS16LE(raw, 2)[0]
	secs := float64(len(left)) / 48000
	heard := map[int]int{}
	for i := 0; i+2400 <= len(left); i += 2400 {
		w := left[i : i+2400]
		best, bestLevel := 0, 0.02
		for _, f := range freqs {
			if l := testaudio.HannLevel(w, 48000, float64(f)); l > bestLevel {
				best, bestLevel = f, l
			}
		}
		heard[best]++
	}
	t.Logf("cvlc played %.1f s of the Opus output in 14 s; tones in 50 ms windows: %v", secs, heard)
	tones := 0
	for _, f := range freqs {
		if heard[f] >= 10 {
			tones++
		}
	}
	if secs < 9 || tones < 3 {
		t.Errorf("cvlc played %.1f s with %d tracks' tones: it did not follow the chains\n%s", secs, tones, logs)
	}
}
