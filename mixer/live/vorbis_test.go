package live

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"onair/internal/testaudio"
)

// TestVorbisTone decodes a 3 kHz sine from an Ogg Vorbis stream pushed in
// random chunks: the tone comes out at 3 kHz, at its level, as long as it
// went in within a block.
func TestVorbisTone(t *testing.T) {
	s := sine3k(44100, 2, 3)
	data := encode(t, s, vorbisQ5...)
	var titles []string
	sink := &recSink{}
	d := NewDecoder(Options{Rate: testRate, OnTitle: func(s string) { titles = append(titles, s) }}, sink)
	if err := feed(d, data, 1); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if got := d.Format(); got != "ogg/vorbis" {
		t.Errorf("Format() = %q, want ogg/vorbis", got)
	}
	pcm := sink.samples()
	if got, want := len(pcm)/2, int(s.seconds*testRate); got < want || got > want+2048 {
		t.Errorf("%d frames out, want %d to %d", got, want, want+2048)
	}
	for ch := range 2 {
		checkTone(t, "Vorbis", middle(testaudio.Channel(pcm, ch, 2), 0.3), 3000, 0.5)
	}
	if len(titles) != 0 {
		t.Errorf("titles %q from a stream without tags", titles)
	}
}

// TestVorbisRates: a 48 kHz stream is resampled, a mono one goes to both
// channels, a 5.1 one (whose LFE floor the library misreads unmended) is
// mixed down: front left to the left only, the centre to both at −3 dB.
func TestVorbisRates(t *testing.T) {
	const c3 = 0.3535534 // 0.25·√2: −3 dB brings it to 0.25
	cases := []struct {
		name string
		src  string
		amp  [2]float64 // expected on left and right
	}{
		{"48kHz stereo", sine3k(48000, 2, 2).lavfi(), [2]float64{0.5, 0.5}},
		{"22.05kHz mono", sine3k(22050, 1, 2).lavfi(), [2]float64{0.5, 0.5}},
		// ffmpeg's channel order: FL FR FC LFE BL BR.
		{"44.1kHz 5.1 front left", "aevalsrc=0.5*sin(2*PI*3000*t)|0|0|0|0|0:s=44100:d=2:c=5.1", [2]float64{0.5, 0}},
		{"44.1kHz 5.1 front left and centre", fmt.Sprintf("aevalsrc=0.25*sin(2*PI*3000*t)|0|%g*sin(2*PI*3000*t)|0|0|0:s=44100:d=2:c=5.1", c3), [2]float64{0.5, 0.25}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pcm := decodeAll(t, encodeSource(t, c.src, vorbisQ5...), Options{})
			if got, want := len(pcm)/2, 2*testRate; got < want-64 || got > want+2048 {
				t.Errorf("%d frames out, want about %d", got, want)
			}
			for ch, amp := range c.amp {
				x := middle(testaudio.Channel(pcm, ch, 2), 0.3)
				if amp == 0 {
					if r := testaudio.RMS(x); r > 0.01 {
						t.Errorf("channel %d: RMS %.4f, want silence", ch, r)
					}
					continue
				}
				checkTone(t, c.name, x, 3000, amp)
			}
		})
	}
}

// TestVorbisChain plays two Ogg Vorbis files one after the other, as
// sources send one logical stream per track: each stream's tags give a
// title, in order, and the audio of both comes out, 3 kHz then 1 kHz.
func TestVorbisChain(t *testing.T) {
	a := encode(t, sine3k(44100, 2, 1.5), append(slices.Clone(vorbisQ5), "-metadata", "artist=A", "-metadata", "title=One", "-serial_offset", "1000")...)
	b := encode(t, tone{freq: 1000, amp: 0.5, rate: 44100, channels: 2, seconds: 1.5}, append(slices.Clone(vorbisQ5), "-metadata", "ARTIST=B", "-metadata", "Title=Two", "-serial_offset", "2000")...)
	// Only a title: no artist before it.
	c := encode(t, sine3k(44100, 2, 0.5), append(slices.Clone(vorbisQ5), "-metadata", "title=Solo")...)
	var titles []string
	pcm := decodeAll(t, slices.Concat(a, b, c), Options{OnTitle: func(s string) { titles = append(titles, s) }})
	if want := []string{"A - One", "B - Two", "Solo"}; !slices.Equal(titles, want) {
		t.Errorf("titles %q, want %q", titles, want)
	}
	if got, want := len(pcm)/2, int(3.5*testRate); got < want-64 || got > want+3*2048 {
		t.Errorf("%d frames out, want about %d", got, want)
	}
	x := testaudio.Channel(pcm, 0, 2)
	checkTone(t, "first stream", x[int(0.2*testRate):int(1.3*testRate)], 3000, 0.5)
	checkTone(t, "second stream", x[int(1.7*testRate):int(2.8*testRate)], 1000, 0.5)
}

// TestVorbisGarbageInTheMiddle puts random bytes into an Ogg stream: the
// damaged page fails its checksum and is dropped, the Decoder finds the
// next page, and the tone goes on.
func TestVorbisGarbageInTheMiddle(t *testing.T) {
	// Pages of 100 ms, as live encoders send, rather than ffmpeg's 1 s.
	data := encode(t, sine3k(44100, 2, 4), append(slices.Clone(vorbisQ5), "-page_duration", "100000")...)
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
	if err := feed(d, damaged, 9); err != nil {
		t.Fatalf("Write: %v", err)
	}
	pcm := sink.samples()
	// The page the garbage went into is lost, and the packets across its
	// ends: some 100 ms.
	if lost := (len(clean) - len(pcm)) / 2; lost < 0 || lost > testRate/4 {
		t.Errorf("%d frames missing against the clean stream", lost)
	}
	if s := d.Stats(); s.BadPages == 0 || s.Skipped < 3000 {
		t.Errorf("Stats() = %+v, want a dropped page and the garbage skipped", s)
	}
	x := testaudio.Channel(pcm, 0, 2)
	checkTone(t, "after the garbage", x[len(x)-int(1.5*testRate):len(x)-int(0.2*testRate)], 3000, 0.5)
	// No click where the pages were lost: the output stays within the
	// tone's amplitude (plus the codec's error).
	for i, v := range pcm {
		if math.Abs(float64(v)) > 0.6 {
			t.Fatalf("sample %d is %.3f: a burst where the stream was damaged", i, v)
		}
	}
}
