package live

import (
	"testing"

	"onair/dsp/resample"
)

// TestResamplerOption: a stream at another rate goes through the filter
// Options.Resampler names (Fast's is half as long, so it holds back half
// as much), and the zero value is Best.
func TestResamplerOption(t *testing.T) {
	for _, tt := range []struct {
		name string
		o    Options
		want resample.Quality
	}{
		{"default", Options{Rate: 44100}, resample.Best},
		{"fast", Options{Rate: 44100, Resampler: resample.Fast}, resample.Fast},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDecoder(tt.o, &nullSink{})
			defer d.Close()
			if err := d.out.setRate(48000); err != nil {
				t.Fatal(err)
			}
			want := resample.New(48000, 44100, 2, tt.want).Latency()
			if d.out.rs == nil {
				t.Fatal("no resampler for a 48 kHz stream")
			}
			if got := d.out.rs.Latency(); got != want {
				t.Errorf("48 kHz stream: latency %d, want %d (the %v filter)", got, want, tt.want)
			}
		})
	}
}
