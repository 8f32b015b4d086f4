//go:build unix

package broadcast

import (
	"context"
	"strings"
	"testing"
	"time"

	"onair/internal/testenv"
)

// browserResult is the JSON line e2e/audio.mjs prints.
type browserResult struct {
	OK    bool   `json:"ok"`
	Error string `json:"error"`
	Page  *struct {
		Status            int    `json:"status"`
		HeaderContentType string `json:"headerContentType"`
		ContentType       string `json:"contentType"`
		Title             string `json:"title"`
		MountRow          string `json:"mountRow"`
		MountLink         bool   `json:"mountLink"`
	} `json:"page"`
	Audio []struct {
		ID          string   `json:"id"`
		Src         string   `json:"src"`
		Play        string   `json:"play"`
		CurrentTime float64  `json:"currentTime"`
		Paused      bool     `json:"paused"`
		ReadyState  int      `json:"readyState"`
		Errors      []string `json:"errors"`
	} `json:"audio"`
	Responses []struct {
		URL         string `json:"url"`
		Type        string `json:"type"`
		Status      int    `json:"status"`
		ContentType string `json:"contentType"`
	} `json:"responses"`
	Listeners *int     `json:"listeners"`
	Console   []string `json:"console"`
}

// e2eDir returns the repository's e2e/ folder, ready to run.
func e2eDir(t *testing.T) string {
	t.Helper()
	dir, _ := testenv.E2EDir(t, "..")
	return dir
}

// TestBrowserAudioElementPlays plays a live mount in headless Chromium's
// <audio> element, and checks that "/" is the status page to a navigating
// browser yet the stream to <audio src="/">.
func TestBrowserAudioElementPlays(t *testing.T) {
	node := testenv.RequireTool(t, "node", "nodejs")
	testenv.RequireTool(t, "chromium", "chromium")
	dir := e2eDir(t)

	ts := startServer(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	ffmpegSource(t, ctx, 440, 60*time.Second, "icecast://source:"+testSourcePass+"@"+ts.http+"/stream",
		"-ice_name", "Sine FM")
	waitOnAir(t, ts, "/stream")

	base := "http://" + ts.http
	var res browserResult
	runErr := testenv.RunScript(t, node, dir, "audio.mjs", 60*time.Second, &res, base, "/stream")
	if !res.OK || runErr != nil {
		t.Fatalf("the browser test failed (exit %v): %s", runErr, res.Error)
	}

	// Checked again here, so that a script that says ok without checking
	// fails the test.
	if p := res.Page; p == nil || p.Status != 200 || !strings.HasPrefix(p.HeaderContentType, "text/html") ||
		p.ContentType != "text/html" || !p.MountLink || !strings.Contains(p.MountRow, "Sine FM") {
		t.Errorf("navigating to / did not show the status page listing /stream (Sine FM): %+v", res.Page)
	}
	played := map[string]bool{}
	for _, a := range res.Audio {
		if a.CurrentTime <= 2 || len(a.Errors) > 0 || a.Paused || a.Play != "resolved" {
			t.Errorf("<audio src=%q>: currentTime %.2f, paused %v, play() %s, errors %q", a.Src, a.CurrentTime, a.Paused, a.Play, a.Errors)
			continue
		}
		played[a.Src] = true
	}
	for _, src := range []string{base + "/stream", base + "/"} {
		if !played[src] {
			t.Errorf("<audio src=%q> did not play past 2 s", src)
		}
	}
	// What the server sent: "/" once as a page (the navigation) and once as
	// audio (the media element).
	var rootPage, rootAudio, mountAudio bool
	for _, r := range res.Responses {
		switch {
		case r.URL == base+"/" && r.Type == "document" && strings.HasPrefix(r.ContentType, "text/html"):
			rootPage = true
		case r.URL == base+"/" && r.Type == "media" && r.ContentType == "audio/mpeg":
			rootAudio = true
		case r.URL == base+"/stream" && r.Type == "media" && r.ContentType == "audio/mpeg":
			mountAudio = true
		}
	}
	if !rootPage || !rootAudio || !mountAudio {
		t.Errorf("responses seen by the browser: / as page %v, / as audio/mpeg %v, /stream as audio/mpeg %v: %+v",
			rootPage, rootAudio, mountAudio, res.Responses)
	}
	// Both elements are listeners of /stream ("/" plays the default mount).
	if res.Listeners == nil || *res.Listeners < 2 {
		t.Errorf("listeners on /stream while both elements played: %v, want 2", res.Listeners)
	}
}
