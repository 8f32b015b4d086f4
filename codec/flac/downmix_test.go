package flac

import (
	"math"
	"testing"
)

// TestDownmix mixes one frame of each layout where every channel but one
// is silent: the loud channel lands where FLAC's channel order puts it.
func TestDownmix(t *testing.T) {
	const c = float32(math.Sqrt2 / 2)
	cases := []struct {
		channels, loud int
		want           [2]float32
	}{
		{1, 0, [2]float32{0.5, 0.5}},
		{2, 1, [2]float32{0, 0.5}},
		{3, 2, [2]float32{0.5 * c, 0.5 * c}}, // centre third, unlike Vorbis
		{4, 2, [2]float32{0.5 * c, 0}},       // back left
		{5, 2, [2]float32{0.5 * c, 0.5 * c}},
		{6, 3, [2]float32{0, 0}}, // LFE
		{6, 5, [2]float32{0, 0.5 * c}},
		{7, 4, [2]float32{0.5 * c * c, 0.5 * c * c}}, // back centre
		{8, 6, [2]float32{0.5 * c, 0}},               // side left
	}
	for _, tc := range cases {
		src := make([]float32, tc.channels)
		src[tc.loud] = 0.5
		dst := make([]float32, 2)
		d := NewDownmix(tc.channels)
		if n := d.Mix(dst, src); n != 2 {
			t.Fatalf("%d channels: Mix wrote %d", tc.channels, n)
		}
		for i := range 2 {
			if math.Abs(float64(dst[i]-tc.want[i])) > 1e-6 {
				t.Errorf("%d channels, channel %d loud: %v, want %v", tc.channels, tc.loud, dst, tc.want)
				break
			}
		}
	}
	// Summed channels are clipped.
	dst := make([]float32, 2)
	NewDownmix(3).Mix(dst, []float32{0.9, 0.9, 0.9})
	if dst[0] != 1 || dst[1] != 1 {
		t.Errorf("loud centre: %v, want clipped to 1", dst)
	}
}
