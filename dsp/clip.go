// Package dsp holds the signal processing that codecs and the mixer share:
// bounding samples here, resampling in dsp/resample.
package dsp

// Clip bounds x to [−1, 1], and makes NaN 0: what a decoder's overshoot or
// a corrupt packet must become before it reaches an encoder or the mix.
func Clip(x float32) float32 {
	switch {
	case x > 1:
		return 1
	case x < -1:
		return -1
	case x != x: // NaN
		return 0
	}
	return x
}
