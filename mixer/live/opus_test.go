package live

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"onair/codec/opus"
	"onair/internal/testaudio"
)

// opusQ is ffmpeg's libopus at the bitrate of a DJ's encoder, with pages
// of 100 ms as live encoders send.
var opusQ = []string{"-c:a", "libopus", "-b:a", "128k", "-f", "ogg", "-page_duration", "100000"}

// needOpus skips the test without libopus (fails it in CI).
func needOpus(t testing.TB) *opus.Library {
	t.Helper()
	lib, err := opus.Load()
	switch {
	case err == nil:
		return lib
	case os.Getenv("CI") != "":
		t.Fatalf("%v: .ci/run must install it", err)
	}
	t.Skip(err)
	return nil
}

// TestOpusTone decodes a 3 kHz sine from an Ogg Opus stream made by
// ffmpeg, stereo and mono, pushed in random chunks: it comes out at the
// station's 44.1 kHz on both channels, at 3 kHz and its level, as long as
// it went in (the pre-skip dropped), with the stream's title.
func TestOpusTone(t *testing.T) {
	needOpus(t)
	for _, channels := range []int{2, 1} {
		t.Run(map[int]string{1: "mono", 2: "stereo"}[channels], func(t *testing.T) {
			s := sine3k(48000, channels, 3)
			data := encode(t, s, append(slices.Clone(opusQ), "-metadata", "artist=DJ", "-metadata", "title=Live")...)
			var titles []string
			sink := &recSink{}
			d := NewDecoder(Options{Rate: testRate, OnTitle: func(s string) { titles = append(titles, s) }}, sink)
			defer d.Close()
			if err := feed(d, data, 1); err != nil {
				t.Fatalf("Write: %v", err)
			}
			if got := d.Format(); got != "ogg/opus" {
				t.Errorf("Format() = %q, want ogg/opus", got)
			}
			pcm := sink.samples()
			// The last packet's padding past the stream's end is played
			// (at most 20 ms), the pre-skip is not.
			if got, want := len(pcm)/2, int(s.seconds*testRate); got < want-64 || got > want+testRate/50+64 {
				t.Errorf("%d frames out, want %d to %d", got, want, want+testRate/50)
			}
			for ch := range 2 {
				checkTone(t, "Opus", middle(testaudio.Channel(pcm, ch, 2), 0.3), 3000, 0.5)
			}
			if want := []string{"DJ - Live"}; !slices.Equal(titles, want) {
				t.Errorf("titles %q, want %q", titles, want)
			}
		})
	}
}

// TestOpusChain plays chained Ogg Opus streams, as a source sends one per
// track: ffmpeg's two files one after the other, then two chains made by
// codec/opus's writer. Each stream's tags give a title, in order, and
// each tone comes out in turn.
func TestOpusChain(t *testing.T) {
	lib := needOpus(t)
	a := encode(t, sine3k(48000, 2, 1.5), append(slices.Clone(opusQ), "-metadata", "artist=A", "-metadata", "title=One", "-serial_offset", "1000")...)
	b := encode(t, tone{freq: 1000, amp: 0.5, rate: 48000, channels: 2, seconds: 1.5}, append(slices.Clone(opusQ), "-metadata", "title=Two", "-serial_offset", "2000")...)

	enc, err := lib.NewEncoder(opus.EncoderOptions{Bitrate: 128})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	w := opus.NewOggWriter(enc)
	var ours []byte
	for i, c := range []struct {
		freq  float64
		title string
	}{{3000, "Three"}, {1000, "Four"}} {
		if ours, err = w.NewChain(ours, uint32(3000+i), "C", c.title); err != nil {
			t.Fatal(err)
		}
		pcm := testaudio.Interleave32(testaudio.Sine(int(1.5*opus.SampleRate), opus.SampleRate, c.freq, 0.5), 2)
		if ours, err = w.Write(ours, pcm); err != nil {
			t.Fatal(err)
		}
	}
	if ours, err = w.End(ours); err != nil {
		t.Fatal(err)
	}

	var titles []string
	pcm := decodeAll(t, slices.Concat(a, b, ours), Options{OnTitle: func(s string) { titles = append(titles, s) }})
	if want := []string{"A - One", "Two", "C - Three", "C - Four"}; !slices.Equal(titles, want) {
		t.Errorf("titles %q, want %q", titles, want)
	}
	if got, want := len(pcm)/2, 6*testRate; got < want-64 || got > want+4*testRate/50 {
		t.Errorf("%d frames out, want about %d", got, want)
	}
	x := testaudio.Channel(pcm, 0, 2)
	for i, freq := range []float64{3000, 1000, 3000, 1000} {
		start := 1.5 * float64(i)
		checkTone(t, "stream "+string(rune('1'+i)), x[int((start+0.2)*testRate):int((start+1.3)*testRate)], freq, 0.5)
	}
}

