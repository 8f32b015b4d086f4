package resample_test

import (
	"fmt"

	"onair/dsp/resample"
)

func ExampleResampler() {
	// A second of 48 kHz stereo brought to the station's 44.1 kHz in the
	// engine's blocks of 1152 frames.
	r := resample.New(48000, 44100, 2, resample.Best)
	block := make([]float32, 2*1152)
	out := make([]float32, 0, 2*(r.MaxOut(1152)+r.Latency()))
	total := 0
	for range 48000 / 1152 {
		out = r.Process(out[:0], block)
		total += len(out) / 2
	}
	out = r.Process(out[:0], block[:2*(48000%1152)])
	total += len(out) / 2
	out = r.Flush(out[:0])
	total += len(out) / 2
	fmt.Println(total, "frames out; latency", r.Latency(), "frames")
	// Output: 44100 frames out; latency 34 frames
}
