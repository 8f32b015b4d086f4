package loudness

import (
	"math"
	"testing"
)

// TestTruePeakTech3341: sines whose peaks fall between samples (Tech
// 3341 cases 15–18: fs/4, fs/6 and fs/8 at −6 dBFS with their phases
// set so that no sample lands on a crest; and the same at full scale,
// over 0 dBFS between samples as in cases 19–20) read their true peak
// within the spec's +0.2/−0.4 dB, while the sample peak reads low. The
// tones fade in and out: a sine that starts with a jump really does
// overshoot between samples, as a step does.
func TestTruePeakTech3341(t *testing.T) {
	cases := []struct {
		name           string
		period         float64 // samples per cycle
		phase          float64 // degrees at sample 0
		dBTP, samplePk float64
	}{
		{"case 15: fs/4, 0°", 4, 0, -6.02, -6.02},
		{"case 16: fs/4, 45°", 4, 45, -6.02, -9.03},
		{"case 17: fs/6, 60°", 6, 60, -6.02, -7.27},
		{"case 18: fs/8, 67.5°", 8, 67.5, -6.02, -6.71},
		{"fs/4 at full scale, 45°", 4, 45, 0, -3.01},
		{"fs/6 at +3 dBTP, 0°", 6, 0, 3, 1.75},
	}
	for _, rate := range []int{44100, 48000} {
		for _, c := range cases {
			amp := math.Pow(10, c.dBTP/20)
			x := make([]float32, 2*rate)
			for i := range rate {
				v := float32(amp * math.Sin(2*math.Pi*float64(i)/c.period+c.phase*math.Pi/180))
				x[2*i], x[2*i+1] = v, v
			}
			fade(x, 2, rate/20)
			m := measure(rate, 2, x)
			if got := m.TruePeak(); !(got >= c.dBTP-0.4 && got <= c.dBTP+0.2) {
				t.Errorf("%d Hz, %s: true peak %.3f dBTP, want %.2f +0.2/−0.4", rate, c.name, got, c.dBTP)
			}
			if got := m.SamplePeak(); !(math.Abs(got-c.samplePk) <= 0.02) {
				t.Errorf("%d Hz, %s: sample peak %.3f dBFS, want %.2f", rate, c.name, got, c.samplePk)
			}
			m.SetTruePeak(false)
			m.Reset()
			m.Write(x)
			if got := m.TruePeak(); got != m.SamplePeak() {
				t.Errorf("%d Hz, %s, true peak off: TruePeak %.3f, want the sample peak %.3f", rate, c.name, got, m.SamplePeak())
			}
		}
	}
}

// TestTruePeakIsFlat: a sine anywhere from 20 Hz to 0.43 of the rate, at
// any phase, reads its peak within 0.05 dB: the interpolator neither
// loses nor invents level in the band music uses.
func TestTruePeakIsFlat(t *testing.T) {
	const rate, amp = 44100, 0.5
	for _, f := range []float64{20, 997, 5000, 11025, 15000, 17000, 18900} {
		for _, phase := range []float64{0, 0.3, 1.1} {
			x := make([]float32, rate/2)
			for i := range x {
				x[i] = float32(amp * math.Sin(2*math.Pi*f*float64(i)/rate+phase))
			}
			fade(x, 1, rate/20)
			m := measure(rate, 1, x)
			if got := m.TruePeak(); !(math.Abs(got-20*math.Log10(amp)) <= 0.05) {
				t.Errorf("%g Hz, phase %g: true peak %.3f dBTP, want %.3f ± 0.05", f, phase, got, 20*math.Log10(amp))
			}
		}
	}
}

// fade raises the first n frames of x from silence and lowers the last n
// to it, on half a cosine.
func fade(x []float32, channels, n int) {
	frames := len(x) / channels
	for i := range n {
		g := float32(0.5 - 0.5*math.Cos(math.Pi*float64(i)/float64(n)))
		for c := range channels {
			x[i*channels+c] *= g
			x[(frames-1-i)*channels+c] *= g
		}
	}
}

// TestTruePeakSkipsNothingThatCounts: the meter, which skips blocks too
// low to beat its peak, reads exactly what interpolating every sample
// reads, on material whose level rises and falls and whose last peak
// lies between samples of a quieter stretch.
func TestTruePeakSkipsNothingThatCounts(t *testing.T) {
	const rate = 48000
	x := noise(11, 3*rate, 2, 0.25)
	for i := range x {
		x[i] *= float32(0.2 + 0.8*math.Abs(math.Sin(float64(i)/40000)))
	}
	// Then fs/4 at 45°: samples at 0.42, between them 0.6, above the
	// noise's loudest.
	sine := make([]float32, rate)
	for i := range rate / 2 {
		v := float32(0.6 * math.Sin(math.Pi*float64(i)/2+math.Pi/4))
		sine[2*i], sine[2*i+1] = v, -v
	}
	fade(sine, 2, rate/20)
	x = append(x, sine...)
	m := measure(rate, 2, x)
	var want float64
	for c := range 2 {
		hist := make([]float64, tapsPerPhase)
		for i := c; i < len(x); i += 2 {
			hist = append(hist[1:], float64(x[i]))
			want = max(want, math.Abs(float64(x[i])))
			for p := range interpolator {
				var y float64
				for j, s := range hist {
					y += s * interpolator[p][j]
				}
				want = max(want, math.Abs(y))
			}
		}
	}
	if got := m.TruePeak(); !(math.Abs(got-20*math.Log10(want)) <= 1e-9) {
		t.Errorf("true peak %.6f dBTP, every sample interpolated %.6f", got, 20*math.Log10(want))
	}
	if got := m.TruePeak(); !(math.Abs(got-20*math.Log10(0.6)) <= 0.05) {
		t.Errorf("true peak %.3f dBTP, want the closing sine's %.3f", got, 20*math.Log10(0.6))
	}
}
