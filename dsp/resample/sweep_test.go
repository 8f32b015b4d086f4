package resample

import (
	"math"
	"testing"
)

// The sweep: logarithmic from 20 Hz to 24 kHz in sweepSecs at 48 kHz,
// amplitude 0.5 (-6 dBFS; 0 dBFS is a sine of amplitude 1).
const (
	sweepFrom = 20.0
	sweepTo   = 24000.0
	sweepSecs = 8.0
	sweepAmp  = 0.5
)

// sweepFreq is the sweep's frequency at t seconds.
func sweepFreq(t float64) float64 {
	return sweepFrom * math.Pow(sweepTo/sweepFrom, t/sweepSecs)
}

// sweep returns the sweep sampled at rate Hz.
func sweep(rate int) []float32 {
	k := math.Log(sweepTo / sweepFrom)
	s := make([]float32, int(sweepSecs*float64(rate)))
	for i := range s {
		t := float64(i) / float64(rate)
		phase := 2 * math.Pi * sweepFrom * sweepSecs / k * (math.Exp(t/sweepSecs*k) - 1)
		s[i] = float32(sweepAmp * math.Sin(phase))
	}
	return s
}

// sweepReport is what analyzeSweep finds in a resampled sweep.
type sweepReport struct {
	worst   float64 // highest energy away from the sweep in any frame, dBFS
	worstAt float64 // sweep frequency in that frame, Hz
	minIn   float64 // lowest energy at the sweep, among frames below maxIn Hz
	maxIn   float64 // highest energy at the sweep, among those frames
}

// analyzeSweep cuts y, the sweep at rate Hz, into windowed FFT frames
// and measures in each the energy away from the sweep: every bin but those
// between the sweep's frequencies at the frame's two ends, widened by the
// window's main lobe. When the sweep is above the output's Nyquist frequency
// every bin counts: all that is left is aliases and spurs. Levels are in
// dBFS. It also reports the energy at the sweep, which must be the sweep's
// -6 dBFS wherever the frame lies inside the passband (from 300 Hz, where
// the sweep's positive and negative frequencies no longer overlap, to passTo
// Hz). Frames after the sweep passes upTo Hz are left out.
func analyzeSweep(y []float32, rate int, passTo, upTo float64) sweepReport {
	const n, hop = 2048, 1024
	win := kaiserWindow(n, 20)
	var wsum float64
	for _, w := range win {
		wsum += w * w
	}
	// A sine of amplitude 1 puts N·Σw²/4 in the bins of positive frequency.
	norm := 4 / (n * wsum)
	binHz := float64(rate) / n
	nyquist := float64(rate) / 2
	rep := sweepReport{worst: -400, minIn: 400, maxIn: -400}
	x := make([]complex128, n)
	for s := 0; s+n <= len(y); s += hop {
		t0, t1 := float64(s)/float64(rate), float64(s+n)/float64(rate)
		if t0 < 0.05 || t1 > sweepSecs-0.05 || sweepFreq(t1) > upTo {
			continue // the sweep's own start and end splatter
		}
		for i := range x {
			x[i] = complex(float64(y[s+i])*win[i], 0)
		}
		fft(x)
		// The Kaiser window's main lobe is ±6.4 bins wide.
		lo, hi := sweepFreq(t0)-8*binHz, sweepFreq(t1)+8*binHz
		if sweepFreq(t0) > nyquist {
			lo, hi = 0, -1 // no sweep to exclude
		}
		var away, at float64
		for k := 0; k <= n/2; k++ {
			e := real(x[k])*real(x[k]) + imag(x[k])*imag(x[k])
			if f := float64(k) * binHz; f >= lo && f <= hi {
				at += e
			} else {
				away += e
			}
		}
		if l := 10 * math.Log10(away*norm+1e-40); l > rep.worst {
			rep.worst, rep.worstAt = l, sweepFreq((t0+t1)/2)
		}
		if sweepFreq(t0) > 300 && sweepFreq(t1) < passTo {
			l := 10 * math.Log10(at*norm)
			rep.minIn = min(rep.minIn, l)
			rep.maxIn = max(rep.maxIn, l)
		}
	}
	return rep
}

// TestSweepAliases sends the sweep from 48 kHz to 44.1 kHz: whatever comes
// out away from the sweep's frequency (input above 22.05 kHz folded down,
// spurs) must be below the quality's bound, while the sweep itself comes
// through at -6 dBFS.
func TestSweepAliases(t *testing.T) {
	in := sweep(48000)
	for _, q := range []Quality{Best, Fast} {
		t.Run(q.String(), func(t *testing.T) {
			out := run(New(48000, 44100, 1, q), in, 1152)
			rep := analyzeSweep(out, 44100, bounds[q].passEdge*44100, sweepTo)
			t.Logf("worst away from the sweep %.1f dBFS (sweep at %.0f Hz); sweep %.3f…%.3f dBFS", rep.worst, rep.worstAt, rep.minIn, rep.maxIn)
			if rep.worst > bounds[q].alias {
				t.Errorf("%.1f dBFS away from the sweep at %.0f Hz, want below %.0f", rep.worst, rep.worstAt, bounds[q].alias)
			}
			if rep.minIn < -6.02-0.1 || rep.maxIn > -6.02+0.1 {
				t.Errorf("sweep came through at %.3f…%.3f dBFS, want -6.02", rep.minIn, rep.maxIn)
			}
		})
	}
	// The measurement must see the aliases it looks for: linear
	// interpolation, which barely filters, has to fail it, while a sweep
	// computed at 44.1 kHz has to pass it by far.
	t.Run("linear interpolation fails", func(t *testing.T) {
		out := make([]float32, len(in)*441/480)
		for i := range out {
			p := float64(i) * 480 / 441
			j := int(p)
			f := float32(p - float64(j))
			out[i] = in[j]
			if j+1 < len(in) {
				out[i] += f * (in[j+1] - in[j])
			}
		}
		rep := analyzeSweep(out, 44100, 0, sweepTo)
		t.Logf("worst away from the sweep %.1f dBFS (sweep at %.0f Hz)", rep.worst, rep.worstAt)
		if rep.worst < -40 {
			t.Errorf("linear interpolation measured %.1f dBFS", rep.worst)
		}
	})
	t.Run("ideal passes", func(t *testing.T) {
		// Sampled directly at 44.1 kHz the sweep aliases itself above
		// 22.05 kHz, so stop there.
		rep := analyzeSweep(sweep(44100), 44100, 18000, 22050)
		t.Logf("worst away from the sweep %.1f dBFS (sweep at %.0f Hz); sweep %.3f…%.3f dBFS", rep.worst, rep.worstAt, rep.minIn, rep.maxIn)
		if rep.worst > -120 || rep.minIn < -6.03 || rep.maxIn > -6.01 {
			t.Errorf("the measurement's own floor is %.1f dBFS at %.0f Hz; sweep %.3f…%.3f dBFS", rep.worst, rep.worstAt, rep.minIn, rep.maxIn)
		}
	})
}
