package mixer

import (
	"math"
	"sync/atomic"
	"time"

	"onair/dsp/resample"
)

// Feed carries audio made on another clock (a microphone, a DJ's encoder)
// to the audio loop. One producer writes, the loop reads; they share only
// atomics, so neither waits on the other.
//
// The producer's clock drifts against ours (about 100 ppm for a USB mic or
// a remote encoder). While the buffer stays within a few milliseconds of
// its target the loop copies it as it is; once it strays further, the
// loop reads through a fractional position that advances 0.2 % to 0.5 %
// faster or slower than one frame per frame (3.5 to 9 cents of pitch,
// below what most ears notice) until the buffer is back on target and
// the position on a whole frame again. The delay neither grows nor runs
// dry over hours, and most of the time the audio passes untouched.
type Feed struct {
	buf    []float32 // interleaved stereo ring
	size   int64     // frames in the ring
	target int64     // frames the loop keeps buffered
	rate   float64

	written atomic.Int64  // frames written, ever
	read    atomic.Int64  // frames consumed, ever
	take    atomic.Uint64 // bumped by Start: a new take begins
	from    atomic.Int64  // written when the current take began
	open    atomic.Bool   // a producer is attached
	under   atomic.Int64  // underruns, for the logs and tests
	burst   atomic.Int64  // the most audio the producer has delivered ahead of its pace this take, in frames

	// The producer's own state: how far ahead of the clock its audio runs.
	clock  func() time.Time // nil = time.Now; the engine sets its own
	began  time.Time        // the take's first Write
	ahead  float64          // frames delivered beyond the time since began, at its lowest (creeping up)
	lastAt float64          // seconds since began at the last Write

	// The loop's state.
	seenTake uint64
	playing  bool
	frac     float64 // fractional part of the read position
	fill     float64 // smoothed frames buffered
	ratio    float64 // input frames per output frame
	steering bool    // a correction is under way
	vs       *resample.Varispeed
	lin      []float32 // the frames being read, in a line: half before the read position, then the block's
}

// Drift control. A correction starts when the smoothed fill is off its
// target by feedDeadband and ends once it is within feedSettled; while it
// runs the ratio is off 1 by feedGain per second of error, at least
// feedMinCorrection (ten times any clock's drift, so it always gains) and
// at most feedMaxCorrection. The fill is smoothed over about two seconds
// so that bursty producers (network packets, sound card periods) do not
// set it off.
const (
	feedDeadband      = 0.015 // seconds
	feedSettled       = 0.002
	feedGain          = 0.05
	feedMinCorrection = 0.002
	feedMaxCorrection = 0.005
	feedSmoothing     = 2.0 // seconds
)

// NewFeed makes a feed that keeps about target of audio buffered and holds
// at most capacity (which bounds the delay when a producer runs fast).
func NewFeed(rate int, target, capacity time.Duration) *Feed {
	t := max(int64(target.Seconds()*float64(rate)), BlockFrames)
	c := max(int64(capacity.Seconds()*float64(rate)), 2*t+BlockFrames)
	vs := resample.NewVarispeed(resample.Fast)
	// A block read at the fastest ratio, and the filter's reach.
	span := int64(math.Ceil(BlockFrames*(1+feedMaxCorrection))) + 2*int64(vs.Half()) + 2
	return &Feed{buf: make([]float32, 2*c), size: c, target: t, rate: float64(rate),
		ratio: 1, vs: vs, lin: make([]float32, 2*span)}
}

// Start begins a new take: what was buffered before is dropped and the
// loop waits for target frames before it plays.
func (f *Feed) Start() {
	f.began = time.Time{}
	f.burst.Store(0)
	f.from.Store(f.written.Load())
	f.take.Add(1)
	f.open.Store(true)
}

// Stop says the producer went away: the loop plays out what is buffered,
// then reads silence.
func (f *Feed) Stop() { f.open.Store(false) }

// Open reports whether a producer is attached.
func (f *Feed) Open() bool { return f.open.Load() }

// Underruns counts the times the loop found the buffer empty mid-take.
func (f *Feed) Underruns() int64 { return f.under.Load() }

// Write copies interleaved stereo pcm into the ring and returns the whole
// frames it took: fewer than given when the ring is full. It never blocks.
func (f *Feed) Write(pcm []float32) int {
	w := f.written.Load()
	free := f.size - (w - f.read.Load())
	n := min(int64(len(pcm)/2), free)
	if n <= 0 {
		return 0
	}
	at := w % f.size
	first := min(n, f.size-at)
	copy(f.buf[2*at:], pcm[:2*first])
	copy(f.buf, pcm[2*first:2*n])
	f.written.Store(w + n)
	f.measure(w+n-f.from.Load(), n)
	return int(n)
}

// measure notes how bursty the producer is: how far the audio it has
// delivered this take runs ahead of the time that passed, above the
// lowest that lead has been. A sound card or an MP3 source delivers a few
// tens of milliseconds at a time; an Ogg page can hold a second of a
// quiet stream, and the loop must keep that much more buffered.
func (f *Feed) measure(delivered, n int64) {
	now := time.Now
	if f.clock != nil {
		now = f.clock
	}
	t := now()
	if f.began.IsZero() {
		f.began = t
		f.ahead, f.lastAt = 0, 0
	}
	at := t.Sub(f.began).Seconds()
	lead := float64(delivered) - at*f.rate
	// The floor creeps up at 200 ppm, so a producer whose clock runs fast
	// is not taken for a bursty one.
	f.ahead = min(f.ahead+(at-f.lastAt)*f.rate*200e-6, lead-float64(n))
	f.lastAt = at
	if b := int64(lead - f.ahead); b > f.burst.Load() {
		f.burst.Store(b)
	}
}

