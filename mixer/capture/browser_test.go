package capture

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"onair/internal/leakcheck"
	"onair/internal/testaudio"
	"onair/internal/testenv"
)

// runBrowser makes a browser backend at outRate and runs it on sink; the
// returned stop cancels Run and waits for it.
func runBrowser(t *testing.T, outRate int, sink Sink) (b *Browser, stop func()) {
	t.Helper()
	logger, _ := newTestLogger(t)
	be, err := New(Options{Backend: BackendBrowser, OutRate: outRate}, logger)
	if err != nil {
		t.Fatal(err)
	}
	b = be.(*Browser)
	if _, err := b.Claim(); !errors.Is(err, ErrMicOff) {
		t.Fatalf("Claim before Run: %v, want ErrMicOff", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx, sink) }()
	testenv.WaitFor(t, "Run to take the sink", b.Running)
	stopped := false
	stop = func() {
		t.Helper()
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return after cancel")
		}
	}
	t.Cleanup(stop)
	return b, stop
}

func TestBrowserTakesOnePageAtATime(t *testing.T) {
	sink := &fakeSink{}
	b, stop := runBrowser(t, 44100, sink)
	p, err := b.Claim()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Claim(); !errors.Is(err, ErrMicBusy) || err.Error() != "another page has the microphone" {
		t.Fatalf("second Claim: %v, want ErrMicBusy", err)
	}
	p.End()
	p.End() // a second End must not free the next page's claim
	q, err := b.Claim()
	if err != nil {
		t.Fatalf("Claim after End: %v", err)
	}
	p.End()
	if _, err := b.Claim(); !errors.Is(err, ErrMicBusy) {
		t.Fatalf("an old page's End freed the mic: %v", err)
	}
	q.End()
	stop()
	if _, err := b.Claim(); !errors.Is(err, ErrMicOff) {
		t.Fatalf("Claim after Run: %v, want ErrMicOff", err)
	}
	// A page that never said its format never started a take.
	if h := sink.history(); h != "" {
		t.Errorf("sink events %q, want none", h)
	}
}

// TestBrowserRunLetsThePageGo: when the station stops, the page's context
// ends and Run returns only once the page has let the mic go.
func TestBrowserRunLetsThePageGo(t *testing.T) {
	leakcheck.Check(t)
	sink := &fakeSink{}
	b, stop := runBrowser(t, 44100, sink)
	p, err := b.Claim()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Begin(48000, 1); err != nil {
		t.Fatal(err)
	}
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		<-p.Context().Done()
		time.Sleep(50 * time.Millisecond) // Run must wait for this
		p.End()
	}()
	at := time.Now()
	stop()
	if d := time.Since(at); d < 50*time.Millisecond {
		t.Errorf("Run returned %v after cancel, before the page let go", d)
	}
	<-ended
	if h := sink.history(); h != "start,stop" {
		t.Errorf("sink events %q, want start,stop", h)
	}
}

func TestBrowserPageRefusesBadFormatsAndAudio(t *testing.T) {
	sink := &fakeSink{}
	b, _ := runBrowser(t, 44100, sink)
	p, err := b.Claim()
	if err != nil {
		t.Fatal(err)
	}
	defer p.End()
	if err := p.Write([]byte{0, 0}); !errors.Is(err, ErrBadFormat) || err.Error() != "bad audio: audio before the format" {
		t.Errorf("Write before Begin: %v", err)
	}
	for _, tc := range []struct {
		rate, ch int
		want     string
	}{
		{7999, 1, "bad audio: rate must be 8000…192000 Hz, got 7999"},
		{192001, 2, "bad audio: rate must be 8000…192000 Hz, got 192001"},
		{48000, 0, "bad audio: channels must be 1 or 2, got 0"},
		{48000, 3, "bad audio: channels must be 1 or 2, got 3"},
	} {
		if err := p.Begin(tc.rate, tc.ch); !errors.Is(err, ErrBadFormat) || err.Error() != tc.want {
			t.Errorf("Begin(%d, %d): %v, want %q", tc.rate, tc.ch, err, tc.want)
		}
	}
	if sink.count("start") != 0 {
		t.Fatalf("a refused format started a take: %s", sink.history())
	}
	if err := p.Begin(8000, 2); err != nil {
		t.Fatal(err)
	}
	if err := p.Begin(8000, 2); err == nil {
		t.Error("a second Begin was taken")
	}
	if err := p.Write(make([]byte, 6)); err == nil || err.Error() != "bad audio: 6 bytes is not a whole number of 4-byte frames" {
		t.Errorf("Write of a frame and a half: %v", err)
	}
	if sink.frames() != 0 {
		t.Errorf("refused audio reached the sink: %d frames", sink.frames())
	}
}

