package mp3enc

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"onair/codec/mpeg"
	"onair/internal/testaudio"
)

// The test tone: 1 kHz at half scale (-6 dBFS), 5 s.
const (
	toneHz      = 1000
	toneAmp     = 0.5
	toneSeconds = 5
)

var toneDB = 20 * math.Log10(toneAmp)

// TestEncodeTone encodes 5 s of a 1 kHz tone, checks that the stream is
// nothing but frames of the format asked for, and decodes it with ffmpeg
// to check the tone's level, frequency and length. LAME loses up to 0.5 dB
// on a pure tone at 128 kbps (so does ffmpeg's libmp3lame). Shine runs
// 1 dB hot, which the 1 dB it takes off the input makes up for exactly.
func TestEncodeTone(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		mode mpeg.ChannelMode
		tol  float64 // dB
	}{
		{"lame 128k stereo", Options{Kind: KindLAME}, mpeg.JointStereo, 0.75},
		{"lame 192k stereo", Options{Kind: KindLAME, Bitrate: 192}, mpeg.JointStereo, 0.75},
		{"lame 64k mono 48k", Options{Kind: KindLAME, Bitrate: 64, Channels: 1, SampleRate: 48000}, mpeg.Mono, 0.75},
		{"lame quality 2", Options{Kind: KindLAME, Quality: 2}, mpeg.JointStereo, 0.75},
		{"shine stereo", Options{Kind: KindShine}, mpeg.Stereo, 0.25},
		// Shine's own mono frames are broken: it writes stereo.
		{"shine mono 48k", Options{Kind: KindShine, Channels: 1, SampleRate: 48000}, mpeg.Stereo, 0.25},
		{"shine 32k", Options{Kind: KindShine, SampleRate: 32000}, mpeg.Stereo, 0.25},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := tt.o.normalize()
			if err != nil {
				t.Fatal(err)
			}
			if o.Kind == KindLAME {
				o = needLAME(t, o)
			}
			enc, note, err := New(o)
			if err != nil {
				t.Fatalf("New(%+v): %v", o, err)
			}
			defer enc.Close()
			if note != "" {
				t.Errorf("note %q, want none", note)
			}
			if want := strings.SplitN(o.Kind, " ", 2)[0]; !strings.HasPrefix(enc.Name(), want) {
				t.Errorf("Name() = %q, want %s…", enc.Name(), want)
			}
			in := toneSeconds * o.SampleRate
			data := encodeAll(t, enc, testaudio.Interleave32(testaudio.Sine(in, float64(o.SampleRate), toneHz, toneAmp), o.Channels), o.Channels, 1024)
			n := checkFrames(t, data, o.Bitrate, o.SampleRate, tt.mode)
			out := checkTone(t, data, o.Channels, o.SampleRate, toneHz, toneDB, tt.tol)
			if out != n*1152 {
				t.Errorf("decoded %d samples from %d frames", out, n)
			}
			// Shine pads the input to whole frames. LAME delays it by
			// its encoder delay, then pads it with at least a frame
			// (its POSTDELAY of 1152 samples) to whole frames.
			lo, hi := in, in+1152
			if l, ok := enc.(interface{ encoderDelay() int }); ok {
				d := l.encoderDelay()
				lo, hi = in+d+1152, in+d+2*1152
			}
			if out < lo || out >= hi {
				t.Errorf("decoded %d samples from %d; want %d to %d", out, in, lo, hi-1)
			}
		})
	}
}

// TestEncodeChunks feeds the same tone in blocks of awkward sizes: the
// stream must be byte for byte the one a single call makes.
func TestEncodeChunks(t *testing.T) {
	for _, o := range testedEncoders(t) {
		t.Run(o.Kind, func(t *testing.T) {
			pcm := testaudio.Interleave32(testaudio.Sine(5*o.SampleRate, float64(o.SampleRate), toneHz, toneAmp), o.Channels)
			whole := encodeWith(t, o, func(enc Encoder, out []byte) ([]byte, error) {
				return enc.Encode(out, pcm)
			})
			chunked := encodeWith(t, o, func(enc Encoder, out []byte) ([]byte, error) {
				sizes := []int{1, 1151, 1153, 5000}
				var err error
				for i, p := 0, pcm; len(p) > 0; i++ {
					n := min(len(p), sizes[i%len(sizes)]*o.Channels)
					if out, err = enc.Encode(out, p[:n]); err != nil {
						return out, err
					}
					p = p[n:]
				}
				return out, nil
			})
			if !bytes.Equal(whole, chunked) {
				t.Errorf("chunked input: %d bytes, first difference at %d; one call: %d bytes",
					len(chunked), firstDiff(whole, chunked), len(whole))
			}
			checkFrames(t, chunked, o.Bitrate, o.SampleRate, modeOf(o))
		})
	}
}

