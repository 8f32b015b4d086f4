package output

import (
	"context"
	"io"
	"math"
	"sync"
	"testing"
	"time"

	"onair/internal/leakcheck"
	"onair/internal/testaudio"
	"onair/mixer"
)

const stationRate = 44100

// frameEncoder emits a 417-byte stand-in frame for every frameLen
// samples it is given, keeps what it was given if keep, and tells calls
// of each Encode.
type frameEncoder struct {
	rate   int
	keep   bool
	calls  chan struct{}
	pcm    []float32
	held   int
	titles []titleMark
	fed    int
}

// titleMark is a title SetTitle gave and the samples fed before it.
type titleMark struct {
	title string
	fed   int
}

const frameLen = 1152

var standIn = make([]byte, 417)

func (e *frameEncoder) SampleRate() int { return e.rate }
func (e *frameEncoder) Delay() int      { return 1105 }
func (e *frameEncoder) Name() string    { return "test" }
func (e *frameEncoder) Close() error    { return nil }
func (e *frameEncoder) SetTitle(title string) {
	e.titles = append(e.titles, titleMark{title, e.fed})
}
func (e *frameEncoder) Flush(func([]byte, int)) error { return nil }
func (e *frameEncoder) Encode(pcm []float32, emit func([]byte, int)) error {
	if e.keep {
		e.pcm = append(e.pcm, pcm...)
	}
	e.fed += len(pcm) / 2
	e.held += len(pcm) / 2
	for e.held >= frameLen {
		emit(standIn, frameLen)
		e.held -= frameLen
	}
	if e.calls != nil {
		e.calls <- struct{}{}
	}
	return nil
}

// stuckEncoder never returns from Encode until release is closed: an
// encoder far slower than real time.
type stuckEncoder struct {
	frameEncoder
	release chan struct{}
}

func (e *stuckEncoder) Encode(pcm []float32, emit func([]byte, int)) error {
	<-e.release
	return nil
}

// countSink counts frames and notes each title with the frames before it.
type countSink struct {
	mu     sync.Mutex
	frames int
	titles []titleMark
}

func (s *countSink) WriteFrame([]byte, time.Time) { s.mu.Lock(); s.frames++; s.mu.Unlock() }
func (s *countSink) SetTitle(title, _ string, _ time.Time) {
	s.mu.Lock()
	s.titles = append(s.titles, titleMark{title, s.frames})
	s.mu.Unlock()
}
func (s *countSink) Flush(time.Time) {}
func (s *countSink) count() int      { s.mu.Lock(); defer s.mu.Unlock(); return s.frames }

// sine is a track: a tone at freq for frames frames.
type sine struct {
	freq        float64
	pos, frames int
}

