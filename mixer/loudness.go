package mixer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"

	"onair/dsp/loudness"
	"onair/mixer/decode"
)

// Bounds of the gain that brings a track to the station's loudness
// target. A quiet track is raised at most MaxLoudnessGain, so that a near
// silent intro or a spoken word file does not come up with its noise; a
// loud one is lowered at most MinLoudnessGain, which only a broken
// measurement would need.
const (
	MaxLoudnessGain = 12.0  // dB
	MinLoudnessGain = -40.0 // dB
)

// LoudnessGain is the linear gain that plays a track of integrated
// loudness lufs at target (both LUFS), clamped to MinLoudnessGain …
// MaxLoudnessGain dB. Peaks that the gain pushes over full scale are the
// limiter's to catch.
func LoudnessGain(target, lufs float64) float32 {
	db := min(max(target-lufs, MinLoudnessGain), MaxLoudnessGain)
	if math.IsNaN(db) {
		return 1
	}
	return float32(math.Pow(10, db/20))
}

// measureChunk is how many frames MeasureFile decodes at a time.
const measureChunk = 4096

// MeasureFile decodes the audio file at path and measures it (BS.1770-4):
// its integrated loudness in LUFS and its true peak in dBTP, each −Inf
// for silence. It stops early, with ctx's error, when ctx ends.
func MeasureFile(ctx context.Context, path string) (lufs, truePeak float64, err error) {
	dec, err := decode.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer func() { _ = dec.Close() }() // a file only read from: nothing to lose on close
	m := loudness.NewMeter(dec.SampleRate(), 2)
	buf := make([]float32, 2*measureChunk)
	for i := 0; ; i++ {
		if i%64 == 0 { // about every 6 s of audio at 44.1 kHz
			if err := ctx.Err(); err != nil {
				return 0, 0, fmt.Errorf("measure %s: %w", path, err)
			}
		}
		n, err := dec.Read(buf)
		m.Write(buf[:n&^1])
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, 0, fmt.Errorf("measure %s: %w", path, err)
		}
	}
	return m.Integrated(), m.TruePeak(), nil
}