// TestFlushResets checks that after Flush an encoder starts a new stream
// exactly as a new encoder would.
func TestFlushResets(t *testing.T) {
	for _, o := range testedEncoders(t) {
		t.Run(o.Kind, func(t *testing.T) {
			pcm := testaudio.Interleave32(testaudio.Sine(o.SampleRate+777, float64(o.SampleRate), 440, 0.3), o.Channels)
			enc, _, err := New(o)
			if err != nil {
				t.Fatal(err)
			}
			defer enc.Close()
			first := encodeAll(t, enc, pcm, o.Channels, 4096)
			second := encodeAll(t, enc, pcm, o.Channels, 4096)
			if !bytes.Equal(first, second) {
				t.Errorf("after Flush: %d bytes, first difference at %d; a new encoder: %d bytes",
					len(second), firstDiff(first, second), len(first))
			}
			// Flushing an empty encoder adds nothing.
			if out, err := enc.Flush(nil); err != nil || len(out) != 0 {
				t.Errorf("Flush after Flush = %d bytes, %v; want nothing", len(out), err)
			}
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	for _, o := range testedEncoders(t) {
		t.Run(o.Kind, func(t *testing.T) {
			enc, _, err := New(o)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := enc.Encode(nil, make([]float32, 3)); !errors.Is(err, ErrPCMLength) {
				t.Errorf("Encode of 3 samples in stereo: %v, want %v", err, ErrPCMLength)
			}
			if out, err := enc.Encode(nil, nil); err != nil || len(out) != 0 {
				t.Errorf("Encode(nil) = %d bytes, %v", len(out), err)
			}
			if err := enc.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			if _, err := enc.Encode(nil, make([]float32, 2)); !errors.Is(err, ErrClosed) {
				t.Errorf("Encode after Close: %v, want %v", err, ErrClosed)
			}
			if _, err := enc.Flush(nil); !errors.Is(err, ErrClosed) {
				t.Errorf("Flush after Close: %v, want %v", err, ErrClosed)
			}
		})
	}
}

// TestEncodeAllocs checks that Encode does not allocate once running.
func TestEncodeAllocs(t *testing.T) {
	for _, o := range testedEncoders(t) {
		t.Run(o.Kind, func(t *testing.T) {
			enc, _, err := New(o)
			if err != nil {
				t.Fatal(err)
			}
			defer enc.Close()
			// 1000 frames: not a multiple of the MP3 frame, so that
			// the calls vary in what they finish.
			block := testaudio.Interleave32(testaudio.Sine(1000, float64(o.SampleRate), toneHz, toneAmp), o.Channels)
			dst := make([]byte, 0, 64<<10)
			for range 10 {
				dst, _ = enc.Encode(dst[:0], block)
			}
			allocs := testing.AllocsPerRun(200, func() {
				if dst, err = enc.Encode(dst[:0], block); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("%s: %v allocations per Encode, want 0", enc.Name(), allocs)
			}
		})
	}
}

// testedEncoders returns the options of every encoder this machine has, at
// the station default (stereo, 44.1 kHz, 128 kbps): shine always, and LAME
// where it loads (in CI it must).
func testedEncoders(t *testing.T) []Options {
	t.Helper()
	shine, err := Options{Kind: KindShine}.normalize()
	if err != nil {
		t.Fatal(err)
	}
	all := []Options{shine}
	lame, _ := Options{Kind: KindLAME}.normalize()
	if _, _, err := New(lame); err == nil {
		all = append(all, lame)
	} else if lameSupported {
		t.Run("lame", func(t *testing.T) { needLAME(t, lame) })
	}
	return all
}

// encodeWith runs feed on a new encoder for o, flushes it, and returns the
// stream.
func encodeWith(t *testing.T, o Options, feed func(Encoder, []byte) ([]byte, error)) []byte {
	t.Helper()
	enc, _, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	out, err := feed(enc, nil)
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	if out, err = enc.Flush(out); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	return out
}

// modeOf returns the channel mode o's encoder writes in its frame headers.
func modeOf(o Options) mpeg.ChannelMode {
	switch {
	case o.Kind == KindShine:
		return mpeg.Stereo
	case o.Channels == 1:
		return mpeg.Mono
	}
	return mpeg.JointStereo
}

// firstDiff returns the index of the first byte where a and b differ.
func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
