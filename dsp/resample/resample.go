package resample

import (
	"fmt"
	"slices"
)

// Rates New accepts, in Hz: every rate audio files and sound cards use, from
// telephone speech to 768 kHz studio masters, while keeping the filter table
// under a megabyte.
const (
	MinRate = 1000
	MaxRate = 768000
)

// chunk is how many input frames the buffer takes in at a time beyond the
// filter's own length; blocks of the engine's 1152 frames go in whole.
const chunk = 2048

// Resampler converts interleaved audio from one sample rate to another,
// keeping the filter history between calls so that a stream can be fed in
// blocks of any size. It is not safe for concurrent use.
type Resampler struct {
	channels int
	l, m     int // out/in in lowest terms: each output frame advances m/l input frames
	step     int // m / l
	stepFrac int // m % l
	copy     bool
	t        table
	half     int // t.taps/2

	// buf holds input frames: the history the next output needs, then frames
	// not yet used. Output frames are computed at input time pos + phase/l,
	// pos counting frames of buf.
	buf    []float32
	frames int // frames held in buf
	pos    int
	phase  int
}

// New returns a Resampler from inRate to outRate Hz for interleaved frames
// of the given number of channels. It panics when a rate is outside
// [MinRate, MaxRate], channels is less than 1 or q is not a Quality.
func New(inRate, outRate, channels int, q Quality) *Resampler {
	if inRate < MinRate || inRate > MaxRate || outRate < MinRate || outRate > MaxRate {
		panic(fmt.Sprintf("resample: rates %d→%d Hz outside %d…%d", inRate, outRate, MinRate, MaxRate))
	}
	if channels < 1 {
		panic(fmt.Sprintf("resample: %d channels", channels))
	}
	if q != Best && q != Fast {
		panic(fmt.Sprintf("resample: unknown quality %d", int(q)))
	}
	g := gcd(inRate, outRate)
	r := &Resampler{channels: channels, l: outRate / g, m: inRate / g}
	r.step, r.stepFrac = r.m/r.l, r.m%r.l
	if inRate == outRate {
		r.copy = true
		return r
	}
	r.t = newTable(r.l, r.m, q.design())
	r.half = r.t.taps / 2
	// The buffer keeps less than a filter length of history when it is
	// compacted, leaving room for a chunk of new frames or Flush's padding.
	r.buf = make([]float32, (2*r.t.taps+chunk)*channels)
	r.Reset()
	return r
}

// Process appends to dst the output for src, whose length must be a multiple
// of the channel count (it panics otherwise). It emits every output frame the
// input so far determines and keeps the rest of the input for the next call,
// so that splitting a stream into blocks, of any sizes, changes nothing in
// the output. It does not allocate when dst has room for MaxOut more frames.
func (r *Resampler) Process(dst, src []float32) []float32 {
	ch := r.channels
	if len(src)%ch != 0 {
		panic(fmt.Sprintf("resample: %d samples is not a whole number of %d-channel frames", len(src), ch))
	}
	if r.copy {
		return append(dst, src...)
	}
	dst = slices.Grow(dst, r.MaxOut(len(src)/ch)*ch)
	for len(src) > 0 {
		if r.frames == len(r.buf)/ch {
			r.compact()
		}
		n := min(len(src), len(r.buf)-r.frames*ch)
		copy(r.buf[r.frames*ch:], src[:n])
		r.frames += n / ch
		src = src[n:]
		dst = r.emit(dst, r.ready(r.frames-r.half))
	}
	return dst
}

// Flush appends the output still held back: that of the last half filter
// length of input, which it pads with silence. It then resets the Resampler
// for a new stream. It appends at most Latency frames.
func (r *Resampler) Flush(dst []float32) []float32 {
	if r.copy {
		return dst
	}
	ch := r.channels
	if len(r.buf)/ch-r.frames < r.half {
		r.compact()
	}
	end := r.frames
	clear(r.buf[r.frames*ch : (r.frames+r.half)*ch])
	r.frames += r.half
	dst = r.emit(dst, r.ready(end))
	r.Reset()
	return dst
}

// Reset forgets the input so far, as if the Resampler were new: the next
// input frame is the first of a stream, preceded by silence.
func (r *Resampler) Reset() {
	if r.copy {
		return
	}
	// The first output is at input frame 0, which needs half-1 frames of
	// history before it.
	r.frames = r.half - 1
	r.pos = r.half - 1
	r.phase = 0
	clear(r.buf[:r.frames*r.channels])
}

// Latency is the filter delay in output frames: an output frame is emitted
// only once half a filter length of input after its time has arrived, so
// Process holds back up to Latency frames, which Flush releases. The
// output's timing is not shifted; see the package comment.
func (r *Resampler) Latency() int {
	if r.copy {
		return 0
	}
	return r.MaxOut(r.half)
}

// MaxOut reports how many output frames n more input frames will yield at
// most: Process appends MaxOut(n) or one frame fewer for n input frames
// (fewer at the start of a stream, while the filter fills), whatever came
// before, so a buffer of that size never needs to grow.
func (r *Resampler) MaxOut(n int) int {
	if n <= 0 {
		return 0
	}
	// The outputs emitted for n frames are those whose times fall in a
	// span of n input frames, one every m/l of a frame.
	return int((int64(n)*int64(r.l) + int64(r.m) - 1) / int64(r.m))
}

// ready returns how many output frames are at times before buf frame limit.
func (r *Resampler) ready(limit int) int {
	// Output j from now is at pos + (phase + j·m)/l < limit.
	num := int64(limit-r.pos)*int64(r.l) - int64(r.phase)
	if num <= 0 {
		return 0
	}
	return int((num + int64(r.m) - 1) / int64(r.m))
}

// compact drops the frames no output needs any more, moving the rest to the
// front of buf.
func (r *Resampler) compact() {
	ch := r.channels
	d := r.pos - (r.half - 1)
	copy(r.buf, r.buf[d*ch:r.frames*ch])
	r.frames -= d
	r.pos -= d
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
