package dsp

import (
	"math"
	"testing"
)

func TestClip(t *testing.T) {
	inf := float32(math.Inf(1))
	for _, c := range []struct{ in, want float32 }{
		{0.5, 0.5}, {-0.25, -0.25}, {1, 1}, {-1, -1},
		{1.5, 1}, {-3, -1}, {inf, 1}, {-inf, -1},
		{float32(math.NaN()), 0},
	} {
		if got := Clip(c.in); got != c.want {
			t.Errorf("Clip(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}
