package live

import (
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"onair/internal/testaudio"
)

// flacOgg are the encoder options of the Ogg FLAC fixtures.
var flacOgg = []string{"-c:a", "flac", "-f", "ogg"}

// flacHead is the first packet of an Ogg FLAC stream (RFC 9639 §10.1)
// with the given STREAMINFO values, for streams ffmpeg will not make.
func flacHead(rate, channels, bits int) []byte {
	b := []byte("\x7fFLAC\x01\x00\x00\x01fLaC\x00\x00\x00\x22")
	b = binary.BigEndian.AppendUint16(b, 4096)
	b = binary.BigEndian.AppendUint16(b, 4096)
	b = append(b, 0, 0, 0, 0, 0, 0)
	b = binary.BigEndian.AppendUint64(b, uint64(rate)<<44|uint64(channels-1)<<41|uint64(bits-1)<<36)
	return append(b, make([]byte, 16)...)
}

// TestFLACTone decodes Ogg FLAC streams pushed in random chunks: the tone
// comes out at its frequency and level on both channels at 44.1 kHz,
// resampled from 48 kHz, mixed up from mono or down from 5.1.
func TestFLACTone(t *testing.T) {
	cases := []struct {
		name    string
		src     string
		opts    []string
		seconds float64
		freq    float64
		amp     [2]float64
	}{
		// ffmpeg's sine source is at amplitude 1/8.
		{"48kHz mono", "sine=frequency=1000:sample_rate=48000:duration=3", nil, 3, 1000, [2]float64{0.125, 0.125}},
		{"44.1kHz stereo 24-bit level 8", sine3k(44100, 2, 2).lavfi(), []string{"-sample_fmt", "s32", "-bits_per_raw_sample", "24", "-compression_level", "8"}, 2, 3000, [2]float64{0.5, 0.5}},
		{"48kHz stereo LPC order 32", sine3k(48000, 2, 2).lavfi(), []string{"-max_prediction_order", "32", "-strict", "-2"}, 2, 3000, [2]float64{0.5, 0.5}},
		// ffmpeg's channel order for 5.1 is FLAC's: FL FR FC LFE BL BR.
		{"5.1 front right", "aevalsrc=0|0.5*sin(2*PI*3000*t)|0|0|0|0:s=44100:d=2:c=5.1", nil, 2, 3000, [2]float64{0, 0.5}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := encodeSource(t, c.src, append(slices.Clone(c.opts), flacOgg...)...)
			var titles []string
			sink := &recSink{}
			d := NewDecoder(Options{Rate: testRate, OnTitle: func(s string) { titles = append(titles, s) }}, sink)
			defer d.Close()
			if err := feed(d, data, 2); err != nil {
				t.Fatalf("Write: %v", err)
			}
			if got := d.Format(); got != "ogg/flac" {
				t.Errorf("Format() = %q, want ogg/flac", got)
			}
			pcm := sink.samples()
			if got, want := len(pcm)/2, int(c.seconds*testRate); got < want-64 || got > want+64 {
				t.Errorf("%d frames out, want about %d", got, want)
			}
			for ch, amp := range c.amp {
				x := middle(testaudio.Channel(pcm, ch, 2), 0.3)
				if amp == 0 {
					if r := testaudio.RMS(x); r > 0.001 {
						t.Errorf("channel %d: RMS %.4f, want silence", ch, r)
					}
					continue
				}
				checkTone(t, c.name, x, c.freq, amp)
			}
			if len(titles) != 0 {
				t.Errorf("titles %q from a stream without tags", titles)
			}
			if s := d.Stats(); s.BadFrames != 0 || s.BadPages != 0 {
				t.Errorf("Stats() = %+v on a clean stream", s)
			}
		})
	}
}

// TestFLACChain plays two Ogg FLAC files one after the other, then an Ogg
// Vorbis one: each stream's comment block gives a title, in order, and
// the audio of each comes out.
func TestFLACChain(t *testing.T) {
	a := encode(t, sine3k(44100, 2, 1.5), append([]string{"-metadata", "artist=A", "-metadata", "title=One", "-serial_offset", "1000"}, flacOgg...)...)
	b := encode(t, tone{freq: 1000, amp: 0.5, rate: 48000, channels: 1, seconds: 1.5}, append([]string{"-metadata", "ARTIST=B", "-metadata", "Title=Two", "-serial_offset", "2000"}, flacOgg...)...)
	c := encode(t, sine3k(44100, 2, 1), append(slices.Clone(vorbisQ5), "-metadata", "title=Three")...)
	var titles []string
	pcm := decodeAll(t, slices.Concat(a, b, c), Options{OnTitle: func(s string) { titles = append(titles, s) }})
	if want := []string{"A - One", "B - Two", "Three"}; !slices.Equal(titles, want) {
		t.Errorf("titles %q, want %q", titles, want)
	}
	if got, want := len(pcm)/2, int(4*testRate); got < want-64 || got > want+2048 {
		t.Errorf("%d frames out, want about %d", got, want)
	}
	x := testaudio.Channel(pcm, 1, 2)
	checkTone(t, "first stream", x[int(0.2*testRate):int(1.3*testRate)], 3000, 0.5)
	checkTone(t, "second stream", x[int(1.7*testRate):int(2.8*testRate)], 1000, 0.5)
	checkTone(t, "third stream", x[int(3.2*testRate):int(3.8*testRate)], 3000, 0.5)
}