// TestBrowserPageResamplesToTheStation: 2 kHz mono at 48 kHz in
// AudioWorklet-sized chunks arrives at 44.1 kHz stereo, at its level,
// alone; what the sink has no room for is counted, not waited for.
func TestBrowserPageResamplesToTheStation(t *testing.T) {
	sink := &fakeSink{}
	b, _ := runBrowser(t, 44100, sink)
	p, err := b.Claim()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Begin(48000, 1); err != nil {
		t.Fatal(err)
	}
	const amp = 0.5
	data := testaudio.S16LE(testaudio.Sine(48000, 48000, 2000, amp), 1)
	for i, sizes := 0, []int{128, 4096, 1000, 2}; len(data) > 0; i++ {
		n := min(2*sizes[i%len(sizes)], len(data))
		if err := p.Write(data[:n]); err != nil {
			t.Fatal(err)
		}
		data = data[n:]
	}
	frames, dropped := p.Stats()
	if frames < 44000 || frames > 44100 || dropped != 0 {
		t.Errorf("Stats: %d frames, %d dropped; want about 44100, none", frames, dropped)
	}
	pcm := sink.audio()
	left := make([]float64, 0, len(pcm)/2)
	for i := 0; i < len(pcm); i += 2 {
		if pcm[i] != pcm[i+1] {
			t.Fatalf("frame %d: left %v, right %v", i/2, pcm[i], pcm[i+1])
		}
		left = append(left, float64(pcm[i]))
	}
	x := left[2000 : 2000+441*80]
	got := testaudio.Level(x, 44100, 2000)
	if db := 20 * math.Log10(got/amp); math.Abs(db) > 0.5 {
		t.Errorf("2 kHz at %.4f (%.2f dB from the sent %.1f)", got, db, amp)
	}
	for _, f := range []float64{1000, 3000, 4000, 8000} {
		if a := testaudio.Level(x, 44100, f); a > amp/1000 {
			t.Errorf("%v Hz at %.5f, want < -60 dB", f, a)
		}
	}

	sink.mu.Lock()
	sink.perCall, sink.every = 100, time.Hour
	sink.mu.Unlock()
	if err := p.Write(testaudio.S16LE(testaudio.Sine(4800, 48000, 2000, amp), 1)); err != nil {
		t.Fatal(err)
	}
	frames2, dropped := p.Stats()
	if made := frames2 - frames; made < 4300 || dropped != made-100 {
		t.Errorf("into a full sink: %d frames made, %d dropped; want all but 100 dropped", made, dropped)
	}
	p.End()
	if h := sink.history(); h != "start,write,stop" {
		t.Errorf("sink events %q, want start,write,stop", h)
	}
}

// TestBrowserPageWriteDoesNotAllocate: a message of audio costs no
// allocation, resampled or not, mono or stereo.
func TestBrowserPageWriteDoesNotAllocate(t *testing.T) {
	for _, tc := range []struct{ rate, ch int }{{44100, 2}, {48000, 1}, {48000, 2}, {16000, 1}} {
		b, stop := runBrowser(t, 44100, discardSink{})
		p, err := b.Claim()
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Begin(tc.rate, tc.ch); err != nil {
			t.Fatal(err)
		}
		msg := make([]byte, 4096*2*tc.ch)
		if allocs := testing.AllocsPerRun(20, func() { _ = p.Write(msg) }); allocs != 0 {
			t.Errorf("%d Hz, %d channels: %v allocations per message", tc.rate, tc.ch, allocs)
		}
		p.End()
		stop()
	}
}

// discardSink takes everything and keeps nothing.
type discardSink struct{}

func (discardSink) Start()                  {}
func (discardSink) Stop()                   {}
func (discardSink) Write(pcm []float32) int { return len(pcm) / 2 }
