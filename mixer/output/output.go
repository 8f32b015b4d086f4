package output

import (
	"context"
	"log/slog"
	"math"
	"sync/atomic"
	"time"

	"onair/dsp/resample"
	"onair/mixer"
)

// ringSeconds is how much audio an output's ring holds by default. The
// engine makes a tenth of a second at a time, but after a stall of the
// machine it catches up on up to 2 s at once (further behind, it starts
// its clock again instead), plus its lead: an output starved alongside
// it must be able to take that whole burst, or its listeners hear a gap
// the station's mount does not have.
const ringSeconds = 2.5

// maxTitles is how many titles may wait for their sample; titles pile up
// only when tracks fail one after the other, and the newest win.
const maxTitles = 8

// dropLogEvery spaces the warnings of an output that keeps falling
// behind; the count in Dropped is exact.
const dropLogEvery = 10 * time.Second

// Config sets up an output.
type Config struct {
	Mount       string // for logs
	StationRate int    // the rate of the blocks the engine hands over
	Encoder     Encoder
	Sink        mixer.FrameSink // the output's mount
	// Resampler is the filter used when the encoder's rate is not the
	// station's.
	Resampler resample.Quality
	Blocks    int // the ring's size in blocks; 0 = ringSeconds of audio
	Logger    *slog.Logger
	Now       func() time.Time // nil = time.Now
}

// Output is one running output. The engine calls Block and Title (the
// mixer.Tap methods) on its loop; Run encodes on a goroutine of its own.
type Output struct {
	cfg   Config
	ring  []slot
	head  atomic.Uint64 // blocks written by the engine
	tail  atomic.Uint64 // blocks taken by Run
	wake  chan struct{}
	title chan titleAt

	dropped atomic.Int64 // blocks the ring had no room for
	encoded atomic.Int64 // blocks encoded

	// The engine's side.
	pos int64 // station samples handed over so far, dropped ones too

	// Run's side.
	rs       *resample.Resampler // nil at the station's rate
	buf      []float32           // resampled audio
	in       int64               // station samples taken so far, dropped ones too
	skipped  int64               // station samples lost to drops
	fed      int64               // samples given to the encoder, at its rate
	emitted  int64               // samples in frames written to the sink
	pending  [maxTitles]titleAt  // at in station samples
	nPending int
	now      time.Time
	lastLog  time.Time
	logged   int64 // dropped blocks already logged
	failing  bool  // the last Encode failed
	emit     func(frame []byte, samples int)
}

// slot is one block in the ring.
type slot struct {
	pcm []float32
	pos int64 // station sample of pcm's first frame
}

// titleAt is a title to set when the stream reaches a station sample.
type titleAt struct {
	at      int64
	title   string
	encoded bool // given to the encoder
}