// TestFLACDamage garbles an Ogg FLAC stream in its middle and cuts it
// short in the middle of a page before a second stream: the damaged
// pages are dropped, the Decoder finds the next page, and the tone goes
// on, with no burst where the stream was damaged.
func TestFLACDamage(t *testing.T) {
	// Pages of 100 ms, as live encoders send, rather than ffmpeg's 1 s.
	opts := append([]string{"-frame_size", "1152", "-page_duration", "100000"}, flacOgg...)
	data := encode(t, sine3k(44100, 2, 4), opts...)
	second := encode(t, tone{freq: 1000, amp: 0.5, rate: 44100, channels: 2, seconds: 1}, append([]string{"-serial_offset", "77", "-metadata", "title=After"}, opts...)...)
	garbage := make([]byte, 3000)
	r := rand.New(rand.NewPCG(4, 4))
	for i := range garbage {
		garbage[i] = byte(r.Uint32())
	}
	copy(garbage[100:], "OggS\x00") // a false capture pattern too
	at := len(data)/2 + 777
	// Flip bits in a later page's body too: its checksum catches them.
	flipped := slices.Clone(data)
	flipped[at+20000] ^= 0x10
	cut := len(data) - 3333
	damaged := slices.Concat(flipped[:at], garbage, flipped[at:cut], second)

	var titles []string
	sink := &recSink{}
	d := NewDecoder(Options{Rate: testRate, OnTitle: func(s string) { titles = append(titles, s) }}, sink)
	defer d.Close()
	if err := feed(d, damaged, 9); err != nil {
		t.Fatalf("Write: %v", err)
	}
	pcm := sink.samples()
	if s := d.Stats(); s.BadPages == 0 || s.Skipped < 3000 {
		t.Errorf("Stats() = %+v, want dropped pages and the garbage skipped", s)
	}
	// Lost: a page where the garbage went, the flipped page, the cut
	// end; some 100 ms each.
	if got, min, max := len(pcm)/2, int(4.4*testRate), int(5*testRate); got < min || got > max {
		t.Errorf("%d frames out, want %d to %d", got, min, max)
	}
	x := testaudio.Channel(pcm, 0, 2)
	checkTone(t, "after the garbage", x[int(2.5*testRate):int(3.3*testRate)], 3000, 0.5)
	checkTone(t, "the second stream", x[len(x)-int(0.8*testRate):len(x)-int(0.1*testRate)], 1000, 0.5)
	if !slices.Equal(titles, []string{"After"}) {
		t.Errorf("titles %q, want the second stream's", titles)
	}
	for i, v := range pcm {
		if math.Abs(float64(v)) > 0.55 {
			t.Fatalf("sample %d is %.3f: a burst where the stream was damaged", i, v)
		}
	}
}

// TestFLACRefusals: an Ogg FLAC stream the mixer cannot take fails on
// its first page with an error naming why, and a broken first packet is
// ErrCorrupt.
func TestFLACRefusals(t *testing.T) {
	cases := []struct {
		name    string
		head    []byte
		want    error
		mention string
	}{
		{"32 bits", flacHead(44100, 2, 32), ErrUnsupported, "FLAC of 32 bits"},
		{"500 Hz", flacHead(500, 2, 16), ErrUnsupported, "FLAC at 500 Hz"},
		{"mapping version 2", append([]byte("\x7fFLAC\x02"), flacHead(44100, 2, 16)[6:]...), ErrUnsupported, "version 2.0"},
		{"no STREAMINFO", flacHead(44100, 2, 16)[:30], ErrCorrupt, "Ogg FLAC header"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := NewDecoder(Options{Rate: testRate}, &nullSink{})
			err := feed(d, oggPage(2, 0, 0, c.head), 3)
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.mention) {
				t.Fatalf("Write: %v, want %v naming %q", err, c.want, c.mention)
			}
		})
	}
}
