package loudness

import (
	"fmt"
	"math"
)

// MaxChannels is the most channels a Meter takes: 5.1 and a little room.
const MaxChannels = 8

// A block is 400 ms with 75 % overlap (BS.1770-4 §5.1), so the meter
// works in steps of 100 ms; a momentary value is 4 steps, a short-term
// one 30.
const (
	stepsPerSecond = 10
	momentarySteps = 4
	shortSteps     = 30
)

// Meter measures the loudness and peaks of a programme fed to it in
// pieces. It is not safe for concurrent use.
type Meter struct {
	rate, channels int
	weights        [MaxChannels]float64
	shelf, hp      biquad
	filters        [MaxChannels]filterState
	peaks          [MaxChannels]peakChannel
	truePeak       bool

	sum        [MaxChannels]float64 // squares of the K-weighted signal in this step
	stepFrames int                  // frames in this step so far
	step       int                  // the step's index within its second
	steps      [shortSteps]stepPower
	done       int // steps completed

	momentary, shortTerm float64
	samplePeak           float64
	blocks, short        histogram // 400 ms blocks for the gate; 3 s ones for the range

	carry  [MaxChannels]float32 // a frame split between two Writes
	nCarry int
}

// stepPower is one 100 ms step: its weighted sum of squares over all
// channels, and how many frames it holds.
type stepPower struct {
	energy float64
	frames int
}

// filterState is one channel's K-weighting history: input, shelf output
// and high-pass output, two samples each.
type filterState struct{ x1, x2, s1, s2, y1, y2 float64 }

// NewMeter returns a meter for interleaved audio of channels channels at
// rate Hz, which measures true peak too. Below 32 kHz the K-weighting
// departs from the 48 kHz filter's near the Nyquist frequency (by 0.05
// dB at 22.05 kHz up to 10 kHz; a 1 kHz tone reads 0.2 dB low at 8 kHz). Channels 1 and 2 weigh 1.0 each;
// five channels are L, R, C, Ls, Rs and six are L, R, C, LFE, Ls, Rs,
// with the surrounds weighed 1.41 and the LFE left out (BS.1770-4
// Table 3); any other count weighs every channel 1.0. It panics for a
// rate below 8000 Hz or above 768 kHz, or channels outside 1…MaxChannels:
// those are mistakes of the caller, not of the audio.
func NewMeter(rate, channels int) *Meter {
	if rate < 8000 || rate > 768000 {
		panic(fmt.Sprintf("loudness: rate %d Hz out of range 8000…768000", rate))
	}
	if channels < 1 || channels > MaxChannels {
		panic(fmt.Sprintf("loudness: %d channels, want 1…%d", channels, MaxChannels))
	}
	m := &Meter{rate: rate, channels: channels, truePeak: true, blocks: newHistogram(), short: newHistogram()}
	m.shelf, m.hp = kWeighting(float64(rate))
	for c := range channels {
		m.weights[c] = 1
	}
	switch channels {
	case 5:
		m.weights[3], m.weights[4] = 1.41, 1.41
	case 6:
		m.weights[3], m.weights[4], m.weights[5] = 0, 1.41, 1.41
	}
	m.Reset()
	return m
}

// SetTruePeak turns the true-peak meter on or off (it is on from
// NewMeter); call it before the first Write, or after Reset. Off,
// TruePeak reports the sample peak, and the meter runs about ten times
// faster.
func (m *Meter) SetTruePeak(on bool) { m.truePeak = on }

// Reset forgets everything measured, for a new programme.
func (m *Meter) Reset() {
	m.filters = [MaxChannels]filterState{}
	m.peaks = [MaxChannels]peakChannel{}
	m.sum = [MaxChannels]float64{}
	m.steps = [shortSteps]stepPower{}
	m.stepFrames, m.step, m.done, m.nCarry = 0, 0, 0, 0
	m.momentary, m.shortTerm = math.Inf(-1), math.Inf(-1)
	m.samplePeak = 0
	m.blocks.reset()
	m.short.reset()
}

// Write measures interleaved samples, full scale ±1. A frame may be split
// between two calls.
func (m *Meter) Write(x []float32) {
	if m.nCarry > 0 {
		n := copy(m.carry[m.nCarry:m.channels], x)
		m.nCarry += n
		x = x[n:]
		if m.nCarry < m.channels {
			return
		}
		m.frames(m.carry[:m.channels])
		m.nCarry = 0
	}
	whole := len(x) - len(x)%m.channels
	m.frames(x[:whole])
	m.nCarry = copy(m.carry[:], x[whole:])
}

