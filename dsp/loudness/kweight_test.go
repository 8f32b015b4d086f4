package loudness

import (
	"math"
	"testing"

	"onair/internal/testaudio"
)

// TestKWeightingAt48kHzIsTheTable: the filter re-derived from its
// analogue prototypes at 48 kHz gives back BS.1770-4's coefficients,
// so the mapping both ways is right.
func TestKWeightingAt48kHzIsTheTable(t *testing.T) {
	shelf, hp := kWeighting(48000)
	for _, c := range []struct {
		name      string
		got, want biquad
	}{{"shelf", shelf, shelf48}, {"high-pass", hp, highpass48}} {
		g := []float64{c.got.b0, c.got.b1, c.got.b2, c.got.a1, c.got.a2}
		w := []float64{c.want.b0, c.want.b1, c.want.b2, c.want.a1, c.want.a2}
		for i := range g {
			if !(math.Abs(g[i]-w[i]) <= 1e-12) {
				t.Errorf("%s coefficient %d: %.14f, want %.14f", c.name, i, g[i], w[i])
			}
		}
	}
	// The prototypes' corners, which the literature quotes from the
	// same table: a shelf at 1682 Hz, a high-pass at 38.1 Hz.
	if p := analogue(shelf48, 48000); !(math.Abs(p.f0-1681.97) <= 0.01) || !(math.Abs(20*math.Log10(p.c2)-4.0) <= 0.01) {
		t.Errorf("shelf prototype %+v, want f0 1681.97 Hz and +4.0 dB above it", p)
	}
	if p := analogue(highpass48, 48000); !(math.Abs(p.f0-38.135) <= 0.001) || !(math.Abs(p.q-0.5003) <= 0.0001) {
		t.Errorf("high-pass prototype %+v, want f0 38.135 Hz, Q 0.5003", p)
	}
}

// TestKWeightingAtOtherRates: at every rate the filter's response
// follows the 48 kHz filter's to within 0.01 dB up to 10 kHz (the
// bilinear transform bends the top octave differently at each rate), and
// a 1 kHz tone gains the 0.7 dB that BS.1770's −0.691 takes back. At
// 22.05 kHz the shelf is squeezed towards the Nyquist frequency and the
// match is looser; below that it is the caller's risk (documented).
func TestKWeightingAtOtherRates(t *testing.T) {
	s48, h48 := kWeighting(48000)
	gain := func(s, h biquad, f, rate float64) float64 {
		return testaudio.DB(s.response(f, rate) * h.response(f, rate))
	}
	for _, rate := range []float64{22050, 32000, 44100, 88200, 96000, 192000} {
		s, h := kWeighting(rate)
		for _, f := range []float64{10, 20, 38, 50, 100, 500, 1000, 1682, 3000, 5000, 10000} {
			if f >= rate*0.45 {
				continue
			}
			got, want := gain(s, h, f, rate), gain(s48, h48, f, 48000)
			tol := 0.01
			if rate < 32000 {
				tol = 0.05
			}
			if !(math.Abs(got-want) <= tol) {
				t.Errorf("%g Hz at %g Hz: %+.4f dB, 48 kHz filter %+.4f dB", f, rate, got, want)
			}
		}
		if g := gain(s, h, 1000, rate); !(math.Abs(g-0.691) <= 0.03) {
			t.Errorf("1 kHz at %g Hz: %+.4f dB, want +0.691 ± 0.03", rate, g)
		}
	}
}
