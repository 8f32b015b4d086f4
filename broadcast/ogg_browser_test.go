//go:build unix

package broadcast

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"onair/internal/testenv"
)

// oggBrowserResult is the JSON line e2e/oggaudio.mjs prints.
type oggBrowserResult struct {
	OK    bool   `json:"ok"`
	Error string `json:"error"`
	Audio []struct {
		Mount       string       `json:"mount"`
		Seconds     float64      `json:"seconds"`
		Play        string       `json:"play"`
		CurrentTime float64      `json:"currentTime"`
		Ended       bool         `json:"ended"`
		Errors      []string     `json:"errors"`
		Events      []string     `json:"events"`
		Trace       [][2]float64 `json:"trace"`
	} `json:"audio"`
}

// TestOggBrowserFollowsChains: headless Chromium's <audio> plays an Ogg
// Opus mount for over 20 s while liquidsoap plays three tracks of 8 s,
// each a new chain with its own title (two title changes at least while
// it plays), and an Ogg Vorbis mount of the same playlist for a few
// seconds. currentTime must pass 20 s (4 s for Vorbis) with no error and
// no end; the status page shows the titles in turn.
//
// What Chromium (Debian 12's) did: it follows the chains. On Opus,
// currentTime ran on through each track change with no event at all
// (it starts at the granule position of the first page it gets, 2.3 s
// into the chain, not at 0). On Vorbis, at the first track change it
// fired "waiting" at currentTime 7.98 and stood there some 3 s of wall
// time before "playing" again at 8.05, without error: a pause, not a
// failure, so the test does not fail on it. It does the same playing
// the same liquidsoap stream from icecast2 ("waiting" at 7.97, "playing"
// at 8.05): Chromium's, not the server's.
func TestOggBrowserFollowsChains(t *testing.T) {
	node := testenv.RequireTool(t, "node", "nodejs")
	testenv.RequireTool(t, "chromium", "chromium")
	liquidsoap := testenv.RequireTool(t, "liquidsoap", "liquidsoap")
	dir := e2eDir(t)

	ts := startServer(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 80*time.Second)
	defer cancel()
	tmp := t.TempDir()
	var files []string
	for _, name := range []string{"One", "Two", "Three"} {
		f := filepath.Join(tmp, strings.ToLower(name)+".mp3")
		taggedMP3(t, ctx, f, 440, 8*time.Second, "Chain", name)
		files = append(files, f)
	}
	m3u := filepath.Join(tmp, "list.m3u")
	if err := os.WriteFile(m3u, []byte(strings.Join(files, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(ts.http)
	body := fmt.Sprintf("s = mksafe(playlist(mode=\"normal\", reload_mode=\"never\", %q))\n", m3u)
	for _, o := range [][2]string{{"%opus(samplerate=48000, channels=2, bitrate=96)", "/long.opus"}, {"%vorbis(samplerate=44100, channels=2, quality=0.5)", "/short.ogg"}} {
		body += fmt.Sprintf("output.icecast(%s, host=%q, port=%s, password=%q, mount=%q, s)\n", o[0], host, port, testSourcePass, o[1])
	}
	ls := startProgram(t, "liquidsoap", exec.CommandContext(ctx, liquidsoap, liquidsoapScript(t, tmp, body)))
	waitOnAirFrom(t, ts, "/long.opus", ls)
	waitOnAirFrom(t, ts, "/short.ogg", ls)
	titles := watchTitles(t, ts.http, "/long.opus")

	var res oggBrowserResult
	runErr := testenv.RunScript(t, node, dir, "oggaudio.mjs", 60*time.Second, &res, "http://"+ts.http, "/long.opus", "20", "/short.ogg", "4")
	if !res.OK || runErr != nil {
		t.Errorf("the browser did not play (exit %v): %s", runErr, res.Error)
	}
	if len(res.Audio) != 2 {
		t.Fatalf("%d elements reported, want 2", len(res.Audio))
	}
	for _, a := range res.Audio {
		if a.CurrentTime <= a.Seconds || a.Ended || len(a.Errors) > 0 || a.Play != "resolved" {
			t.Errorf("<audio src=%s>: currentTime %.2f of %.0f, ended %v, errors %q, play %s, events %q",
				a.Mount, a.CurrentTime, a.Seconds, a.Ended, a.Errors, a.Play, a.Events)
		}
		t.Logf("<audio src=%s>: events %q", a.Mount, a.Events)
	}
	seen := titles.seen()
	changes := 0
	for i := 1; i < len(seen); i++ {
		if seen[i] != seen[i-1] {
			changes++
		}
	}
	if changes < 2 {
		t.Errorf("titles while Chromium played %q: want two changes at least", seen)
	}
}
