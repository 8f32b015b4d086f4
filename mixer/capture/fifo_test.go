package capture

import (
	"math"
	"testing"
	"time"

	"onair/internal/leakcheck"
	"onair/internal/testaudio"
	"onair/internal/testenv"
)

// TestFIFOSineIsResampledToTheStationRate: 2 kHz mono at 48 kHz through a
// FIFO comes out at 44.1 kHz with 2 kHz dominant, at the written level, the
// same in both channels, in one take.
func TestFIFOSineIsResampledToTheStationRate(t *testing.T) {
	leakcheck.Check(t)
	path := makeFIFO(t)
	sink := &fakeSink{}
	stop, _ := startPipe(t, path, 48000, 1, 44100, sink)
	w := openWriter(t, path)
	defer w.Close()
	const amp = 0.5
	writePieces(t, w, testaudio.S16LE(testaudio.Sine(24000, 48000, 2000, amp), 1), 4096)

	// 24000 frames at 48 kHz are 22050 at 44.1 kHz; the filter holds back
	// a few dozen while the writer stays.
	testenv.WaitFor(t, "the audio", func() bool { return sink.frames() >= 22000 })
	stop()
	pcm := sink.audio()
	left := make([]float64, 0, len(pcm)/2)
	for i := 0; i < len(pcm); i += 2 {
		if pcm[i] != pcm[i+1] {
			t.Fatalf("frame %d: left %v, right %v", i/2, pcm[i], pcm[i+1])
		}
		left = append(left, float64(pcm[i]))
	}
	// 441 frames hold exactly 20 cycles of 2 kHz at 44.1 kHz; skip the
	// filter's start.
	x := left[2000 : 2000+441*40]
	got := testaudio.Level(x, 44100, 2000)
	if db := 20 * math.Log10(got/amp); math.Abs(db) > 0.5 {
		t.Errorf("2 kHz at %.3f (%.2f dB from the written %.1f)", got, db, amp)
	}
	var power float64
	for _, v := range x {
		power += v * v
	}
	power /= float64(len(x))
	if share := (got * got / 2) / power; share < 0.999 {
		t.Errorf("2 kHz holds only %.4f of the power", share)
	}
	for _, f := range []float64{1000, 3000, 4000, 6000, 10000, 15000} {
		if a := testaudio.Level(x, 44100, f); a > amp/1000 {
			t.Errorf("%v Hz at %.5f, want < -60 dB", f, a)
		}
	}
	if n := sink.count("start"); n != 1 {
		t.Errorf("Start called %d times, want 1 (%s)", n, sink.history())
	}
}

// TestFIFOStalledWriterKeepsRunSilentAndCancellable: a writer that stops
// writing but keeps the FIFO open leaves Run waiting, without writes or
// Stop, and cancelling still returns at once.
func TestFIFOStalledWriterKeepsRunSilentAndCancellable(t *testing.T) {
	leakcheck.Check(t)
	path := makeFIFO(t)
	sink := &fakeSink{}
	stop, _ := startPipe(t, path, 44100, 2, 44100, sink)
	w := openWriter(t, path)
	defer w.Close()
	writePieces(t, w, testaudio.S16LE(testaudio.Sine(2000, 44100, 440, 0.3), 1), 8000)
	testenv.WaitFor(t, "the first audio", func() bool { return sink.frames() == 1000 })
	time.Sleep(300 * time.Millisecond)
	if n := sink.frames(); n != 1000 {
		t.Errorf("%d frames after the stall, want 1000", n)
	}
	if h := sink.history(); h != "start,write" {
		t.Errorf("events %s, want start,write", h)
	}
	stop() // fails the test unless Run returns at once
}

