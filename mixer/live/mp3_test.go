package live

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"onair/codec/mpeg"
	"onair/internal/testaudio"
)

// TestMP3Tones decodes a 3 kHz sine from MP3 streams of the rates and
// channel counts sources send, pushed in random chunks: the tone comes
// out at 3 kHz, at its level, on both channels, and as long as it went in
// (plus the encoder's delay and padding, within two frames).
func TestMP3Tones(t *testing.T) {
	cases := []struct {
		name string
		tone tone
		opts []string
	}{
		{"44.1kHz stereo 128k", sine3k(44100, 2, 3), mp3CBR128},
		{"48kHz stereo 128k", sine3k(48000, 2, 3), mp3CBR128},
		{"22.05kHz mono 64k", sine3k(22050, 1, 3), mp3Mono64},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := encode(t, c.tone, c.opts...)
			var d *Decoder
			sink := &recSink{}
			d = NewDecoder(Options{Rate: testRate}, sink)
			if err := feed(d, data, 1); err != nil {
				t.Fatalf("Write: %v", err)
			}
			if got := d.Format(); got != "mp3" {
				t.Errorf("Format() = %q, want mp3", got)
			}
			pcm := sink.samples()
			// LAME delays the audio by 576 samples and pads the end to
			// whole frames; at the station rate, with two frames of slack.
			ratio := float64(testRate) / float64(c.tone.rate)
			frame := 1152.0
			if c.tone.rate < 32000 {
				frame = 576
			}
			want := c.tone.seconds * testRate
			lo, hi := want, want+(576+2*frame)*ratio
			if got := float64(len(pcm) / 2); got < lo || got > hi {
				t.Errorf("%v frames out, want %v to %v", got, lo, hi)
			}
			for ch := range 2 {
				checkTone(t, c.name, middle(testaudio.Channel(pcm, ch, 2), 0.5), 3000, 0.5)
			}
			if s := d.Stats(); s.Skipped != 0 || s.BadFrames > 2 {
				t.Errorf("Stats() = %+v: a clean stream skipped bytes or lost frames", s)
			}
		})
	}
}

// TestMP3GarbageInTheMiddle puts 4 KiB of random bytes into an MP3 stream
// at a place that is not a frame boundary: the Decoder skips them, finds
// the frames after, and the tone goes on at its level, with only the
// frames the garbage hit missing.
func TestMP3GarbageInTheMiddle(t *testing.T) {
	data := encode(t, sine3k(44100, 2, 4), mp3CBR128...)
	garbage := make([]byte, 4096)
	r := rand.New(rand.NewPCG(3, 3))
	for i := range garbage {
		garbage[i] = byte(r.Uint32())
	}
	at := len(data)/2 + 123
	damaged := append(append(append([]byte(nil), data[:at]...), garbage...), data[at:]...)

	clean := decodeAll(t, data, Options{})
	sink := &recSink{}
	d := NewDecoder(Options{Rate: testRate}, sink)
	if err := feed(d, damaged, 2); err != nil {
		t.Fatalf("Write: %v", err)
	}
	pcm := sink.samples()
	lost := (len(clean) - len(pcm)) / 2
	if lost < 0 || lost > 3*1152 {
		t.Errorf("%d frames missing against the clean stream, want 0 to 3 MP3 frames", lost)
	}
	if s := d.Stats(); s.Skipped < 3000 || s.Skipped > 4096+2*418 {
		t.Errorf("skipped %d bytes for 4096 of garbage", s.Skipped)
	}
	// The last 1.5 s, well after the garbage and the frames whose main data
	// it cut off, is the tone again.
	x := testaudio.Channel(pcm, 0, 2)
	checkTone(t, "after the garbage", x[len(x)-int(1.8*testRate):len(x)-int(0.3*testRate)], 3000, 0.5)
}

