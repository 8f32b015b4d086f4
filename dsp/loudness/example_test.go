package loudness_test

import (
	"fmt"
	"math"

	"onair/dsp/loudness"
)

// A 1 kHz tone at −23 dBFS in both channels of a stereo programme is
// the EBU R128 target, −23 LUFS; its true peak is its level.
func ExampleMeter() {
	const rate = 48000
	m := loudness.NewMeter(rate, 2)
	block := make([]float32, 2*1152)
	amp := math.Pow(10, -23.0/20)
	for n := 0; n < 10*rate; n += 1152 {
		for i := range 1152 {
			v := float32(amp * math.Sin(2*math.Pi*1000*float64(n+i)/rate))
			block[2*i], block[2*i+1] = v, v
		}
		m.Write(block)
	}
	fmt.Printf("integrated %.1f LUFS, true peak %.1f dBTP, range %.1f LU\n", m.Integrated(), m.TruePeak(), m.Range())
	// Output: integrated -23.0 LUFS, true peak -23.0 dBTP, range 0.0 LU
}
