package broadcast

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"onair/internal/testenv"
)

// oggCodecs are the codecs an Ogg source sends, as ffmpeg names their
// encoders, and the rate each runs at.
var oggCodecs = []struct {
	name, encoder string
	rate          int
	extra         []string
}{
	{"vorbis", "libvorbis", 44100, []string{"-b:a", "128k"}},
	{"opus", "libopus", 48000, []string{"-b:a", "96k"}},
	{"flac", "flac", 44100, nil},
}

// ffmpegOggSource sends a stereo tone as Ogg with codec c, tagged with a
// title, to url.
func ffmpegOggSource(t *testing.T, ctx context.Context, encoder string, rate int, extra []string, url, ctype string, freq int, d time.Duration) *program {
	t.Helper()
	ffmpeg := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	args := []string{"-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", toneSpec(freq, d),
		"-ar", fmt.Sprint(rate), "-c:a", encoder}
	args = append(args, extra...)
	args = append(args, "-metadata", "artist=Ogg Artist", "-metadata", "title=Ogg Song",
		"-content_type", ctype, "-ice_name", "Ogg FM", "-f", "ogg", url)
	return startProgram(t, "ffmpeg "+encoder, exec.CommandContext(ctx, ffmpeg, args...))
}

// TestOggFFmpegSources: ffmpeg sends Ogg Vorbis, Opus and FLAC; three
// ffmpeg listeners join at different moments and each decodes the tone
// cleanly from its first byte; the title from the comments shows in the
// status page; nobody gets icy-metaint.
func TestOggFFmpegSources(t *testing.T) {
	for _, c := range oggCodecs {
		t.Run(c.name, func(t *testing.T) {
			ts := startServer(t, nil)
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			mount := "/radio." + c.name
			ctype := "application/ogg"
			if c.name == "opus" {
				ctype = "audio/ogg"
			}
			src := ffmpegOggSource(t, ctx, c.encoder, c.rate, c.extra, "icecast://source:"+testSourcePass+"@"+ts.http+mount, ctype, 880, 40*time.Second)
			waitOnAirFrom(t, ts, mount, src)

			l := listenOgg(t, ts, mount)
			if mi, ok := l.headers["icy-metaint"]; ok {
				t.Errorf("icy-metaint %s on an Ogg mount", mi)
			}
			var wg sync.WaitGroup
			pcms := make([][]byte, 3)
			errs := make([]string, 3)
			for i := range 3 {
				wg.Go(func() {
					// Joins at 0, 1.3 and 2.6 s: on a different page of the
					// stream each time.
					select {
					case <-time.After(time.Duration(i) * 1300 * time.Millisecond):
					case <-ctx.Done():
						return
					}
					pcms[i], errs[i] = decodeOgg(ctx, "http://"+ts.http+mount, 4*time.Second)
				})
			}
			wg.Wait()
			for i := range 3 {
				if errs[i] != "" {
					t.Errorf("listener %d: ffmpeg reported: %s", i+1, errs[i])
				}
				checkTone(t, pcms[i], fmt.Sprintf("listener %d of %s", i+1, mount), 880, fixtureLevel)
			}
			var st struct {
				Icestats struct {
					Source []icecastSource `json:"source"`
				} `json:"icestats"`
			}
			_, body := httpGet(t, "http://"+ts.http+"/status-json.xsl")
			if err := json.Unmarshal([]byte(body), &st); err != nil || len(st.Icestats.Source) != 1 {
				t.Fatalf("status: %v %s", err, body)
			}
			s := st.Icestats.Source[0]
			if s.Title != "Ogg Artist - Ogg Song" || s.ServerName != "Ogg FM" || s.SampleRate != c.rate || s.Channels != 2 {
				t.Errorf("status entry %+v", s)
			}
			if got := ts.Mount(mount).Codec(); got != c.name {
				t.Errorf("codec %q", got)
			}
		})
	}
}

// decodeOgg plays url with ffmpeg for d and returns the PCM (s16le,
// stereo, 44.1 kHz) and what ffmpeg reported.
func decodeOgg(ctx context.Context, url string, d time.Duration) ([]byte, string) {
	return decodeOggLog(ctx, url, d, "error")
}

// decodeOggLog is decodeOgg with ffmpeg's -loglevel: "warning" keeps
// what it says at a chain boundary.
func decodeOggLog(ctx context.Context, url string, d time.Duration, level string) ([]byte, string) {
	cmd := exec.CommandContext(ctx, "ffmpeg", "-hide_banner", "-loglevel", level,
		"-i", url, "-t", fmt.Sprintf("%.1f", d.Seconds()), "-f", "s16le", "-ac", "2", "-ar", "44100", "-")
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return out.Bytes(), err.Error() + ": " + stderr.String()
	}
	return out.Bytes(), strings.TrimSpace(stderr.String())
}