// TestMP3GarbageOnly: a stream that loses sync and never finds it again
// fails after maxLost bytes, and stays failed.
func TestMP3GarbageOnly(t *testing.T) {
	data := encode(t, sine3k(44100, 2, 0.5), mp3CBR128...)
	d := NewDecoder(Options{Rate: testRate}, &nullSink{})
	if err := feed(d, data, 1); err != nil {
		t.Fatalf("Write: %v", err)
	}
	zeros := make([]byte, 64<<10)
	var err error
	for i := 0; i < 2*maxLost/len(zeros) && err == nil; i++ {
		_, err = d.Write(zeros)
	}
	if !errorsIs(err, ErrCorrupt) {
		t.Fatalf("after %d KiB of zeros: %v, want ErrCorrupt", 2*maxLost>>10, err)
	}
	if _, err2 := d.Write(data); err2 != err {
		t.Errorf("Write after failing: %v, want the same error %v", err2, err)
	}
}

// TestMP3ID3Skipped: an ID3v2 tag before the stream, and another between
// two tracks, are dropped whole, even when they hold frame-like bytes.
func TestMP3ID3Skipped(t *testing.T) {
	data := encode(t, sine3k(44100, 2, 1), mp3CBR128...)
	tag := make([]byte, 10+20000)
	copy(tag, "ID3\x04\x00\x00")
	size := len(tag) - 10
	for i := range 4 {
		tag[9-i] = byte(size >> (7 * i) & 0x7F)
	}
	for i := 10; i+418 < len(tag); i += 418 { // fake frame headers in the tag
		copy(tag[i:], data[:4])
	}
	stream := append(append(append(append([]byte(nil), tag...), data...), tag...), data...)
	clean := decodeAll(t, data, Options{})
	sink := &recSink{}
	d := NewDecoder(Options{Rate: testRate}, sink)
	if err := feed(d, stream, 5); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if got, want := len(sink.samples()), 2*len(clean); math.Abs(float64(got-want)) > 2*2*1152 {
		t.Errorf("%d samples out for two tracks of %d", got, len(clean))
	}
}

// TestMP3InfoFrameSkipped: the first frame of a file may be a Xing, Info
// or VBRI frame instead of audio; the Decoder plays none of them, so a
// stream comes out as long with one as without.
func TestMP3InfoFrameSkipped(t *testing.T) {
	bare := encode(t, sine3k(44100, 2, 1), append(mp3CBR128, "-write_xing", "0", "-id3v2_version", "0")...)
	want := len(decodeAll(t, bare, Options{}))
	first, ok := mpeg.ParseLayer3(bare)
	if !ok {
		t.Fatal("fixture does not start with a frame")
	}
	for name, tag := range map[string][]byte{
		// Xing and Info sit after the side information (32 bytes here),
		// VBRI 32 bytes after the header whatever the mode.
		"Info": append([]byte("Info\x00\x00\x00\x01"), 0, 0, 0, 43),
		"VBRI": append([]byte("VBRI\x00\x01\x04\x81\x00\x50"), 0, 0, 0xA8, 0, 0, 0, 0, 43),
	} {
		frame := make([]byte, first.FrameSize())
		copy(frame, bare[:4])
		copy(frame[4+32:], tag)
		if got := len(decodeAll(t, slices.Concat(frame, bare), Options{})); got != want {
			t.Errorf("%s frame first: %d frames out, want %d as without it", name, got/2, want/2)
		}
	}
}

// TestMP3RateChange plays MP3 streams of three rates back to back, as a
// source switching encoder settings would send: each is resampled anew,
// all of each comes out, and the tone holds in each.
func TestMP3RateChange(t *testing.T) {
	parts := [][]byte{
		encode(t, sine3k(44100, 2, 1), mp3CBR128...),
		encode(t, sine3k(48000, 2, 1), mp3CBR128...),
		encode(t, sine3k(22050, 1, 1), mp3Mono64...),
	}
	var lens []int
	for _, p := range parts {
		lens = append(lens, len(decodeAll(t, p, Options{}))/2)
	}
	pcm := decodeAll(t, slices.Concat(parts...), Options{})
	if got, want := len(pcm)/2, lens[0]+lens[1]+lens[2]; math.Abs(float64(got-want)) > 64 {
		t.Errorf("%d frames out, want %d, the sum of the three streams", got, want)
	}
	x := testaudio.Channel(pcm, 0, 2)
	start := 0
	for i, n := range lens {
		// The middle of each part: away from the switches.
		checkTone(t, fmt.Sprintf("part %d", i), x[start+n/4:start+3*n/4], 3000, 0.5)
		start += n
	}
}