// Buffered is the audio waiting in the ring.
func (f *Feed) Buffered() int64 { return f.written.Load() - f.read.Load() }

// pull fills dst (interleaved stereo, len(dst)/2 frames) for the loop and
// reports whether it holds audio; false means silence (dst cleared). Called
// only from the loop.
func (f *Feed) pull(dst []float32, rate float64) bool {
	frames := int64(len(dst) / 2)
	if t := f.take.Load(); t != f.seenTake {
		f.seenTake = t
		f.playing = false
		if from := f.from.Load(); from > f.read.Load() {
			f.read.Store(from)
		}
	}
	r := f.read.Load()
	avail := f.written.Load() - r
	target := f.targetNow(rate)
	if !f.playing {
		if avail < target || !f.open.Load() {
			clear(dst)
			return false
		}
		// A source that arrived with a backlog does not begin with its
		// delay already grown: keep a second beyond the target at most.
		if keep := target + int64(rate); avail > keep {
			r += avail - keep
			f.read.Store(r)
			avail = keep
		}
		f.playing, f.frac, f.fill, f.ratio = true, 0, float64(avail), 1
		clear(f.lin)
	}
	f.steer(avail, target, frames, rate)
	if f.ratio == 1 && f.frac == 0 {
		// On target: the audio as it came.
		if avail < frames {
			return f.drain(dst, r, avail)
		}
		f.copyOut(dst, r, frames)
		f.read.Store(r + frames)
		h := int64(f.vs.Half())
		f.copyOut(f.lin[:2*h], r+frames-h, h) // the filter's history, should a correction start
		return true
	}

	// Output frame i is read at r + frac + i·ratio; the filter needs
	// half frames either side, those before r kept in lin from the last
	// call (the producer may already have reused their place in the ring).
	h := int64(f.vs.Half())
	last := f.frac + float64(frames-1)*f.ratio
	need := int64(last) + h + 1
	if avail < need {
		return f.drain(dst, r, avail)
	}
	lin := f.lin[:2*(h+need)]
	f.copyOut(lin[2*h:], r, need)
	pos := f.frac
	for i := range frames {
		ip := int64(pos)
		dst[2*i], dst[2*i+1] = f.vs.At(lin[2*(ip+1):], pos-float64(ip))
		pos += f.ratio
	}
	whole := int64(math.Round(pos))
	if math.Abs(pos-float64(whole)) > 1e-9 {
		whole = int64(pos)
	}
	f.frac = max(0, pos-float64(whole))
	// Keep the half frames before the new read position for the next call.
	copy(lin, lin[2*whole:2*(whole+h)])
	f.read.Store(r + whole)
	return true
}

// targetNow is the buffer the loop keeps: the feed's target, or more for
// a producer that delivers in bursts (half as much again as its largest),
// up to half the ring.
func (f *Feed) targetNow(rate float64) int64 {
	burst := f.burst.Load() * 3 / 2
	return min(max(f.target, burst), f.size/2)
}

// steer sets the ratio for the next frames from the smoothed fill.
func (f *Feed) steer(avail, target, frames int64, rate float64) {
	alpha := float64(frames) / (feedSmoothing * rate)
	f.fill += alpha * (float64(avail) - f.fill)
	errSeconds := (f.fill - float64(target)) / rate
	switch {
	case !f.steering && math.Abs(errSeconds) > feedDeadband:
		f.steering = true
	case f.steering && math.Abs(errSeconds) < feedSettled:
		f.steering = false
	}
	if f.steering {
		c := math.Min(feedMaxCorrection, math.Max(feedMinCorrection, feedGain*math.Abs(errSeconds)))
		f.ratio = 1 + math.Copysign(c, errSeconds)
		return
	}
	// Back on target: land on a whole frame over this block, the short
	// way, then copy again.
	switch {
	case f.frac == 0:
		f.ratio = 1
	case f.frac < 0.5:
		f.ratio = 1 - f.frac/float64(frames)
	default:
		f.ratio = 1 + (1-f.frac)/float64(frames)
	}
}

// copyOut copies n frames from frame k of the ring into dst.
func (f *Feed) copyOut(dst []float32, k, n int64) {
	at := k % f.size
	first := min(n, f.size-at)
	copy(dst, f.buf[2*at:2*(at+first)])
	copy(dst[2*first:], f.buf[:2*(n-first)])
}

// drain plays what is left when the ring runs dry, then silence, and waits
// for the buffer to fill again before playing on.
func (f *Feed) drain(dst []float32, r, avail int64) bool {
	n := min(avail, int64(len(dst)/2))
	f.copyOut(dst, r, n)
	// A short fade over what is left, so the cut to silence does not click.
	for i := range n {
		g := float32(n-i) / float32(n)
		dst[2*i] *= g
		dst[2*i+1] *= g
	}
	clear(dst[2*n:])
	f.read.Store(r + n)
	f.playing = false
	if f.open.Load() {
		f.under.Add(1)
	}
	return n > 0
}
