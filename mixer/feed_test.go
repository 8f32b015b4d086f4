package mixer

import (
	"math"
	"testing"
	"time"
)

// feedTone writes a sine of freq at amp into f, as a producer on its own
// clock would: frames up to what its clock says by the time given.
type feedTone struct {
	f        *Feed
	freq     float64
	amp      float64
	rate     float64 // the producer's true rate, in our clock's samples per second
	written  int64
	chunk    []float32
	chunkLen int // frames a producer delivers at once (a packet, a period)
	now      float64
}

func (p *feedTone) runTo(t float64) {
	if p.f.clock == nil {
		// Alone (no engine to lend its clock), the feed times the
		// producer on the producer's own virtual time.
		p.f.clock = func() time.Time { return clockStart.Add(time.Duration(p.now * float64(time.Second))) }
	}
	p.now = t
	want := int64(t * p.rate)
	for p.written+int64(p.chunkLen) <= want {
		for i := range p.chunkLen {
			v := float32(p.amp * math.Sin(2*math.Pi*p.freq*float64(p.written+int64(i))/rate))
			p.chunk[2*i], p.chunk[2*i+1] = v, v
		}
		n := p.f.Write(p.chunk[:2*p.chunkLen])
		p.written += int64(n)
		if n < p.chunkLen {
			return // full: a real producer would wait
		}
	}
}

// TestFeedAbsorbsDrift: producers 200 ppm fast and slow (twice what a USB
// mic or a remote encoder drifts) for a quarter of an hour: the buffer stays near its
// target, never runs dry, and the delay does not grow.
func TestFeedAbsorbsDrift(t *testing.T) {
	for _, ppm := range []float64{+200, -200} {
		const minutes = 15
		f := NewFeed(rate, 100*time.Millisecond, 500*time.Millisecond)
		p := &feedTone{f: f, freq: 1000, amp: 0.5, rate: rate * (1 + ppm*1e-6), chunk: make([]float32, 2*441), chunkLen: 441}
		f.Start()
		out := make([]float32, 2*BlockFrames)
		blocks := int(minutes * 60 * rate / BlockFrames)
		var minFill, maxFill int64 = 1 << 62, 0
		steered := 0
		for b := range blocks {
			p.runTo(float64(b+1) * BlockFrames / rate)
			if b*BlockFrames > 3*60*rate { // after three minutes of settling
				fill := f.Buffered()
				minFill, maxFill = min(minFill, fill), max(maxFill, fill)
			}
			f.pull(out, rate)
			if f.ratio != 1 {
				steered++
			}
		}
		duty := float64(steered) / float64(blocks)
		t.Logf("%+.0f ppm: buffer %.1f…%.1f ms (target 100), corrected %.1f %% of the time, underruns %d", ppm,
			float64(minFill)/rate*1000, float64(maxFill)/rate*1000, 100*duty, f.Underruns())
		if f.Underruns() != 0 {
			t.Errorf("%+.0f ppm: %d underruns", ppm, f.Underruns())
		}
		if lo, hi := float64(minFill)/rate, float64(maxFill)/rate; lo < 0.05 || hi > 0.16 {
			t.Errorf("%+.0f ppm: buffer wandered %.3f…%.3f s, want within 0.05…0.16 s", ppm, lo, hi)
		}
		// Corrections at 0.2 % or more against a 0.02 % drift: the audio
		// passes untouched most of the time.
		if duty > 0.3 {
			t.Errorf("%+.0f ppm: corrected %.0f %% of the time", ppm, 100*duty)
		}
	}
}

// TestFeedInterpolatesCleanly: a tone through a feed that corrects all
// the time (a producer 0.3 % fast, far beyond any real clock) keeps its
// level, with nothing audible added.
func TestFeedInterpolatesCleanly(t *testing.T) {
	f := NewFeed(rate, 100*time.Millisecond, 500*time.Millisecond)
	p := &feedTone{f: f, freq: 2000, amp: 0.5, rate: rate * (1 + 3000e-6), chunk: make([]float32, 2*512), chunkLen: 512}
	f.Start()
	var pcm []float32
	out := make([]float32, 2*BlockFrames)
	// Two minutes for the correction to settle, then three seconds heard.
	settled := int(120 * rate / BlockFrames)
	for b := range settled + 115 {
		p.runTo(float64(b+1) * BlockFrames / rate)
		f.pull(out, rate)
		if b >= settled {
			pcm = append(pcm, out...)
		}
	}
	// The level: the tone comes out a touch high, as the correction
	// speeds it up, so measure it where it is.
	got := 0.0
	for ppm := 0.0; ppm <= 5000; ppm += 5 {
		got = max(got, toneLevel(pcm[:2*4096], 2000*(1+ppm*1e-6)))
	}
	if d := 20 * math.Log10(got/0.5); math.Abs(d) > 0.1 {
		t.Errorf("tone level %.4f, %.2f dB off", got, d)
	}
	// What the interpolation adds: the spectrum away from the tone.
	if f.ratio == 1 {
		t.Fatal("the feed was not correcting")
	}
	if db := spuriousDB(pcm[:2*4096], 2000); db > -70 {
		t.Errorf("interpolation adds %.1f dB relative to the tone", db)
	} else {
		t.Logf("everything but the tone: %.1f dB", db)
	}
}

