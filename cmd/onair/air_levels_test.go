package main

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"onair/internal/testaudio"
	"onair/internal/testenv"
)

// levelBetween is freq's level in pcm from second a to second b: the
// mean of its 10 ms windows, which keeps a tone whose pitch the mixer
// nudged (it steers a mic's or a source's clock by up to half a percent)
// in its window.
func levelBetween(t *testing.T, pcm []float64, freq, a, b float64) float64 {
	t.Helper()
	i, j := int(a*pcmRate), int(b*pcmRate)
	if i < 0 || j > len(pcm) || j-i < pcmRate/4 {
		t.Fatalf("span %.2f–%.2f s of %.2f s is too short to measure", a, b, float64(len(pcm))/pcmRate)
	}
	return testaudio.Mean(testaudio.Envelope(pcm[i:j], pcmRate, freq, envWin))
}

// checkLevel fails unless got is within tol dB of want.
func checkLevel(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	d := testaudio.DB(got / want)
	t.Logf("%s: %.4f, want %.4f (%+.2f dB)", what, got, want, d)
	if math.IsNaN(d) || math.Abs(d) > tol {
		t.Errorf("%s at %.4f, want %.4f ± %.1f dB (off by %+.2f dB)", what, got, want, tol, d)
	}
}

// crossing is the time, in seconds from the recording's start, where env
// going from level a to level b first gets fraction f of the way,
// searching from window i0 on and interpolating between window centres;
// -1 if it never does.
func crossing(env []float64, i0 int, a, b, f float64) float64 {
	g := func(i int) float64 { return (env[i] - a) / (b - a) }
	for i := max(i0, 1); i < len(env); i++ {
		if gi := g(i); gi >= f {
			prev, frac := g(i-1), 1.0
			if gi > prev {
				frac = min(1, max(0, (f-prev)/(gi-prev)))
			}
			return (float64(i-1) + frac + 0.5) * envWin / pcmRate
		}
	}
	return -1
}

// ramp is a fade found in an envelope, in seconds.
type ramp struct{ start, mid, end float64 }

// findRamp finds the fade from level a to level b after second from. Its
// start is where the level departs from a: the first window 5 % of the
// way, taken back along the slope measured between 5 % and 25 % to where
// it began (a threshold nearer 0 would catch the codec's noise); its end
// likewise from 75 % and 95 %; mid is where it is half way, in amplitude.
func findRamp(env []float64, from, a, b float64) (ramp, bool) {
	i0 := int(from * 100)
	t5, t25 := crossing(env, i0, a, b, 0.05), crossing(env, i0, a, b, 0.25)
	t50 := crossing(env, i0, a, b, 0.5)
	t75, t95 := crossing(env, i0, a, b, 0.75), crossing(env, i0, a, b, 0.95)
	if t5 < 0 || t25 < 0 || t50 < 0 || t75 < 0 || t95 < 0 {
		return ramp{}, false
	}
	return ramp{start: t5 - (t25-t5)/4, mid: t50, end: t95 + (t95-t75)/4}, true
}

// checkRamp fails unless the fade from a to b after second from is
// linear over fade: half way at its start plus fade/2 (± 50 ms), and
// ending fade/2 later.
func checkRamp(t *testing.T, what string, env []float64, from, a, b float64, fade time.Duration) ramp {
	t.Helper()
	r, ok := findRamp(env, from, a, b)
	if !ok {
		t.Errorf("%s: no fade from %.4f to %.4f after %.2f s", what, a, b, from)
		return r
	}
	half := fade.Seconds() / 2
	t.Logf("%s: starts at %.3f s, half way %.0f ms later, ends %.0f ms after that (fade %v)",
		what, r.start, 1000*(r.mid-r.start), 1000*(r.end-r.mid), fade)
	if d := r.mid - r.start - half; math.Abs(d) > 0.05 {
		t.Errorf("%s: half way %.0f ms after its start, want %.0f ± 50 ms", what, 1000*(r.mid-r.start), 1000*half)
	}
	if d := r.end - r.mid - half; math.Abs(d) > 0.05 {
		t.Errorf("%s: ends %.0f ms after half way, want %.0f ± 50 ms", what, 1000*(r.end-r.mid), 1000*half)
	}
	return r
}

