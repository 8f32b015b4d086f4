package broadcast

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"onair/internal/testaudio"
	"onair/internal/testenv"
)

// ffmpegSource streams a 440 Hz (or freq) sine as 128 kbps MP3 in real time
// to url with ffmpeg, for up to d. extra goes before the output URL.
func ffmpegSource(t *testing.T, ctx context.Context, freq int, d time.Duration, url string, extra ...string) *exec.Cmd {
	t.Helper()
	ffmpeg := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	args := []string{"-hide_banner", "-loglevel", "error", "-re",
		"-f", "lavfi", "-i", fmt.Sprintf("sine=frequency=%d:sample_rate=44100", freq),
		"-t", fmt.Sprintf("%.1f", d.Seconds()), "-ac", "2",
		"-c:a", "libmp3lame", "-b:a", "128k", "-content_type", "audio/mpeg"}
	args = append(args, extra...)
	args = append(args, "-f", "mp3", url)
	cmd := exec.CommandContext(ctx, ffmpeg, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start ffmpeg: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() && stderr.Len() > 0 {
			t.Logf("ffmpeg source said: %s", stderr.String())
		}
	})
	return cmd
}

// decodeWithFFmpeg plays url with ffmpeg for d and returns the PCM
// (s16le, stereo, 44.1 kHz).
func decodeWithFFmpeg(t *testing.T, ctx context.Context, url string, d time.Duration) []byte {
	t.Helper()
	ffmpeg := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	cmd := exec.CommandContext(ctx, ffmpeg, "-hide_banner", "-loglevel", "error",
		"-i", url, "-t", fmt.Sprintf("%.1f", d.Seconds()), "-f", "s16le", "-ac", "2", "-ar", "44100", "-")
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("ffmpeg listener: %v: %s", err, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Errorf("ffmpeg listener reported decode problems: %s", stderr.String())
	}
	return out.Bytes()
}

// waitOnAir waits until a source has published audio on mount.
func waitOnAir(t *testing.T, ts *testServer, mount string) {
	t.Helper()
	testenv.WaitFor(t, mount+" on air", func() bool {
		m := ts.Mount(mount)
		return m != nil && m.OnAir() && m.head.Load() > 4
	})
}

func TestFFmpegSourceToFFmpegListener(t *testing.T) {
	for _, legacy := range []bool{false, true} {
		t.Run(fmt.Sprintf("legacy_icecast=%v", legacy), func(t *testing.T) {
			ts := startServer(t, nil)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			var extra []string
			if legacy {
				extra = []string{"-legacy_icecast", "1"}
			}
			extra = append(extra, "-ice_name", "Sine FM", "-ice_genre", "Test")
			ffmpegSource(t, ctx, 440, 30*time.Second, "icecast://source:"+testSourcePass+"@"+ts.http+"/live", extra...)
			waitOnAir(t, ts, "/live")
			pcm := decodeWithFFmpeg(t, ctx, "http://"+ts.http+"/live", 3*time.Second)
			if got, want := len(pcm), 3*44100*4; got < want*95/100 {
				t.Fatalf("decoded %d bytes of PCM, want about %d", got, want)
			}
			// ffmpeg's sine source is mono at 1/8 full scale; -ac 2 spreads
			// it over two channels at -3 dB each: 0.125/√2 ≈ 0.088.
			left := testaudio.DecodeS16LE(pcm[44100*4/2:], 2)[0]
			if lvl := testaudio.Level(left, 44100, 440); lvl < 0.07 || lvl > 0.11 {
				t.Errorf("440 Hz at %.3f of full scale, want about 0.088", lvl)
			}
			if off := testaudio.Level(left, 44100, 1000); off > 0.01 {
				t.Errorf("1 kHz at %.3f: the stream is not clean", off)
			}
			if info := ts.Mount("/live").Info(); info == nil || info.Name != "Sine FM" || info.Bitrate != 128 {
				t.Errorf("stream info %+v", info)
			}
		})
	}
}

func TestMpg123ShowsTitles(t *testing.T) {
	mpg123 := testenv.RequireTool(t, "mpg123", "mpg123")
	ts := startServer(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ffmpegSource(t, ctx, 440, 30*time.Second, "icecast://source:"+testSourcePass+"@"+ts.http+"/live", "-ice_name", "Sine FM")
	waitOnAir(t, ts, "/live")
	setTitle(t, ts, "/live", "Ünïcode Artist - First Song")
	// -t: decode without playing; -n: stop after the burst plus a few seconds.
	cmd := exec.CommandContext(ctx, mpg123, "-v", "-t", "-n", "400", "http://"+ts.http+"/live")
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The title changes while mpg123 plays: once it has shown the first.
	testenv.WaitFor(t, "mpg123 to show the first title", func() bool {
		return strings.Contains(stderr.String(), "StreamTitle='Ünïcode Artist - First Song';")
	})
	setTitle(t, ts, "/live", "Second Song")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("mpg123: %v: %s", err, stderr.String())
	}
	out := stderr.String()
	for _, want := range []string{"ICY-NAME: Sine FM", "StreamTitle='Ünïcode Artist - First Song';", "StreamTitle='Second Song';"} {
		if !strings.Contains(out, want) {
			t.Errorf("mpg123 -v did not show %q:\n%s", want, out)
		}
	}
}