func (s *sine) Read(buf []float32) (int, error) {
	n := 0
	for ; n+1 < len(buf) && s.pos < s.frames; n += 2 {
		v := float32(0.5 * math.Sin(2*math.Pi*s.freq*float64(s.pos)/stationRate))
		buf[n], buf[n+1] = v, v
		s.pos++
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}
func (s *sine) Close() error { return nil }

// oneTrack hands out one track, then nothing.
type oneTrack struct{ t *mixer.Track }

func (o *oneTrack) Next() *mixer.Track { t := o.t; o.t = nil; return t }

// mainEncoder stands in for the station's MP3 encoder: a frame per block.
type mainEncoder struct{}

func (mainEncoder) Encode(dst []byte, pcm []float32) ([]byte, error) {
	f := make([]byte, 417)
	copy(f, []byte{0xFF, 0xFB, 0x90, 0x64}) // MPEG-1 layer III, 128 kbps, 44.1 kHz
	return append(dst, f...), nil
}

// TestStuckOutputStallsNothing: an output whose encoder never returns
// costs the engine, the station's mount and a healthy output nothing:
// the engine makes ten seconds of audio on its clock, the mount gets a
// frame for every block, the healthy output encodes every block, and the
// stuck one drops all but what its ring holds.
func TestStuckOutputStallsNothing(t *testing.T) {
	leakcheck.Check(t)
	const ringBlocks = 8
	stuck := &stuckEncoder{frameEncoder: frameEncoder{rate: stationRate}, release: make(chan struct{})}
	healthy := &frameEncoder{rate: stationRate, calls: make(chan struct{}, 1024)}
	outs := []*Output{
		New(Config{Mount: "/stuck", StationRate: stationRate, Encoder: stuck, Sink: &countSink{}, Blocks: ringBlocks}),
		New(Config{Mount: "/healthy", StationRate: stationRate, Encoder: healthy, Sink: &countSink{}, Blocks: ringBlocks}),
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer wg.Wait()
	defer close(stuck.release) // lets the stuck Run see the end
	defer cancel()
	for _, o := range outs {
		wg.Add(1)
		go func() { defer wg.Done(); o.Run(ctx) }()
	}

	main := &countSink{}
	clock := time.Unix(1e9, 0)
	var mu sync.Mutex
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	var eng *mixer.Engine
	const seconds = 10
	healthyBlocks := 0
	failed := ""
	sleep := func(c context.Context, d time.Duration) bool {
		blocks := int(eng.Produced().Seconds()*stationRate+0.5) / mixer.BlockFrames
		// Real time passes while the engine sleeps: the healthy output
		// gets the chance to encode what it was given, which it must do
		// whatever the stuck one does.
		deadline := time.After(10 * time.Second)
		for healthyBlocks < blocks {
			select {
			case <-healthy.calls:
				healthyBlocks++
			case <-deadline:
				failed = "the healthy output stalled"
				cancel()
				return false
			}
		}
		if eng.Produced() >= seconds*time.Second {
			cancel()
			return false
		}
		mu.Lock()
		clock = clock.Add(d)
		mu.Unlock()
		return c.Err() == nil
	}
	taps := []mixer.Tap{outs[0], outs[1]}
	track := &mixer.Track{Path: "tone", Title: "Tone", Audio: &sine{freq: 440, frames: 20 * stationRate}}
	eng = mixer.New(mixer.Config{SampleRate: stationRate, Taps: taps, Now: now, Sleep: sleep}, &oneTrack{track}, mainEncoder{}, main)
	done := make(chan struct{})
	go func() { defer close(done); _ = eng.Run(ctx) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the engine stalled")
	}
	if failed != "" {
		t.Fatal(failed)
	}
	blocks := int(eng.Produced().Seconds()*stationRate+0.5) / mixer.BlockFrames
	if blocks < seconds*stationRate/mixer.BlockFrames {
		t.Fatalf("the engine made only %d blocks", blocks)
	}
	// The splitter keeps back the last frame until the next one begins.
	if got := main.count(); got < blocks-1 {
		t.Errorf("the station's mount got %d frames of %d blocks", got, blocks)
	}
	if healthyBlocks < blocks || outs[1].Dropped() != 0 {
		t.Errorf("the healthy output encoded %d of %d blocks, dropped %d", healthyBlocks, blocks, outs[1].Dropped())
	}
	if got, want := outs[0].Dropped(), int64(blocks-ringBlocks); got != want {
		t.Errorf("the stuck output dropped %d blocks, want %d (all but its ring's %d)", got, want, ringBlocks)
	}
}

// TestResampledOutputKeepsToneAndTitles: an output at 48 kHz of a
// 44.1 kHz station gets the tone at its pitch, every sample's worth of
// audio, the title in the encoder before the block where it begins and at
// the sink before the frame where a listener hears it.
func TestResampledOutputKeepsToneAndTitles(t *testing.T) {
	leakcheck.Check(t)
	const outRate = 48000
	enc := &frameEncoder{rate: outRate, keep: true, calls: make(chan struct{}, 256)}
	sink := &countSink{}
	o := New(Config{Mount: "/hi", StationRate: stationRate, Encoder: enc, Sink: sink})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); o.Run(ctx) }()
	defer func() { cancel(); <-done }()

	src := &sine{freq: 1000, frames: 2 * stationRate}
	block := make([]float32, 2*mixer.BlockFrames)
	blocks := 0
	for {
		n, _ := src.Read(block)
		if n == 0 {
			break
		}
		if src.pos > stationRate && src.pos-n/2 <= stationRate {
			o.Title(stationRate, "Second") // one second in
		}
		o.Block(block[:n])
		blocks++
		// Handed over at the engine's pace, a batch at a time, so the
		// ring never overflows.
		if blocks%4 == 0 {
			for range 4 {
				select {
				case <-enc.calls:
				case <-time.After(10 * time.Second):
					t.Fatal("the output did not encode")
				}
			}
		}
	}
	for range blocks % 4 {
		select {
		case <-enc.calls:
		case <-time.After(10 * time.Second):
			t.Fatal("the output did not encode")
		}
	}
	cancel()
	<-done
	if o.Dropped() != 0 || o.Encoded() != int64(blocks) {
		t.Fatalf("encoded %d of %d blocks, dropped %d", o.Encoded(), blocks, o.Dropped())
	}

	// Every output sample the input determines, less the filter's
	// look-ahead, which waits for input to come.
	got := len(enc.pcm) / 2
	if want := 2 * outRate; got > want || got < want-100 {
		t.Errorf("%d samples at 48 kHz for 2 s of 44.1 kHz, want a little under %d", got, want)
	}
	mid := testaudio.Channel(enc.pcm[2*outRate:2*outRate+2*4800], 0, 2) // 100 ms, left channel
	if l := testaudio.HannLevel(mid, outRate, 1000); l < 0.45 {
		t.Errorf("1 kHz at level %.3f, want 0.5", l)
	}
	if l := testaudio.HannLevel(mid, outRate, 1000.0*outRate/stationRate); l > 0.05 {
		t.Errorf("the tone moved in pitch: level %.3f at %.0f Hz", l, 1000.0*outRate/stationRate)
	}

	// The title begins at output sample 48000.
	if len(enc.titles) != 1 || enc.titles[0].fed > outRate || enc.titles[0].fed < outRate-mixer.BlockFrames*outRate/stationRate-1 {
		t.Errorf("encoder titles %v, want one in the block before sample %d", enc.titles, outRate)
	}
	// The sink gets it before the first frame whose end, less the delay,
	// passes sample 48000.
	wantFrame := 0
	for wantFrame*frameLen+frameLen-enc.Delay() <= outRate {
		wantFrame++
	}
	if len(sink.titles) != 1 || sink.titles[0].fed != wantFrame {
		t.Errorf("sink titles %v, want one before frame %d", sink.titles, wantFrame)
	}
}

// TestOutputAllocatesNothingPerBlock: the tap on the audio loop, and the
// output's resampling and frame handling, allocate nothing per block.
func TestOutputAllocatesNothingPerBlock(t *testing.T) {
	block := toneBlock()
	o := New(Config{StationRate: stationRate, Encoder: &frameEncoder{rate: 48000}, Sink: nopSink{}})
	step := func() {
		o.Block(block)
		o.process(&o.ring[o.tail.Load()%uint64(len(o.ring))])
		o.tail.Add(1)
	}
	for range 100 {
		step()
	}
	if a := testing.AllocsPerRun(2000, step); a != 0 {
		t.Errorf("%v allocations per block", a)
	}
}