// runs are the spans (in seconds) where env is above level, with dips
// shorter than 300 ms bridged.
func runs(env []float64, level float64) [][2]float64 {
	var out [][2]float64
	for i := 0; i < len(env); i++ {
		if env[i] < level {
			continue
		}
		j := i
		for j < len(env) && env[j] >= level {
			j++
		}
		a, b := float64(i)/100, float64(j)/100
		if n := len(out); n > 0 && a-out[n-1][1] < 0.3 {
			out[n-1][1] = b
		} else {
			out = append(out, [2]float64{a, b})
		}
		i = j
	}
	return out
}

// refLevel is what decodeMono8k reads of a stereo tone made by the
// lavfi source src after gens round trips through a 128 kbps MP3: the
// level that tone has on the air at gain 1. The AutoDJ's files and the
// live sources are MP3 before the station encodes them again, two
// generations; the mic is one. Each generation loses a little (about
// 0.3 dB at 440 Hz), too much to ignore in a 1 dB tolerance.
func refLevel(t *testing.T, src string, freq, gens int) float64 {
	t.Helper()
	ffmpeg := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	dir := t.TempDir()
	in := []string{"-f", "lavfi", "-i", src, "-ac", "2"}
	var out string
	for g := range gens {
		out = filepath.Join(dir, fmt.Sprintf("gen%d.mp3", g))
		args := append(append([]string{"-v", "error"}, in...), "-c:a", "libmp3lame", "-b:a", "128k", out)
		if b, err := exec.Command(ffmpeg, args...).CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg: %v %s", err, b)
		}
		in = []string{"-i", out}
	}
	mp3, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return levelBetween(t, decodeMono8k(t, mp3), float64(freq), 1, 2)
}

// sineRef is refLevel for lavfi's sine source (amplitude 1/8, the same
// in both channels), which makes the AutoDJ's tones and the live shows.
func sineRef(t *testing.T, freq, gens int) float64 {
	return refLevel(t, fmt.Sprintf("sine=frequency=%d:sample_rate=44100:duration=3", freq), freq, gens)
}

// checkContinuous fails unless the listener's one connection brought
// audio all along: no long wait between reads, as much audio as wall
// time, and no silent stretch but in the seconds quietOK of the stream,
// where a live source left: its show stops dead and the AutoDJ fades in
// from silence.
func checkContinuous(t *testing.T, rec *airRecorder, audio []byte, pcm []float64, musicOn, liveOn float64, quietOK [2]float64) {
	t.Helper()
	_, _, gap := rec.snapshot()
	rec.mu.Lock()
	marks := rec.marks
	rec.mu.Unlock()
	// What arrived after the first second (the burst is in it) against
	// the time it took, within 1.2 s: listeners are sent audio once a
	// second, and the engine runs a few tenths ahead.
	var from airMark
	for _, m := range marks {
		if m.at.Sub(rec.start) >= time.Second {
			from = m
			break
		}
	}
	last := marks[len(marks)-1]
	wall, got := last.at.Sub(from.at).Seconds(), float64(last.bytes-from.bytes)/streamBytesPerSec
	decoded := float64(len(pcm)) / pcmRate
	t.Logf("listener: %.2f s of audio in %.2f s after the burst, decoded %.2f s of %.2f s sent; longest wait %v", got, wall, decoded, float64(len(audio))/streamBytesPerSec, gap)
	if gap > 1500*time.Millisecond || math.Abs(got-wall) > 1.2 || math.Abs(decoded-float64(len(audio))/streamBytesPerSec) > 0.2 {
		t.Errorf("the stream was not continuous: %.2f s of audio in %.2f s, decoded %.2f s, longest wait %v", got, wall, decoded, gap)
	}
	// From the first sound on (the station may begin with a moment of
	// silence while its first track opens).
	heard := false
	for k := 0; k+pcmRate/10 <= len(pcm); k += pcmRate / 10 {
		w := pcm[k : k+pcmRate/10]
		lm, ll := testaudio.HannLevel(w, pcmRate, musicHz), testaudio.HannLevel(w, pcmRate, liveHz)
		quiet := lm < musicOn/30 && ll < liveOn/30
		if at := float64(k) / pcmRate; heard && quiet && (at < quietOK[0] || at > quietOK[1]) {
			t.Errorf("near silence at %.1f s: the music at %.1f dB and the live show at %.1f dB of their levels, for 100 ms",
				at, testaudio.DB(lm/musicOn), testaudio.DB(ll/liveOn))
			break
		}
		heard = heard || !quiet
	}
}