// frames measures whole frames, a step at a time.
func (m *Meter) frames(x []float32) {
	for len(x) > 0 {
		// Steps end at whole frames; at a rate not divisible by 10 they
		// differ by a frame, and every second still holds ten.
		length := (m.step+1)*m.rate/stepsPerSecond - m.step*m.rate/stepsPerSecond
		n := min(length-m.stepFrames, len(x)/m.channels)
		chunk := x[:n*m.channels]
		for c := range m.channels {
			m.sum[c] += m.filter(chunk, c)
			if m.truePeak {
				m.peaks[c].write(chunk, c, m.channels)
			}
		}
		m.stepFrames += n
		x = x[n*m.channels:]
		if m.stepFrames == length {
			m.endStep()
		}
	}
}

// filter K-weights channel c of x and returns its sum of squares,
// following the channel's sample peak on the way.
func (m *Meter) filter(x []float32, c int) float64 {
	f := m.filters[c]
	s, h := m.shelf, m.hp
	peak := m.samplePeak
	var sum float64
	for i := c; i < len(x); i += m.channels {
		v := float64(x[i])
		if a := math.Abs(v); a > peak {
			peak = a
		}
		s0 := s.b0*v + s.b1*f.x1 + s.b2*f.x2 - s.a1*f.s1 - s.a2*f.s2
		y := h.b0*s0 + h.b1*f.s1 + h.b2*f.s2 - h.a1*f.y1 - h.a2*f.y2
		f.x2, f.x1 = f.x1, v
		f.s2, f.s1 = f.s1, s0
		f.y2, f.y1 = f.y1, y
		sum += y * y
	}
	m.filters[c] = f
	m.samplePeak = peak
	return sum
}

// endStep closes a 100 ms step: it updates the momentary and short-term
// loudness and counts the new 400 ms and 3 s blocks in the histograms.
func (m *Meter) endStep() {
	var e float64
	for c := range m.channels {
		e += m.weights[c] * m.sum[c]
		m.sum[c] = 0
		// A silence decays the filters' memory towards subnormal
		// numbers, which are slow on most CPUs; below any audible
		// level it may as well be zero. A NaN or infinite sample would
		// stay in the memory for good: it spoils this step and no more.
		f := &m.filters[c]
		mem := math.Abs(f.s1) + math.Abs(f.s2) + math.Abs(f.y1) + math.Abs(f.y2) + math.Abs(f.x1) + math.Abs(f.x2)
		if !(mem >= 1e-30 && mem <= math.MaxFloat64) {
			*f = filterState{}
		}
	}
	m.steps[m.done%shortSteps] = stepPower{energy: e, frames: m.stepFrames}
	m.done++
	m.stepFrames = 0
	m.step = (m.step + 1) % stepsPerSecond
	if m.done >= momentarySteps {
		z := m.window(momentarySteps)
		m.momentary = loudnessOf(z)
		m.blocks.add(z)
	}
	if m.done >= shortSteps {
		z := m.window(shortSteps)
		m.shortTerm = loudnessOf(z)
		m.short.add(z)
	}
}

// window is the weighted mean square over the last n steps.
func (m *Meter) window(n int) float64 {
	var e float64
	var frames int
	for k := m.done - n; k < m.done; k++ {
		s := m.steps[k%shortSteps]
		e += s.energy
		frames += s.frames
	}
	return e / float64(frames)
}

// Integrated is the programme's gated loudness in LUFS (BS.1770-4 §5.1:
// 400 ms blocks above −70 LUFS, then above 10 LU under their mean), or
// −Inf before a block passes the gates.
func (m *Meter) Integrated() float64 {
	z, _, ok := m.blocks.gated(-10)
	if !ok {
		return math.Inf(-1)
	}
	return loudnessOf(z)
}

// Momentary is the loudness of the last 400 ms, in LUFS, updated every
// 100 ms; −Inf before 400 ms have been written.
func (m *Meter) Momentary() float64 { return m.momentary }

// ShortTerm is the loudness of the last 3 s, in LUFS, updated every
// 100 ms; −Inf before 3 s have been written.
func (m *Meter) ShortTerm() float64 { return m.shortTerm }

// Range is the loudness range in LU (EBU Tech 3342): the spread between
// the 10th and 95th percentiles of the short-term loudness, every 100 ms,
// of the blocks above −70 LUFS and then above 20 LU under their mean.
// It is 0 before 3 s have been written.
func (m *Meter) Range() float64 {
	_, from, ok := m.short.gated(-20)
	if !ok {
		return 0
	}
	return m.short.percentile(from, 0.95) - m.short.percentile(from, 0.10)
}

// TruePeak is the highest absolute value of the signal oversampled 4×,
// in dBTP (BS.1770-4 Annex 2), or the sample peak when true peak is off;
// −Inf for silence.
func (m *Meter) TruePeak() float64 {
	p := m.samplePeak
	for c := range m.channels {
		p = max(p, m.peaks[c].peak)
	}
	return 20 * math.Log10(p)
}

// SamplePeak is the highest absolute sample, in dBFS; −Inf for silence.
func (m *Meter) SamplePeak() float64 { return 20 * math.Log10(m.samplePeak) }