// TestOpusGarbageInTheMiddle puts random bytes into an Ogg Opus stream:
// the damaged page is dropped, the Decoder finds the next page, libopus
// conceals the lost packets, and the tone goes on without a burst.
func TestOpusGarbageInTheMiddle(t *testing.T) {
	needOpus(t)
	data := encode(t, sine3k(48000, 2, 4), opusQ...)
	garbage := make([]byte, 3000)
	r := rand.New(rand.NewPCG(4, 4))
	for i := range garbage {
		garbage[i] = byte(r.Uint32())
	}
	copy(garbage[100:], "OggS\x00") // a false capture pattern too
	at := len(data)/2 + 777
	damaged := slices.Concat(data[:at], garbage, data[at:])
	clean := decodeAll(t, data, Options{})

	sink := &recSink{}
	d := NewDecoder(Options{Rate: testRate}, sink)
	defer d.Close()
	if err := feed(d, damaged, 9); err != nil {
		t.Fatalf("Write: %v", err)
	}
	pcm := sink.samples()
	// The page the garbage went into is lost (100 ms), less what
	// concealment fills in.
	if lost := (len(clean) - len(pcm)) / 2; lost < 0 || lost > testRate/4 {
		t.Errorf("%d frames missing against the clean stream", lost)
	}
	if s := d.Stats(); s.BadPages == 0 || s.Skipped < 3000 {
		t.Errorf("Stats() = %+v, want a dropped page and the garbage skipped", s)
	}
	x := testaudio.Channel(pcm, 0, 2)
	checkTone(t, "after the garbage", x[len(x)-int(1.5*testRate):len(x)-int(0.2*testRate)], 3000, 0.5)
	for i, v := range pcm {
		if math.Abs(float64(v)) > 0.6 {
			t.Fatalf("sample %d is %.3f: a burst where the stream was damaged", i, v)
		}
	}
}

// TestOpusRefusals: without libopus an Ogg Opus source is refused on its
// first page, naming the package to install; a surround stream is refused
// as such.
func TestOpusRefusals(t *testing.T) {
	head := opus.Head{Channels: 2, PreSkip: 312, InputRate: 48000}.Append(nil)
	t.Run("no libopus", func(t *testing.T) {
		d := NewDecoder(Options{Rate: testRate, LoadOpus: func() (*opus.Library, error) {
			return opus.Open("libopus-missing.so.0")
		}}, &nullSink{})
		_, err := d.Write(oggPage(2, 1, 0, head))
		if !errors.Is(err, ErrUnsupported) || !errors.Is(err, opus.ErrNoLibrary) || !strings.Contains(err.Error(), "apt install libopus0") {
			t.Errorf("Write = %v, want ErrUnsupported saying to install libopus0", err)
		}
	})
	t.Run("surround", func(t *testing.T) {
		needOpus(t)
		surround := []byte("OpusHead\x01\x06\x38\x01\x80\xbb\x00\x00\x00\x00\x01\x04\x02\x00\x04\x01\x02\x03\x05")
		d := NewDecoder(Options{Rate: testRate}, &nullSink{})
		_, err := d.Write(oggPage(2, 1, 0, surround))
		if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "more than two channels") {
			t.Errorf("Write = %v, want ErrUnsupported for more than two channels", err)
		}
	})
}

// TestOpusPreSkip: the encoder's lookahead (OpusHead's pre-skip) is
// dropped, so a tone that starts 10 ms into the stream is heard 10 ms in,
// not some 6.5 ms later; at 48 kHz no resampler delays it either.
func TestOpusPreSkip(t *testing.T) {
	lib := needOpus(t)
	enc, err := lib.NewEncoder(opus.EncoderOptions{Bitrate: 128})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	const onset = 480 // 10 ms
	x := append(make([]float64, onset), testaudio.Sine(opus.SampleRate/2, opus.SampleRate, 1000, 0.5)...)
	w := opus.NewOggWriter(enc)
	data, err := w.NewChain(nil, 1, "", "")
	if err == nil {
		data, err = w.Write(data, testaudio.Interleave32(x, 2))
	}
	if err == nil {
		data, err = w.End(data)
	}
	if err != nil {
		t.Fatal(err)
	}
	sink := &recSink{}
	d := NewDecoder(Options{Rate: opus.SampleRate}, sink)
	defer d.Close()
	if err := feed(d, data, 3); err != nil {
		t.Fatal(err)
	}
	left := testaudio.Channel(sink.samples(), 0, 2)
	heard := slices.IndexFunc(left, func(v float64) bool { return math.Abs(v) > 0.1 })
	// The sine passes 0.1 about 32 µs in (2 samples); the codec smears
	// the step a little either way.
	if heard < onset-24 || heard > onset+24 {
		t.Errorf("the tone is heard from sample %d, want %d (pre-skip %d)", heard, onset, enc.PreSkip())
	}
}
