package live

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"onair/codec/ogg"
)

// TestRefusals: streams the mixer cannot decode fail on their first
// bytes, whatever the source declared, with an error that names the codec
// and wraps ErrUnsupported, or ErrUnknownFormat for noise. The error
// stays: every later Write returns it.
func TestRefusals(t *testing.T) {
	random := make([]byte, 100<<10)
	r := rand.New(rand.NewPCG(5, 5))
	for i := range random {
		random[i] = byte(r.Uint32())
	}
	cases := []struct {
		name    string
		data    func(t *testing.T) []byte
		want    error
		mention string
	}{
		{"AAC ADTS", func(t *testing.T) []byte {
			return encode(t, sine3k(44100, 2, 1), "-c:a", "aac", "-b:a", "128k", "-f", "adts")
		}, ErrUnsupported, "AAC"},
		{"FLAC", func(t *testing.T) []byte {
			return encode(t, sine3k(44100, 2, 1), "-c:a", "flac", "-f", "flac")
		}, ErrUnsupported, "FLAC"},
		{"Ogg Speex-like", func(t *testing.T) []byte {
			return oggPage(2, 0, 0, []byte("Speex   1.2"))
		}, ErrUnsupported, "Speex"},
		{"MPEG Layer II", func(t *testing.T) []byte {
			return encode(t, sine3k(44100, 2, 1), "-c:a", "mp2", "-f", "mp2")
		}, ErrUnsupported, "MPEG Layer II"},
		{"random bytes", func(*testing.T) []byte { return random }, ErrUnknownFormat, "not an MP3 or Ogg Vorbis stream"},
		{"an ID3 tag, then AAC", func(t *testing.T) []byte {
			aac := encode(t, sine3k(44100, 2, 1), "-c:a", "aac", "-f", "adts")
			return slices.Concat([]byte("ID3\x03\x00\x00\x00\x00\x01\x00"), make([]byte, 128), aac)
		}, ErrUnsupported, "AAC"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := c.data(t)
			d := NewDecoder(Options{Rate: testRate}, &nullSink{})
			err := feed(d, data, 3)
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.mention) {
				t.Fatalf("Write: %v, want %v naming %q", err, c.want, c.mention)
			}
			if _, again := d.Write([]byte("OggS")); again != err {
				t.Errorf("Write after failing: %v, want %v again", again, err)
			}
			if f := d.Format(); f != "" {
				t.Errorf("Format() = %q, want \"\"", f)
			}
		})
	}
}

// TestSniffFindsStartLate: a few KiB of noise before an MP3 stream, or
// before an Ogg one, are skipped (the limit is 64 KiB); a stream that
// starts after them plays.
func TestSniffFindsStartLate(t *testing.T) {
	noise := make([]byte, 5000)
	r := rand.New(rand.NewPCG(6, 6))
	for i := range noise {
		noise[i] = byte(r.Uint32() & 0x7F) // no 0xFF: no false frame sync
	}
	for _, c := range []struct {
		format string
		opts   []string
	}{{"mp3", mp3CBR128}, {"ogg/vorbis", vorbisQ5}, {"ogg/flac", flacOgg}} {
		data := encode(t, sine3k(44100, 2, 1), c.opts...)
		sink := &recSink{}
		d := NewDecoder(Options{Rate: testRate}, sink)
		if err := feed(d, slices.Concat(noise, data), 4); err != nil {
			t.Fatalf("%s: Write: %v", c.format, err)
		}
		if d.Format() != c.format {
			t.Errorf("Format() = %q, want %q", d.Format(), c.format)
		}
		if n := len(sink.samples()) / 2; n < testRate {
			t.Errorf("%s: %d frames out for 1 s", c.format, n)
		}
	}
}

// oggPage builds one Ogg page holding packet whole.
func oggPage(flags byte, serial, seq uint32, packet []byte) []byte {
	var lacing []byte
	n := len(packet)
	for ; n >= 255; n -= 255 {
		lacing = append(lacing, 255)
	}
	lacing = append(lacing, byte(n))
	return ogg.AppendPage(nil, &ogg.Page{Flags: flags, Serial: serial, Sequence: seq, Segments: lacing, Body: packet})
}
