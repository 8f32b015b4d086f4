package loudness

import "math"

// segment is a stretch of a test programme: a sine of freq Hz at level
// dBFS (peak) in every channel whose gain is not zero, for seconds.
type segment struct {
	level, seconds float64
}

// sines makes interleaved audio of the segments one after another, a 1
// kHz sine in each channel scaled by gains (nil: 1 in every channel), as
// EBU Tech 3341 describes its test signals.
func sines(rate int, gains []float64, segs ...segment) []float32 {
	var total int
	for _, s := range segs {
		total += int(math.Round(s.seconds*float64(rate))) * len(gains)
	}
	out := make([]float32, 0, total)
	n := 0
	for _, s := range segs {
		amp := math.Pow(10, s.level/20)
		frames := int(math.Round(s.seconds * float64(rate)))
		for range frames {
			v := amp * math.Sin(2*math.Pi*1000*float64(n)/float64(rate))
			for _, g := range gains {
				out = append(out, float32(g*v))
			}
			n++
		}
	}
	return out
}

// gainsDB turns levels relative to the segment's, in dB, into gains.
func gainsDB(db ...float64) []float64 {
	g := make([]float64, len(db))
	for i, d := range db {
		g[i] = math.Pow(10, d/20)
	}
	return g
}

// measure runs x through a new meter.
func measure(rate, channels int, x []float32) *Meter {
	m := NewMeter(rate, channels)
	m.Write(x)
	return m
}
