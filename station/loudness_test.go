package station

import (
	"bytes"
	"fmt"
	"math"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"onair/config"
	"onair/internal/testaudio"
	"onair/internal/testenv"
)

// ebur128 runs FFmpeg's ebur128 filter over the input args name (stdin
// feeding pipe:0) and returns the integrated loudness of its summary.
func ebur128(t *testing.T, ffmpeg string, stdin []byte, input ...string) float64 {
	t.Helper()
	args := append([]string{"-hide_banner", "-nostats", "-nostdin"}, input...)
	args = append(args, "-filter_complex", "ebur128", "-f", "null", "-")
	cmd := exec.Command(ffmpeg, args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg ebur128: %v\n%s", err, out)
	}
	// The summary comes last: "Integrated loudness:\n    I:   -16.0 LUFS".
	// FFmpeg may build the filter graph twice, and the first one's summary
	// reads nothing: the last summary is the run's.
	all := regexp.MustCompile(`(?s)Summary:.*?I:\s+(-?[0-9.]+|-inf) LUFS`).FindAllSubmatch(out, -1)
	if len(all) == 0 {
		t.Fatalf("no integrated loudness in ffmpeg's output:\n%s", out)
	}
	m := all[len(all)-1]
	v, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatalf("integrated loudness %q: %v", m[1], err)
	}
	return v
}

// TestStationPlaysAtLoudnessTarget is the test: tone tracks at
// −26 and −8 LUFS, played by a station with the default target of −16
// LUFS and Music Level 1.0, each reach a listener of /stream within 1 LU
// of −16 LUFS (the MP3 encoder alone moves loudness by about 0.5 LU).
// The library has not measured them before the station starts: the
// station measures each before it plays, the first one too.
func TestStationPlaysAtLoudnessTarget(t *testing.T) {
	ffmpeg := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	dir := t.TempDir()
	const secs = 9
	tracks := []struct {
		file string
		freq float64
		lufs float64
	}{{"quiet.mp3", 440, -26}, {"loud.mp3", 1000, -8}}
	for _, tr := range tracks {
		// A stereo sine of amplitude A reads 20·log10(A) LUFS at 1 kHz,
		// where K-weighting adds the 0.691 dB BS.1770 takes off; at 440
		// Hz it takes off about 0.2 dB.
		amp := math.Pow(10, (tr.lufs+0.691-kWeightDB(tr.freq))/20)
		sine := fmt.Sprintf("%g*sin(2*PI*%g*t)", amp, tr.freq)
		path := filepath.Join(dir, tr.file)
		if out, err := exec.Command(ffmpeg, "-v", "error", "-f", "lavfi",
			"-i", fmt.Sprintf("aevalsrc=%s|%s:s=44100:d=%d", sine, sine, secs),
			"-c:a", "libmp3lame", "-b:a", "192k", "-metadata", "title="+tr.file, path).CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg %s: %v\n%s", tr.file, err, out)
		}
		if got := ebur128(t, ffmpeg, nil, "-i", path); math.Abs(got-tr.lufs) > 0.5 {
			t.Fatalf("fixture %s reads %.1f LUFS in ffmpeg's ebur128, want %.0f", tr.file, got, tr.lufs)
		}
	}

	cfg := config.Default().Stations[0]
	cfg.MediaDirs = []string{dir}
	cfg.CrossfadeMS = 500
	cfg.Mixer.MusicLevel = 1
	if target, on := cfg.Loudness(); !on || target != -16 {
		t.Fatalf("the default loudness target is %v (on %v), want -16 LUFS", target, on)
	}
	addr, _, run := newStationOf(t, cfg)
	run()
	audio, _ := record(t, addr, 2*secs*time.Second+4*time.Second)

	// Decode the stream, find each tone's longest stretch by its
	// frequency, and measure the stretch without its fades.
	cmd := exec.Command(ffmpeg, "-v", "error", "-f", "mp3", "-i", "pipe:0", "-f", "s16le", "-ac", "2", "-ar", "44100", "pipe:1")
	cmd.Stdin = bytes.NewReader(audio)
	pcm, err := cmd.Output()
	if err != nil {
		t.Fatalf("ffmpeg decode: %v", err)
	}
	left := testaudio.DecodeS16LE(pcm, 2)[0]
	const win = 4410 // 100 ms
	for _, tr := range tracks {
		other := tracks[0].freq + tracks[1].freq - tr.freq
		bestFrom, bestLen, from := 0, 0, -1
		for i := 0; i+win <= len(left); i += win {
			x := left[i : i+win]
			on := testaudio.HannLevel(x, 44100, tr.freq) > 0.01 &&
				testaudio.HannLevel(x, 44100, tr.freq) > 4*testaudio.HannLevel(x, 44100, other)
			if on && from < 0 {
				from = i
			}
			if (!on || i+2*win > len(left)) && from >= 0 {
				if end := i + win; end-from > bestLen {
					bestFrom, bestLen = from, end-from
				}
				from = -1
			}
		}
		const trim = 44100 // a second off each end: the crossfades
		if bestLen-2*trim < 3*44100 {
			t.Fatalf("%s: no 3 s of it in %d s of /stream (longest %.1f s)", tr.file, 2*secs+4, float64(bestLen)/44100)
		}
		part := pcm[4*(bestFrom+trim) : 4*(bestFrom+bestLen-trim)]
		got := ebur128(t, ffmpeg, part, "-f", "s16le", "-ar", "44100", "-ac", "2", "-i", "pipe:0")
		t.Logf("%s (%.0f LUFS) on /stream: %.2f LUFS over %.1f s", tr.file, tr.lufs, got, float64(len(part))/4/44100)
		if math.Abs(got-(-16)) > 1 {
			t.Errorf("%s (%.0f LUFS) plays at %.2f LUFS on /stream, want -16 ± 1", tr.file, tr.lufs, got)
		}
	}
}

// kWeightDB is K-weighting's gain at freq Hz, near enough for making
// fixtures (read off FFmpeg's ebur128; the test checks the fixtures).
func kWeightDB(freq float64) float64 {
	if freq >= 1000 {
		return 0.691
	}
	return -0.2
}
