//go:build unix

package broadcast

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"onair/internal/testenv"
)

// graceResult is the JSON line e2e/grace.mjs prints.
type graceResult struct {
	OK      bool   `json:"ok"`
	Error   string `json:"error"`
	Samples []struct {
		At          int     `json:"at"`
		CurrentTime float64 `json:"currentTime"`
		Paused      bool    `json:"paused"`
		Ended       bool    `json:"ended"`
	} `json:"samples"`
	Events []struct {
		At    int    `json:"at"`
		Event string `json:"event"`
	} `json:"events"`
	Requests []struct {
		At int `json:"at"`
	} `json:"requests"`
}

// The schedule of TestPlayersAcrossASourceBlip, from the player's
// connection (a browser may take seconds to start): the source leaves,
// another (at 880 Hz) takes its place within the grace, then leaves for
// good and the grace runs out.
const (
	blipLeave  = 3 * time.Second
	blipBack   = blipLeave + 2500*time.Millisecond
	blipEnd    = blipBack + 6*time.Second
	blipGrace  = 5 * time.Second
	blipWatch  = blipEnd + blipGrace + 7*time.Second
	blipMount  = "/g.mp3"
	blipSecond = 880
)

// TestPlayersAcrossASourceBlip plays a mount in mpg123, cvlc, ffmpeg and
// Chromium's <audio> while its source leaves and another comes back within
// source_grace: each player, kept connected, must go on to play the new
// source. Then the second source leaves for good; when the grace runs out
// the server ends the stream cleanly, and the test records what each player
// does then (the README's table of players comes from this test's log).
func TestPlayersAcrossASourceBlip(t *testing.T) {
	for _, player := range []string{"mpg123", "cvlc", "ffmpeg", "chromium"} {
		t.Run(player, func(t *testing.T) {
			// The server's log, shown on failure: when each listener left,
			// and why.
			serverLog := &syncBuffer{}
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("the server logged:\n%s", tail(serverLog.String(), 6000))
				}
			})
			ts := startServerWith(t, func(s *Options) {
				s.Logger = slog.New(slog.NewTextHandler(serverLog, &slog.HandlerOptions{Level: slog.LevelDebug}))
				s.Defaults.Grace = blipGrace
				s.Mounts = append(s.Mounts, MountConfig{Path: blipMount})
			})
			tap := startTap(t, ts)
			url := "http://" + tap.http + blipMount
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			// The source that comes back within the grace is the test's
			// own, sending an MP3 made beforehand: a program started then
			// can take seconds to connect on a loaded machine, and so
			// miss the grace the test is about.
			secondMP3 := sineMP3(t, ctx, blipSecond, blipEnd-blipBack+2*time.Second)
			first := ffmpegSource(t, ctx, 440, 60*time.Second, "icecast://source:"+testSourcePass+"@"+ts.http+blipMount)
			waitOnAir(t, ts, blipMount)
			m := ts.Mount(blipMount)

			var pcmFile string
			var prog *program
			var res graceResult
			browserDone := make(chan struct{})
			switch player {
			case "chromium":
				node := testenv.RequireTool(t, "node", "nodejs")
				dir := e2eDir(t)
				go func() {
					defer close(browserDone)
					// It watches from its own start: long enough for the
					// browser to start and for the whole schedule after.
					watch := blipWatch + 8*time.Second
					_ = testenv.RunScript(t, node, dir, "grace.mjs", watch+60*time.Second, &res,
						"http://"+tap.http, blipMount, strings.TrimSuffix(watch.String(), "s"))
				}()
				// Whatever happens, the script ends before the test does.
				defer func() { <-browserDone }()
			default:
				close(browserDone)
				prog, pcmFile = startPlayer(t, ctx, player, url)
			}
			testenv.WaitFor(t, player+" connected", func() bool { return m.connections.Load() >= 1 })
			start := time.Now()
			joinedIn := m.bytesIn.Load()
			at := func(d time.Duration) { time.Sleep(time.Until(start.Add(d))) }

			at(blipLeave)
			first.Process.Kill()
			killed := time.Now()
			// The first source's audio the player could have: its burst
			// (the source may have run long before a slow browser joined)
			// and all that came after.
			firstSeconds := float64(m.bytesIn.Load()-joinedIn+min(int64(m.Settings().BurstSize), joinedIn)) / 16000
			testenv.WaitFor(t, "the first source gone", func() bool { return !m.OnAir() })
			at(blipBack)
			stopSecond := sendMP3(t, startIcecastSource(t, ts, blipMount, ""), secondMP3)
			waitOnAir(t, ts, blipMount)
			kept := m.connections.Load()
			t.Logf("the second source on air %v after the first was killed (grace %v)", time.Since(killed).Round(time.Millisecond), blipGrace)
			at(blipEnd)
			getsBefore := len(tap.requests("http", "GET "+blipMount+" "))
			stopSecond()
			left := time.Now()
			at(blipWatch)
			gets := len(tap.requests("http", "GET "+blipMount+" ")) - getsBefore

			switch player {
			case "chromium":
				<-browserDone
				if !res.OK {
					t.Fatalf("grace.mjs: %s", res.Error)
				}
				// Audio of the second source lies past all the player had
				// of the first: playing past it is playing the second.
				resumed, stalled, ended := false, 0.0, ""
				last, lastAt := 0.0, 0
				for _, s := range res.Samples {
					if s.CurrentTime > firstSeconds+1 {
						resumed = true
					}
					if s.CurrentTime == last && !s.Ended {
						stalled = max(stalled, float64(s.At-lastAt)/1000)
					} else {
						last, lastAt = s.CurrentTime, s.At
					}
				}
				for _, e := range res.Events {
					if e.Event == "ended" || e.Event == "error" {
						ended = e.Event
					}
				}
				t.Logf("chromium: kept through the blip: %v; resumed with the new source: %v (currentTime %.1f s, the player had %.1f s of the first source); longest stall %.1f s; at the end of the stream: %q; requests for the mount: %d in all",
					kept >= 1, resumed, res.Samples[len(res.Samples)-1].CurrentTime, firstSeconds, stalled, ended, len(res.Requests))
				if !resumed {
					t.Errorf("Chromium's <audio> did not play on into the new source: %+v", res.Samples)
				}
			default:
				exited := prog.exited()
				prog.stop()
				pcm, err := os.ReadFile(pcmFile)
				if err != nil {
					t.Fatalf("%s wrote no audio: %v", player, err)
				}
				secondHeard := 0
				for _, l := range toneWindows(pcm, blipSecond) {
					if l > ffmpegSourceLevel/2 {
						secondHeard++
					}
				}
				t.Logf("%s: kept through the blip: %v; %.1f s of the new source's audio decoded; %v after the source left for good, it had exited by itself: %v (%v); requests for the mount after it left: %d",
					player, kept >= 1, float64(secondHeard)/10, time.Since(left).Round(time.Second), exited, prog.err, gets)
				if secondHeard < 30 {
					t.Errorf("%s decoded %.1f s of the source that came back within the grace, want most of its 6 s", player, float64(secondHeard)/10)
				}
			}
			if kept < 1 {
				t.Errorf("%s was not kept through the blip", player)
			}
		})
	}
}

