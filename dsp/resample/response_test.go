package resample

import (
	"fmt"
	"math"
	"math/cmplx"
	"testing"

	"onair/internal/testaudio"
)

// TestResponse computes the frequency response of the filter a table
// holds (its rows interleaved: the prototype at L times the input rate) and
// checks it against what the package comment promises: flat within 0.05 dB
// to the passband edge, and from half the lower rate to four times it (or
// the prototype's Nyquist frequency) at least stop dB down.
func TestResponse(t *testing.T) {
	for _, tt := range []struct {
		q    Quality
		stop float64
	}{{Best, -100}, {Fast, -74}} {
		for _, p := range [][2]int{{44100, 48000}, {48000, 44100}, {32000, 44100}, {22050, 44100}, {96000, 8000}} {
			t.Run(fmt.Sprintf("%v/%d-%d", tt.q, p[0], p[1]), func(t *testing.T) {
				r := New(p[0], p[1], 1, tt.q)
				h := prototype(r.t)
				lower := float64(min(p[0], p[1]))
				rate := float64(r.l) * float64(p[0]) // the prototype's rate
				resp := func(f float64) float64 {
					var sum complex128
					rot, z := cmplx.Rect(1, -2*math.Pi*f/rate), complex(1, 0)
					for n, c := range h {
						sum += complex(c, 0) * z
						z *= rot
						if n%64 == 63 {
							// Renormalize: the rotation drifts.
							z = cmplx.Rect(1, -2*math.Pi*f/rate*float64(n+1))
						}
					}
					return testaudio.DB(cmplx.Abs(sum) / float64(r.l))
				}
				edge := bounds[tt.q].passEdge * lower
				var dev float64
				for f := 0.0; f <= edge; f += edge / 400 {
					dev = max(dev, math.Abs(resp(f)))
				}
				stop := -400.0
				for f := 0.5 * lower; f <= min(4*lower, rate/2); f += lower / 1000 {
					stop = max(stop, resp(f))
				}
				t.Logf("passband within %.4f dB to %.0f Hz, stopband %.1f dB from %.0f Hz", dev, edge, stop, lower/2)
				if dev > 0.05 || stop > tt.stop {
					t.Errorf("passband within %.4f dB, stopband %.1f dB", dev, stop)
				}
			})
		}
	}
}

// prototype returns the filter of an exact table as one impulse response,
// at L times the input rate.
func prototype(t table) []float64 {
	h := make([]float64, t.rows*t.taps)
	for p := range t.rows {
		for i := range t.taps {
			// Row p, tap i weighs the input (taps/2-1-i)+p/rows before
			// the output: index (taps-1-i)·rows+p from the start.
			h[(t.taps-1-i)*t.rows+p] = float64(t.coef[p*t.taps+i])
		}
	}
	return h
}
