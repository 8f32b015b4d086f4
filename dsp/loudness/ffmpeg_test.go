package loudness

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"onair/internal/testenv"
)

// TestAgainstFFmpeg measures music-like material made at test time
// (noise, chords, speech) with the meter and with ffmpeg's ebur128
// filter on the same samples: integrated loudness and true peak must
// agree within 0.3, and the range within 1 LU.
func TestAgainstFFmpeg(t *testing.T) {
	ffmpeg := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	espeak := testenv.RequireTool(t, "espeak-ng", "espeak-ng")
	dir := t.TempDir()
	speech := filepath.Join(dir, "speech.wav")
	run(t, espeak, "-w", speech, "-s", "150",
		"Good evening, this is OnAir. The news at nine: rain moves in from the west tonight, "+
			"clearing by morning. And now, music until midnight. Stay with us.")

	// Each source is a filter graph (or a file) and the arguments that
	// make it rate Hz and ch channels.
	sources := []struct {
		name string
		args func(rate, ch int) []string
	}{
		{"pink noise, swelling", func(rate, ch int) []string {
			return lavfi(fmt.Sprintf("anoisesrc=color=pink:amplitude=0.5:seed=1:r=%d:d=25,volume='0.1+0.9*abs(sin(t/4))':eval=frame", rate), ch)
		}},
		{"white noise, loud", func(rate, ch int) []string {
			return lavfi(fmt.Sprintf("anoisesrc=color=white:amplitude=0.9:seed=2:r=%d:d=15", rate), ch)
		}},
		{"chords", func(rate, ch int) []string {
			// A triad with an overtone near fs/4, which peaks between
			// samples, and a bass line under it; a swell every 5 s.
			chord := "0.25*(sin(2*PI*261.6*t)+sin(2*PI*329.6*t)+sin(2*PI*392*t)+0.5*sin(2*PI*10987*t)+0.8*sin(2*PI*65.4*t))*(0.55+0.45*sin(2*PI*t/5))"
			return lavfi(fmt.Sprintf("aevalsrc='%s':s=%d:d=20", chord, rate), ch)
		}},
		{"speech", func(rate, ch int) []string {
			return []string{"-i", speech, "-af", fmt.Sprintf("volume=4dB,aresample=%d", rate), "-ac", strconv.Itoa(ch)}
		}},
	}
	for _, src := range sources {
		rates := []int{44100, 48000}
		if src.name == "chords" {
			// The K-weighting derived for rates OnAir meets less often.
			rates = append(rates, 22050, 32000, 96000)
		}
		for _, rate := range rates {
			for _, ch := range []int{1, 2} {
				name := fmt.Sprintf("%s/%d/%dch", src.name, rate, ch)
				t.Run(name, func(t *testing.T) {
					raw := filepath.Join(dir, fmt.Sprintf("%s-%d-%d.f32", src.name[:4], rate, ch))
					args := append([]string{"-nostdin", "-v", "error", "-y"}, src.args(rate, ch)...)
					run(t, ffmpeg, append(args, "-f", "f32le", "-c:a", "pcm_f32le", raw)...)
					x := readF32(t, raw)

					m := NewMeter(rate, ch)
					m.Write(x)
					i, lra, tp := ebur128(t, ffmpeg, raw, rate, ch)
					t.Logf("meter I %.2f LUFS, LRA %.2f LU, TP %.2f dBTP; ffmpeg I %.1f, LRA %.1f, TP %.1f",
						m.Integrated(), m.Range(), m.TruePeak(), i, lra, tp)
					if d := m.Integrated() - i; !(math.Abs(d) <= 0.3) {
						t.Errorf("integrated %.2f LUFS, ffmpeg %.1f: off by %.2f LU, want ≤ 0.3", m.Integrated(), i, d)
					}
					if d := m.TruePeak() - tp; !(math.Abs(d) <= 0.3) {
						t.Errorf("true peak %.2f dBTP, ffmpeg %.1f: off by %.2f dB, want ≤ 0.3", m.TruePeak(), tp, d)
					}
					if d := m.Range() - lra; !(math.Abs(d) <= 1) {
						t.Errorf("range %.2f LU, ffmpeg %.1f: off by %.2f LU, want ≤ 1", m.Range(), lra, d)
					}
				})
			}
		}
	}
}

// lavfi is ffmpeg's arguments for a mono filter graph source made into ch
// channels; for two, the right channel is the graph delayed by 0.31 s
// and a little quieter, so that the channels differ.
func lavfi(graph string, ch int) []string {
	if ch == 1 {
		return []string{"-f", "lavfi", "-i", graph}
	}
	return []string{"-f", "lavfi", "-i", graph, "-filter_complex",
		"[0:a]asplit[l][r];[r]adelay=310,volume=0.8[rd];[l][rd]join=inputs=2:channel_layout=stereo[out]", "-map", "[out]"}
}

var (
	summaryI   = regexp.MustCompile(`I:\s+(-?[\d.]+|-inf) LUFS`)
	summaryLRA = regexp.MustCompile(`LRA:\s+(-?[\d.]+) LU`)
	summaryTP  = regexp.MustCompile(`Peak:\s+(-?[\d.]+|-inf) dBFS`)
)

// ebur128 is ffmpeg's summary of the raw file: integrated loudness, range
// and true peak.
func ebur128(t *testing.T, ffmpeg, raw string, rate, ch int) (i, lra, tp float64) {
	t.Helper()
	out := run(t, ffmpeg, "-nostdin", "-nostats", "-f", "f32le", "-ar", strconv.Itoa(rate), "-ac", strconv.Itoa(ch), "-i", raw,
		"-filter_complex", "ebur128=peak=true:framelog=verbose", "-f", "null", "-")
	// ffmpeg configures the graph twice and the first, unused filter
	// prints a summary of nothing: the last summary is the one.
	k := bytes.LastIndex(out, []byte("Summary:"))
	if k < 0 {
		t.Fatalf("no summary in ffmpeg's output:\n%s", out)
	}
	out = out[k:]
	get := func(re *regexp.Regexp) float64 {
		m := re.FindSubmatch(out)
		if m == nil {
			t.Fatalf("no %v in ffmpeg's output:\n%s", re, out)
		}
		v, err := strconv.ParseFloat(string(m[1]), 64)
		if err != nil {
			t.Fatalf("ffmpeg's %q: %v", m[1], err)
		}
		return v
	}
	return get(summaryI), get(summaryLRA), get(summaryTP)
}

// run runs a program for at most a minute and returns its output, both
// streams together.
func run(t testing.TB, name string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %q: %v\n%s", name, args, err, out.Bytes())
	}
	return out.Bytes()
}

// readF32 reads raw little-endian float32 samples.
func readF32(t testing.TB, path string) []float32 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, len(b)/4)
	for i := range x {
		x[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return x
}
