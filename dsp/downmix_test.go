package dsp

import (
	"math"
	"testing"
)

// TestDownmix folds each speaker as BS.775 does, clips the sum, and passes
// plain stereo through.
func TestDownmix(t *testing.T) {
	const c = math.Sqrt2 / 2
	d := NewDownmix(FrontLeft, Center, FrontRight, SideLeft, SideRight, BackCenter, Unmixed)
	dst := make([]float32, 2)
	for ch, want := range [][2]float64{{1, 0}, {c, c}, {0, 1}, {c, 0}, {0, c}, {0.5, 0.5}, {0, 0}} {
		src := make([]float32, 7)
		src[ch] = 0.5
		d.Mix(dst, src)
		if math.Abs(float64(dst[0])-want[0]/2) > 1e-6 || math.Abs(float64(dst[1])-want[1]/2) > 1e-6 {
			t.Errorf("channel %d: %v, want %v", ch, dst, [2]float64{want[0] / 2, want[1] / 2})
		}
	}
	if n := NewDownmix(Center).Mix(dst, []float32{0.25}); n != 2 || dst[0] != 0.25 || dst[1] != 0.25 {
		t.Errorf("mono: %v", dst)
	}
	loud := []float32{0.9, 0.9, 0.9, 0, 0, 0, 0}
	if d.Mix(dst, loud); dst[0] != 1 || dst[1] != 1 {
		t.Errorf("a loud sum is not clipped: %v", dst)
	}
	st := []float32{2, float32(math.NaN()), 0.5, -0.5}
	if n := NewDownmix(FrontLeft, FrontRight).Mix(st, st); n != 4 || st[0] != 1 || st[1] != 0 || st[2] != 0.5 {
		t.Errorf("stereo: %v", st)
	}
}