// New makes an output; the caller runs Run and hands it to the engine as
// a mixer.Tap.
func New(cfg Config) *Output {
	if cfg.Blocks <= 0 {
		cfg.Blocks = int(math.Ceil(ringSeconds * float64(cfg.StationRate) / mixer.BlockFrames))
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	o := &Output{
		cfg:   cfg,
		ring:  make([]slot, cfg.Blocks),
		wake:  make(chan struct{}, 1),
		title: make(chan titleAt, maxTitles),
	}
	for i := range o.ring {
		o.ring[i].pcm = make([]float32, 0, 2*mixer.BlockFrames)
	}
	if rate := cfg.Encoder.SampleRate(); rate != cfg.StationRate {
		o.rs = resample.New(cfg.StationRate, rate, 2, cfg.Resampler)
		o.buf = make([]float32, 0, 2*(o.rs.MaxOut(mixer.BlockFrames)+o.rs.Latency()))
	}
	o.emit = o.writeFrame
	return o
}

// Block copies the next block of the mix into the ring, or counts it
// dropped when the ring is full. It never waits.
func (o *Output) Block(pcm []float32) {
	h, t := o.head.Load(), o.tail.Load()
	at := o.pos
	o.pos += int64(len(pcm) / 2)
	if h-t == uint64(len(o.ring)) || len(pcm) > 2*mixer.BlockFrames {
		o.dropped.Add(1)
		return
	}
	s := &o.ring[h%uint64(len(o.ring))]
	s.pcm = append(s.pcm[:0], pcm...)
	s.pos = at
	o.head.Store(h + 1)
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// Title says that title takes effect at station sample at. It never
// waits: with titles piled up beyond maxTitles, the newest is lost.
func (o *Output) Title(at int64, title string) {
	select {
	case o.title <- titleAt{at: at, title: title}:
	default:
	}
}

// Dropped is how many blocks the output lost by falling behind.
func (o *Output) Dropped() int64 { return o.dropped.Load() }

// Encoded is how many blocks the output has encoded.
func (o *Output) Encoded() int64 { return o.encoded.Load() }

// Name is the encoder's name.
func (o *Output) Name() string { return o.cfg.Encoder.Name() }

// SampleRate is the output's rate.
func (o *Output) SampleRate() int { return o.cfg.Encoder.SampleRate() }

// Run encodes the blocks the engine hands over until ctx ends, then
// flushes the sink. It does not close the encoder.
func (o *Output) Run(ctx context.Context) {
	for {
		for t := o.tail.Load(); t < o.head.Load(); t++ {
			o.process(&o.ring[t%uint64(len(o.ring))])
			o.tail.Store(t + 1)
			if ctx.Err() != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			o.cfg.Sink.Flush(o.cfg.Now())
			return
		case <-o.wake:
		}
	}
}

// process encodes one block and writes its frames.
func (o *Output) process(s *slot) {
	o.now = o.cfg.Now()
	if s.pos > o.in {
		o.skipped += s.pos - o.in
		o.noteDrops()
	}
	end := s.pos + int64(len(s.pcm)/2)
	o.in = end
	o.takeTitles()
	// The encoder learns of a title before the block that holds its
	// first sample (an Ogg encoder starts a new chain there).
	for i := range o.nPending {
		if t := &o.pending[i]; !t.encoded && t.at < end {
			o.cfg.Encoder.SetTitle(t.title)
			t.encoded = true
		}
	}
	pcm := s.pcm
	if o.rs != nil {
		o.buf = o.rs.Process(o.buf[:0], pcm)
		pcm = o.buf
	}
	o.fed += int64(len(pcm) / 2)
	err := o.cfg.Encoder.Encode(pcm, o.emit)
	if err != nil && !o.failing {
		// Once per run of failures, not once per block.
		o.cfg.Logger.Warn("output encoder failed", "component", "output", "mount", o.cfg.Mount, "err", err)
	}
	o.failing = err != nil
	o.encoded.Add(1)
}

// takeTitles moves the titles the engine sent into pending, in order.
func (o *Output) takeTitles() {
	for {
		select {
		case t := <-o.title:
			if o.nPending == len(o.pending) {
				copy(o.pending[:], o.pending[1:])
				o.nPending--
			}
			o.pending[o.nPending] = t
			o.nPending++
		default:
			return
		}
	}
}

// writeFrame passes one frame to the sink, setting a pending title first
// if the frame holds the sample where it takes effect.
func (o *Output) writeFrame(f []byte, samples int) {
	end := o.emitted + int64(samples) - int64(o.cfg.Encoder.Delay())
	// A title in audio lost to drops lands on the next frame written.
	for o.nPending > 0 && o.outPos(o.pending[0].at) < end {
		o.cfg.Sink.SetTitle(o.pending[0].title, "", o.now)
		copy(o.pending[:], o.pending[1:])
		o.nPending--
		o.pending[o.nPending] = titleAt{}
	}
	o.cfg.Sink.WriteFrame(f, o.now)
	o.emitted += int64(samples)
}

// outPos is where station sample at falls in the encoder's input: the
// samples lost to drops are not there, and the rate may differ.
func (o *Output) outPos(at int64) int64 {
	at -= o.skipped
	if o.rs == nil {
		return at
	}
	return at * int64(o.cfg.Encoder.SampleRate()) / int64(o.cfg.StationRate)
}

// noteDrops logs that the output fell behind, at most every
// dropLogEvery.
func (o *Output) noteDrops() {
	if !o.lastLog.IsZero() && o.now.Sub(o.lastLog) < dropLogEvery {
		return
	}
	n := o.dropped.Load()
	o.cfg.Logger.Warn("output encoder fell behind; audio dropped", "component", "output", "mount", o.cfg.Mount,
		"dropped_blocks", n-o.logged, "dropped_total", n)
	o.lastLog, o.logged = o.now, n
}
