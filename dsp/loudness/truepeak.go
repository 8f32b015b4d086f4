package loudness

import "math"

// BS.1770-4 Annex 2 asks for at least 4× oversampling at 48 kHz. The
// interpolator is a Kaiser-windowed sinc cut off at the input's Nyquist
// frequency, tapsPerPhase input samples long: flat within 0.01 dB to
// 0.43 of the rate (19 kHz at 44.1 kHz), images 70 dB down past 0.57.
const (
	oversample   = 4
	tapsPerPhase = 32
	kaiserBeta   = 7
)

// interpolator holds the taps of phases 1…3; phase 0 falls on the input
// samples themselves, because the sinc is zero at every other whole
// sample, so the sample peak stands in for it.
var interpolator = designInterpolator()

func designInterpolator() (taps [oversample - 1][tapsPerPhase]float64) {
	half := tapsPerPhase / 2
	for p := 1; p < oversample; p++ {
		for i := range tapsPerPhase {
			// Tap i weighs the sample i − (half−1) places from the
			// one before the interpolated point, which lies p/4 after
			// that sample.
			tau := float64(p)/oversample - float64(i-(half-1))
			taps[p-1][i] = sinc(tau) * kaiser(tau/float64(half), kaiserBeta)
		}
	}
	return taps
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

// kaiser is the Kaiser window at x in [−1, 1].
func kaiser(x, beta float64) float64 {
	if x <= -1 || x >= 1 {
		return 0
	}
	return bessel0(beta*math.Sqrt(1-x*x)) / bessel0(beta)
}

// bessel0 is the modified Bessel function of the first kind, order 0, by
// its power series, which converges fast for the window's arguments.
func bessel0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; k < 50; k++ {
		term *= (x / (2 * float64(k))) * (x / (2 * float64(k)))
		sum += term
		if term < 1e-17*sum {
			break
		}
	}
	return sum
}

// peakChannel follows one channel's true peak. hist holds the last
// tapsPerPhase samples twice over, so that a window is always one
// contiguous slice whatever the write position.
type peakChannel struct {
	hist [2 * tapsPerPhase]float64
	pos  int
	peak float64 // largest |interpolated value| so far
}

// skipBlock is how many samples share one check of whether they could
// beat the peak so far.
const skipBlock = 64

// interpolatorGain bounds an interpolated value: no phase gives more than
// this times the largest sample in its window.
var interpolatorGain = func() float64 {
	var g float64
	for _, t := range interpolator {
		var sum float64
		for _, v := range t {
			sum += math.Abs(v)
		}
		g = max(g, sum)
	}
	return g
}()

// write interpolates between the samples of channel c of the interleaved
// frames x. Once the peak is high, most of a programme cannot reach it:
// a block whose samples, and the window before them, are too low to
// exceed it even at the interpolator's largest gain is only remembered,
// which saves most of the work and changes no reading.
func (pc *peakChannel) write(x []float32, c, channels int) {
	peak, pos := pc.peak, pc.pos
	h := &pc.hist
	for start := c; start < len(x); start += skipBlock * channels {
		end := min(start+skipBlock*channels, len(x))
		var bound float64
		for _, v := range h[pos : pos+tapsPerPhase] {
			bound = max(bound, math.Abs(v))
		}
		for i := start; i < end; i += channels {
			bound = max(bound, math.Abs(float64(x[i])))
		}
		if bound*interpolatorGain <= peak {
			for i := start; i < end; i += channels {
				v := float64(x[i])
				h[pos], h[pos+tapsPerPhase] = v, v
				pos++
				if pos == tapsPerPhase {
					pos = 0
				}
			}
			continue
		}
		for i := start; i < end; i += channels {
			v := float64(x[i])
			h[pos], h[pos+tapsPerPhase] = v, v
			pos++
			if pos == tapsPerPhase {
				pos = 0
			}
			// The three phases in one pass: each sample is loaded once,
			// and the three sums do not wait on each other.
			w := (*[tapsPerPhase]float64)(h[pos : pos+tapsPerPhase])
			t1, t2, t3 := &interpolator[0], &interpolator[1], &interpolator[2]
			var y1, y2, y3 float64
			for j, s := range w {
				y1 += s * t1[j]
				y2 += s * t2[j]
				y3 += s * t3[j]
			}
			// By comparison, not max: a NaN from a broken sample must
			// not stick.
			if y := max(math.Abs(y1), math.Abs(y2), math.Abs(y3)); y > peak {
				peak = y
			}
		}
	}
	pc.peak, pc.pos = peak, pos
}
