//go:build unix

package broadcast

import (
	"context"
	"slices"
	"testing"
	"time"

	"onair/internal/testenv"
)

// hlsBrowserResult is the JSON line e2e/hls.mjs prints.
type hlsBrowserResult struct {
	OK          bool     `json:"ok"`
	Error       string   `json:"error"`
	CurrentTime float64  `json:"currentTime"`
	Titles      []string `json:"titles"`
	Frags       int      `json:"frags"`
}

// TestBrowserHLSPlays plays /stream.m3u8 with hls.js in headless Chromium,
// from a page of another origin, and checks that it plays past three
// segments and shows the title from the segments' ID3 tags.
func TestBrowserHLSPlays(t *testing.T) {
	dir, node := testenv.E2EDir(t, "..")
	ts := hlsServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	ffmpegSource(t, ctx, 440, 80*time.Second, "icecast://source:"+testSourcePass+"@"+ts.http+"/stream")
	waitOnAir(t, ts, "/stream")
	const title = "Ünïcode – Song"
	ts.Mount("/stream").SetTitle(title, "", time.Now())
	base := "http://" + ts.http
	testenv.WaitFor(t, "three segments", func() bool {
		_, b := httpGet(t, base+"/stream.m3u8")
		return len(segmentURLs(b)) == 3
	})

	var res hlsBrowserResult
	runErr := testenv.RunScript(t, node, dir, "hls.mjs", 70*time.Second, &res, base, "/stream", title)
	if !res.OK || runErr != nil {
		t.Fatalf("the hls.js test failed (exit %v): %s", runErr, res.Error)
	}
	// Checked again here, so that a script that says ok without checking
	// fails the test.
	if res.CurrentTime <= 6 || !slices.Contains(res.Titles, title) || res.Frags < 3 {
		t.Fatalf("hls.js played %.2f s of %d segments, titles %q", res.CurrentTime, res.Frags, res.Titles)
	}
	if n := ts.Mount("/stream").HLSListeners(); n != 1 {
		t.Errorf("HLS listeners while hls.js played: %d, want 1", n)
	}
}