// TestFIFOWriterLeavesAndReturns: a writer closing stops the take; the
// next writer starts another and its audio follows.
func TestFIFOWriterLeavesAndReturns(t *testing.T) {
	leakcheck.Check(t)
	path := makeFIFO(t)
	sink := &fakeSink{}
	startPipe(t, path, 44100, 1, 44100, sink)

	w := openWriter(t, path)
	writePieces(t, w, testaudio.S16LE(testaudio.Sine(1000, 44100, 440, 0.3), 1), 4096)
	w.Close()
	testenv.WaitFor(t, "Stop after the writer left", func() bool { return sink.count("stop") == 1 })
	if n := sink.frames(); n != 1000 {
		t.Fatalf("%d frames from the first writer, want 1000", n)
	}

	w = openWriter(t, path)
	defer w.Close()
	second := testaudio.Sine(500, 44100, 880, 0.25)
	writePieces(t, w, testaudio.S16LE(second, 1), 4096)
	testenv.WaitFor(t, "the second writer's audio", func() bool { return sink.frames() == 1500 })
	if h := sink.history(); h != "start,write,stop,start,write" {
		t.Errorf("events %s", h)
	}
	pcm := sink.audio()
	for i, v := range second {
		want := float32(int16(math.Round(v*32767))) / 32768
		if got := pcm[2*(1000+i)]; got != want {
			t.Fatalf("second take frame %d: %v, want %v", i, got, want)
		}
	}
}

// TestFIFOStereoAtTheStationRateIsBitExact: with matching rates and two
// channels, each sample arrives as exactly s16/32768.
func TestFIFOStereoAtTheStationRateIsBitExact(t *testing.T) {
	leakcheck.Check(t)
	path := makeFIFO(t)
	sink := &fakeSink{}
	startPipe(t, path, 44100, 2, 44100, sink)
	want := []int16{0, -1, 1, 32767, -32768, 12345, -12345, 2, -2, 100}
	for i := 0; len(want) < 2*5000; i++ {
		want = append(want, int16(i*7919%65536-32768))
	}
	data := make([]byte, 2*len(want))
	for i, v := range want {
		data[2*i], data[2*i+1] = byte(v), byte(uint16(v)>>8)
	}
	w := openWriter(t, path)
	defer w.Close()
	writePieces(t, w, data, 4096)
	testenv.WaitFor(t, "every frame", func() bool { return sink.frames() == len(want)/2 })
	for i, v := range sink.audio() {
		if v != float32(want[i])/32768 {
			t.Fatalf("sample %d: %v, want %v", i, v, float32(want[i])/32768)
		}
	}
}

// TestFIFOOddPiecesEqualAWholeWrite: bytes written 1, 3 and 7 at a time,
// splitting samples and frames, give exactly the audio of one whole write.
func TestFIFOOddPiecesEqualAWholeWrite(t *testing.T) {
	leakcheck.Check(t)
	data := testaudio.S16LE(testaudio.Sine(2*3000, 48000, 1000, 0.4), 1) // stereo: 3000 frames
	capture := func(pause time.Duration, sizes ...int) []float32 {
		path := makeFIFO(t)
		sink := &fakeSink{}
		stop, _ := startPipe(t, path, 48000, 2, 44100, sink)
		defer stop()
		w := openWriter(t, path)
		writePaced(t, w, data, pause, sizes...)
		w.Close()
		testenv.WaitFor(t, "the end of the take", func() bool { return sink.count("stop") == 1 })
		return sink.audio()
	}
	whole := capture(0, len(data))
	pieces := capture(20*time.Microsecond, 1, 3, 7)
	// 3000 frames at 48 kHz give ceil(3000·44100/48000) = 2757, and the
	// tail comes out when the writer leaves.
	if len(whole) != 2*2757 {
		t.Fatalf("whole write: %d frames, want 2757", len(whole)/2)
	}
	if len(pieces) != len(whole) {
		t.Fatalf("pieces: %d frames, whole: %d", len(pieces)/2, len(whole)/2)
	}
	for i := range whole {
		if pieces[i] != whole[i] {
			t.Fatalf("sample %d: %v in pieces, %v whole", i, pieces[i], whole[i])
		}
	}
}