// sineMP3 is freq Hz for d as ffmpegSource sends it (lavfi's sine made
// stereo, 128 kbps MP3, 44.1 kHz), without tags or a Xing frame.
func sineMP3(t *testing.T, ctx context.Context, freq int, d time.Duration) []byte {
	t.Helper()
	ffmpeg := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	cmd := exec.CommandContext(ctx, ffmpeg, "-hide_banner", "-loglevel", "error",
		"-f", "lavfi", "-i", fmt.Sprintf("sine=frequency=%d:sample_rate=44100", freq),
		"-t", fmt.Sprintf("%.1f", d.Seconds()), "-ac", "2", "-c:a", "libmp3lame", "-b:a", "128k",
		"-write_xing", "0", "-id3v2_version", "0", "-f", "mp3", "-")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	mp3, err := cmd.Output()
	if err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, stderr.String())
	}
	return mp3
}

// sendMP3 sends mp3, a 128 kbps stream, on src at real time, 200 ms ahead
// as an encoder's buffer would be, until it ends or the returned stop is
// called; stop also hangs up, as a source that leaves does.
func sendMP3(t *testing.T, src *sourceClient, mp3 []byte) (stop func()) {
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		start, sent := time.Now(), 0
		for sent < len(mp3) {
			due := min(len(mp3), int((time.Since(start).Seconds()+0.2)*16000))
			if _, err := src.conn.Write(mp3[sent:due]); err != nil {
				return
			}
			sent = due
			select {
			case <-quit:
				return
			case <-tick.C:
			}
		}
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			close(quit)
			<-done
			src.conn.Close()
		})
	}
	t.Cleanup(stop)
	return stop
}

// startPlayer starts a player decoding url to a raw PCM file (s16le,
// stereo, 44.1 kHz) and returns it with the file's path.
func startPlayer(t *testing.T, ctx context.Context, player, url string) (*program, string) {
	t.Helper()
	dir := testenv.NobodyDir(t)
	out := filepath.Join(dir, "played.s16")
	var cmd *exec.Cmd
	switch player {
	case "mpg123":
		// -w writes a WAV header; toneWindows does not mind 44 bytes.
		cmd = exec.CommandContext(ctx, testenv.RequireTool(t, "mpg123", "mpg123"),
			"-q", "-e", "s16", "-r", "44100", "--stereo", "-w", out, url)
	case "ffmpeg":
		cmd = exec.CommandContext(ctx, testenv.RequireTool(t, "ffmpeg", "ffmpeg"), "-hide_banner", "-loglevel", "error",
			"-i", url, "-f", "s16le", "-ac", "2", "-ar", "44100", "-y", out)
	case "cvlc":
		cmd = testenv.VLCCommand(t, ctx, testenv.RequireTool(t, "cvlc", "vlc-bin"), dir, out, url)
	}
	var discard bytes.Buffer
	cmd.Stdout = &discard
	return startProgram(t, player, cmd), out
}