// TestFeedTakes: a take waits for its buffer before it plays, Stop plays
// out what is left and then silence, and Start drops an old take's audio.
func TestFeedTakes(t *testing.T) {
	f := NewFeed(rate, 50*time.Millisecond, 500*time.Millisecond)
	out := make([]float32, 2*BlockFrames)
	// A smooth producer: 10 ms at a time, its clock moving with them.
	var clock time.Duration
	f.clock = func() time.Time { return clockStart.Add(clock) }
	chunk := make([]float32, 2*441)
	deliver := func(frames int, v float32) {
		for i := range chunk {
			chunk[i] = v
		}
		for ; frames > 0; frames -= 441 {
			clock += 10 * time.Millisecond
			f.Write(chunk)
		}
	}
	f.Start()
	deliver(1000, 0.25)
	if f.pull(out, rate) {
		t.Fatal("played before the buffer reached its target")
	}
	deliver(4000, 0.25)
	if !f.pull(out, rate) || math.Abs(float64(out[100])-0.25) > 1e-6 {
		t.Fatalf("did not play once buffered: %v", out[100])
	}
	// Old audio is dropped by a new take.
	f.Start()
	deliver(3000, 0.75)
	if !f.pull(out, rate) || math.Abs(float64(out[500])-0.75) > 1e-6 {
		t.Fatalf("a new take played the old one's audio: %v", out[500])
	}
	f.Stop()
	for range 4 {
		f.pull(out, rate)
	}
	if f.pull(out, rate) || out[0] != 0 {
		t.Fatal("still playing after the producer stopped and the buffer ran out")
	}
	if f.Underruns() != 0 {
		t.Fatalf("a stop counted as an underrun")
	}
	// A stall mid-take: silence, counted, then it plays again once filled.
	f.Start()
	deliver(3000, 0.5)
	for range 4 {
		f.pull(out, rate)
	}
	if f.Underruns() != 1 {
		t.Fatalf("underruns %d, want 1", f.Underruns())
	}
	deliver(3000, 0.5)
	if !f.pull(out, rate) {
		t.Fatal("did not resume after a stall")
	}
}

// TestFeedBuffersABurstyProducer: a producer that delivers a second of
// audio at once, once a second (an Ogg page of a quiet stream), is
// played without a gap: the feed waits for enough before it starts.
func TestFeedBuffersABurstyProducer(t *testing.T) {
	f := NewFeed(rate, 300*time.Millisecond, 4*time.Second)
	p := &feedTone{f: f, freq: 1000, amp: 0.5, rate: rate, chunk: make([]float32, 2*rate), chunkLen: rate}
	f.Start()
	out := make([]float32, 2*BlockFrames)
	played := 0
	for b := range int(20 * rate / BlockFrames) {
		p.runTo(float64(b) * BlockFrames / rate)
		if f.pull(out, rate) {
			played++
		}
	}
	if f.Underruns() != 0 || played == 0 {
		t.Errorf("underruns %d, blocks played %d", f.Underruns(), played)
	}
	if target := f.targetNow(rate); target < rate {
		t.Errorf("kept %.2f s buffered for one-second deliveries", float64(target)/rate)
	}
}

func TestFeedWriteStopsWhenFull(t *testing.T) {
	f := NewFeed(rate, 50*time.Millisecond, 200*time.Millisecond)
	f.Start()
	total := 0
	for range 100 {
		n := f.Write(make([]float32, 2*1000))
		total += n
		if n == 0 {
			break
		}
	}
	if int64(total) != f.size {
		t.Fatalf("took %d frames, ring holds %d", total, f.size)
	}
}

// spuriousDB is the energy of x's left channel more than 8 bins away
// from freq, relative to the energy near it, in dB (a Blackman-Harris
// window, whose leakage is far below what is measured).
func spuriousDB(x []float32, freq float64) float64 {
	n := len(x) / 2
	w := make([]float64, n)
	for i := range n {
		a := 2 * math.Pi * float64(i) / float64(n)
		w[i] = float64(x[2*i]) * (0.35875 - 0.48829*math.Cos(a) + 0.14128*math.Cos(2*a) - 0.01168*math.Cos(3*a))
	}
	center := int(math.Round(freq * float64(n) / rate))
	var near, far float64
	for k := 1; k < n/2; k++ {
		var re, im float64
		for i, v := range w {
			a := 2 * math.Pi * float64(k*i%n) / float64(n)
			re += v * math.Cos(a)
			im -= v * math.Sin(a)
		}
		if p := re*re + im*im; k >= center-8 && k <= center+8 {
			near += p
		} else {
			far += p
		}
	}
	return 10 * math.Log10(far/near)
}
