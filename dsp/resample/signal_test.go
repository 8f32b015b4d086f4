package resample

import (
	"fmt"
	"math"
	"testing"

	"onair/internal/testaudio"
)

// bounds are what each quality must achieve in the signal tests, set a few
// dB above what was measured (the tests log it): Best -107.7 dB THD+N at
// worst (44.1 kHz to 96 kHz, 13.2 kHz), aliases -119 dBFS, 23 kHz -112 dB;
// Fast -77.4 dB (22.05 kHz to 44.1 kHz, 662 Hz), -89 dBFS, -76 dB.
var bounds = map[Quality]struct {
	passEdge float64 // highest frequency, as a fraction of the lower rate, flat within 0.1 dB
	thdn     float64 // THD+N of a sine, dB
	alias    float64 // worst energy away from the sweep, dBFS
	stop23k  float64 // level of a 23 kHz sine from 48 kHz to 44.1 kHz, dB
}{
	Best: {passEdge: 18000.0 / 44100, thdn: -100, alias: -110, stop23k: -105},
	Fast: {passEdge: 16000.0 / 44100, thdn: -72, alias: -80, stop23k: -72},
}

// TestSine48to44 sends 1 kHz at 48 kHz through to 44.1 kHz: it must come
// out at 1 kHz, at the same amplitude and phase, with THD+N (everything
// but the fitted sine) below the quality's bound.
func TestSine48to44(t *testing.T) {
	for _, q := range []Quality{Best, Fast} {
		t.Run(q.String(), func(t *testing.T) {
			const amp = 0.5
			r := New(48000, 44100, 2, q)
			out := run(r, tone(48000, 1000, amp, 2*48000, 2), 1152)
			for k := range 2 {
				y := channel(out, 2, k)
				// Where the spectrum peaks: in 1 Hz steps from 950 Hz to
				// 1050 Hz, then in 0.05 Hz steps around the best.
				peak, best := 0.0, 0.0
				search := func(from, to, step float64) {
					for f := from; f <= to+step/2; f += step {
						if a := testaudio.HannLevel(y[4410:4410+44100], 44100, f); a > best {
							peak, best = f, a
						}
					}
				}
				search(950, 1050, 1)
				search(peak-1, peak+1, 0.05)
				if math.Abs(peak-1000) > 0.15 {
					t.Errorf("channel %d: peak at %.1f Hz", k, peak)
				}
				a, ph, thdn := fitSine(y[2000:len(y)-2000], 2000, 44100, 1000)
				want := 0.0
				if k == 1 {
					want = math.Pi // the right channel is negated
				}
				dph := math.Remainder(ph-want, 2*math.Pi)
				t.Logf("channel %d: peak %.2f Hz, level %+.4f dB, phase %+.1e rad, THD+N %.1f dB", k, peak, testaudio.DB(a/amp), dph, thdn)
				if math.Abs(testaudio.DB(a/amp)) > 0.1 {
					t.Errorf("channel %d: level %+.3f dB", k, testaudio.DB(a/amp))
				}
				if math.Abs(dph) > 1e-4 {
					t.Errorf("channel %d: phase off by %.2e rad: output not time-aligned", k, dph)
				}
				if thdn > bounds[q].thdn {
					t.Errorf("channel %d: THD+N %.1f dB, want below %.0f", k, thdn, bounds[q].thdn)
				}
			}
		})
	}
}

// TestSines sends sines at 0.03 and 0.3 of the lower rate through every pair
// of rates, on one, two and three channels (each has its own kernel): the
// level must stay within 0.1 dB, the phase unshifted and THD+N below the
// bound.
func TestSines(t *testing.T) {
	for _, q := range []Quality{Best, Fast} {
		for _, p := range pairs {
			for _, rel := range []float64{0.03, 0.3} {
				f := math.Round(rel * float64(min(p.in, p.out)))
				for ch := 1; ch <= 3; ch++ {
					t.Run(fmt.Sprintf("%v/%d-%d/%gHz/ch=%d", q, p.in, p.out, f, ch), func(t *testing.T) {
						const amp = 0.9
						out := run(New(p.in, p.out, ch, q), tone(p.in, f, amp, p.in/4, ch), 1152)
						for k := range ch {
							y := channel(out, ch, k)
							skip := p.out / 20
							a, ph, thdn := fitSine(y[skip:len(y)-skip], skip, p.out, f)
							if k%2 == 1 {
								ph = math.Remainder(ph-math.Pi, 2*math.Pi) // odd channels are negated
							}
							t.Logf("channel %d: level %+.4f dB, phase %+.1e rad, THD+N %.1f dB", k, testaudio.DB(a/amp), ph, thdn)
							if math.Abs(testaudio.DB(a/amp)) > 0.1 || math.Abs(ph) > 1e-4 || thdn > bounds[q].thdn {
								t.Errorf("channel %d: level %+.3f dB, phase %+.2e rad, THD+N %.1f dB", k, testaudio.DB(a/amp), ph, thdn)
							}
						}
					})
				}
			}
		}
	}
}

// TestPassband checks the level of sines up to the passband edge, and that
// a 23 kHz sine at 48 kHz, which a 44.1 kHz output cannot hold, is gone.
func TestPassband(t *testing.T) {
	for _, q := range []Quality{Best, Fast} {
		for _, in := range []int{48000, 32000} {
			edge := bounds[q].passEdge * float64(min(in, 44100))
			for _, f := range []float64{100, 5000, 10000, 15000, 16000, 18000} {
				if f > edge+0.5 {
					continue // beyond the passband: 15 kHz is in the transition band at 32 kHz, 18 kHz above its Nyquist
				}
				t.Run(fmt.Sprintf("%v/%d/%gHz", q, in, f), func(t *testing.T) {
					testLevel(t, in, q, f, 0)
				})
			}
			t.Run(fmt.Sprintf("%v/%d/edge", q, in), func(t *testing.T) {
				testLevel(t, in, q, math.Floor(edge), 0)
			})
		}
		t.Run(fmt.Sprintf("%v/48000/23000Hz", q), func(t *testing.T) {
			testLevel(t, 48000, q, 23000, bounds[q].stop23k)
		})
	}
}

// testLevel resamples a sine at f Hz from in Hz to 44.1 kHz and checks that
// its level is within 0.1 dB of 0 or, when stop is given, below stop dB. The
// level is the output's RMS, so that it counts the alias a stopband sine
// leaves at 44.1 kHz - f.
func testLevel(t *testing.T, in int, q Quality, f, stop float64) {
	const amp = 0.5
	out := run(New(in, 44100, 1, q), tone(in, f, amp, in, 1), 1152)
	y := channel(out, 1, 0)[4410 : 44100-4410]
	var sum float64
	for _, v := range y {
		sum += v * v
	}
	level := testaudio.DB(math.Sqrt(2*sum/float64(len(y))) / amp)
	t.Logf("%g Hz from %d Hz: %+.4f dB", f, in, level)
	if stop == 0 && math.Abs(level) > 0.1 {
		t.Errorf("%g Hz: %+.3f dB", f, level)
	}
	if stop != 0 && level > stop {
		t.Errorf("%g Hz: %+.1f dB, want below %.0f dB", f, level, stop)
	}
}
