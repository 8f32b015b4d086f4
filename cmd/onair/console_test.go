//go:build unix

package main

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"onair/internal/testenv"
)

// consoleResult is the JSON line e2e/console.mjs prints.
type consoleResult struct {
	OK      bool     `json:"ok"`
	Error   string   `json:"error"`
	Steps   []string `json:"steps"`
	Title   string   `json:"title"`
	Next    string   `json:"next"`
	Meters  struct{ Before, Talking, After float64 }
	Console []string `json:"console"`
}

// TestConsoleInABrowser: in headless Chromium, the admin logs in to
// /console with the "Username" and "Password" fields, sees the station's
// title on air, holds "Push to Talk" and sees it pressed and the music
// meter drop by the BG Level's 9.5 dB, releases it and sees the meter come
// back, and toggles "Lock". ONAIR_E2E_SHOTS=/dir keeps screenshots.
func TestConsoleInABrowser(t *testing.T) {
	dir, node := testenv.E2EDir(t, "../..")
	music := t.TempDir()
	makeTones(t, music, 60, 500)
	yaml := fmt.Sprintf("stations:\n  - id: main\n    mount: /stream\n    media_dirs: [%q]\n    mixer:\n      music_level: 0.9\n      bg_level: 0.3\n      music_fade_ms: 300\n", music)
	base := runBinary(t, yaml)
	var res consoleResult
	err := testenv.RunScript(t, node, dir, "console.mjs", 90*time.Second, &res, base, "admin", "adm1n")
	if err != nil || !res.OK {
		t.Fatalf("the console test failed (exit %v): %s\nsteps %v\nconsole %q", err, res.Error, res.Steps, res.Console)
	}
	// Checked again here, so that a script that says ok without checking
	// fails the test.
	if !strings.Contains(res.Title, "Tone 500") {
		t.Errorf("title on air %q", res.Title)
	}
	// One file: the AutoDJ plays it again next.
	if !strings.Contains(res.Next, "Tone 500") || !strings.Contains(res.Next, "1:00") {
		t.Errorf("next %q, want Tone 500 (1:00)", res.Next)
	}
	if d := res.Meters.Before - res.Meters.Talking; d < 8.5 || d > 10.5 {
		t.Errorf("music meter %.1f dB before talk, %.1f dB while talking: want a 9.5 dB drop", res.Meters.Before, res.Meters.Talking)
	}
	if len(res.Steps) != 4 {
		t.Errorf("steps %v", res.Steps)
	}
	for _, line := range res.Console {
		// The page asks for its session before logging in: that 401 is
		// expected, any other error is not.
		if strings.Contains(line, "status of 401") {
			continue
		}
		if strings.HasPrefix(line, "pageerror") || strings.HasPrefix(line, "error") {
			t.Errorf("browser console: %s", line)
		}
	}
	if d := os.Getenv("ONAIR_E2E_SHOTS"); d != "" {
		t.Logf("screenshots in %s", d)
	}
}
