package main

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"onair/internal/testenv"
)

// TestDeadAirSkipsSilentFile: a 30 s silent file among tone tracks is
// skipped about 10 s into its silence (dead_air_seconds), and the
// dead_air event arrives on /api/events when it is.
func TestDeadAirSkipsSilentFile(t *testing.T) {
	music := t.TempDir()
	makeTones(t, music, 3, 500, 900)
	ffmpeg := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	out, err := exec.Command(ffmpeg, "-v", "error", "-f", "lavfi", "-i", "anullsrc=r=44100:cl=stereo", "-t", "30",
		"-c:a", "libmp3lame", "-b:a", "128k", "-metadata", "artist=Tester", "-metadata", "title=Silence",
		filepath.Join(music, "silence.mp3")).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v %s", err, out)
	}
	// The tracks are shuffled, never one twice in a row: the silence
	// starts within 6 s and is skipped 10 s later.
	base := runBinary(t, fmt.Sprintf("stations:\n  - id: main\n    mount: /stream\n    crossfade_ms: 500\n"+
		"    dead_air_db: -50\n    dead_air_seconds: 10\n    media_dirs: [%q]\n", music))

	type np struct {
		Title     string
		StartedAt time.Time `json:"started_at"`
	}
	type deadAir struct {
		Station, Source, Track string
		Since                  time.Time
		Seconds                float64
	}
	var (
		silence, after np
		dead           []deadAir
		deadAt         time.Time
	)
	events := readEventsUntil(t, base+"/api/events?station=main", 30*time.Second, nil, func(e sseEvent) bool {
		switch e.name {
		case "nowplaying":
			var v np
			if err := json.Unmarshal([]byte(e.data), &v); err != nil {
				t.Fatalf("nowplaying %s: %v", e.data, err)
			}
			if v.Title == "Silence" && silence.Title == "" {
				silence = v
			} else if silence.Title != "" && v.Title != "Silence" && after.Title == "" {
				after = v
			}
		case "dead_air":
			var v deadAir
			if err := json.Unmarshal([]byte(e.data), &v); err != nil {
				t.Fatalf("dead_air %s: %v", e.data, err)
			}
			dead = append(dead, v)
			deadAt = e.at
		}
		// The event may come a tick after the next title, or before it.
		return after.Title != "" && len(dead) > 0
	})
	if silence.Title == "" {
		t.Fatalf("the silent file never played; %d events", len(events))
	}
	if after.Title == "" {
		t.Fatalf("the silent file was not skipped within 30 s (it started at %v); dead_air events %+v", silence.StartedAt, dead)
	}
	// About 10 s into the silence, not at its end 30 s in.
	if d := after.StartedAt.Sub(silence.StartedAt); d < 9500*time.Millisecond || d > 12*time.Second {
		t.Errorf("%q followed the silence %v after it started, want about 10 s", after.Title, d)
	}
	t.Logf("silence on at %v, %q at +%v; dead_air events %+v, first +%v", silence.StartedAt.Format(time.TimeOnly),
		after.Title, after.StartedAt.Sub(silence.StartedAt), dead, deadAt.Sub(silence.StartedAt))
	if len(dead) != 1 {
		t.Fatalf("want one dead_air event, got %+v", dead)
	}
	ev := dead[0]
	if ev.Station != "main" || ev.Source != "autodj" || ev.Track != "Tester - Silence" {
		t.Errorf("dead_air event %+v", ev)
	}
	if ev.Seconds < 9.8 || ev.Seconds > 11 {
		t.Errorf("dead_air after %.1f s of silence, want 10", ev.Seconds)
	}
	if d := ev.Since.Sub(silence.StartedAt); d < -time.Second || d > time.Second {
		t.Errorf("dead_air since %v, the silence started at %v", ev.Since, silence.StartedAt)
	}
	// The event is sent as it happens (the stream looks every 100 ms).
	if d := deadAt.Sub(silence.StartedAt); d < 9*time.Second || d > 12*time.Second {
		t.Errorf("dead_air arrived %v after the silence started, want about 10 s", d)
	}
}

// TestDeadAirWarningInConsole: in headless Chromium, the console shows
// dead air under On air when it happens.
func TestDeadAirWarningInConsole(t *testing.T) {
	dir, node := testenv.E2EDir(t, "../..")
	music := t.TempDir()
	ffmpeg := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	out, err := exec.Command(ffmpeg, "-v", "error", "-f", "lavfi", "-i", "anullsrc=r=44100:cl=stereo", "-t", "30",
		"-c:a", "libmp3lame", "-b:a", "128k", "-metadata", "artist=Tester", "-metadata", "title=Silence",
		filepath.Join(music, "silence.mp3")).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v %s", err, out)
	}
	base := runBinary(t, fmt.Sprintf("stations:\n  - id: main\n    mount: /stream\n    dead_air_seconds: 5\n    media_dirs: [%q]\n", music))
	var res struct {
		OK      bool     `json:"ok"`
		Error   string   `json:"error"`
		Warning string   `json:"warning"`
		Console []string `json:"console"`
	}
	err = testenv.RunScript(t, node, dir, "deadair.mjs", 70*time.Second, &res, base, "admin", "adm1n")
	if err != nil || !res.OK {
		t.Fatalf("the dead-air console test failed (exit %v): %s\nconsole %q", err, res.Error, res.Console)
	}
	// The first dead air may come before the page is logged in; the
	// silent file plays again and the next one shows.
	if !strings.Contains(res.Warning, "skipped Tester - Silence") || !regexp.MustCompile(`^Dead air: \d+(\.\d)? s of silence`).MatchString(res.Warning) {
		t.Errorf("warning %q", res.Warning)
	}
	for _, line := range res.Console {
		// The page asks for its session before logging in: that 401 is
		// expected, any other error is not.
		if !strings.Contains(line, "status of 401") && (strings.HasPrefix(line, "pageerror") || strings.HasPrefix(line, "error")) {
			t.Errorf("browser console: %s", line)
		}
	}
}
