package station

import (
	"testing"

	"onair/dsp/resample"
)

// TestResamplerOf: the resampler setting picks the filter every input at
// another rate goes through; nothing set is the best one.
func TestResamplerOf(t *testing.T) {
	for _, tt := range []struct {
		name string
		want resample.Quality
		ok   bool
	}{
		{"", resample.Best, true},
		{"best", resample.Best, true},
		{"fast", resample.Fast, true},
		{"Fast", resample.Fast, true},
		{"linear", 0, false},
	} {
		got, err := resamplerOf(tt.name)
		if (err == nil) != tt.ok || (tt.ok && got != tt.want) {
			t.Errorf("resamplerOf(%q) = %v, %v; want %v (ok %v)", tt.name, got, err, tt.want, tt.ok)
		}
	}
}
