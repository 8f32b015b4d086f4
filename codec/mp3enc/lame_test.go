//go:build !nolame && linux && (386 || amd64 || arm || arm64 || loong64 || riscv64)

package mp3enc

import (
	"bytes"
	"strconv"
	"strings"
	"sync"
	"testing"

	"onair/codec/mpeg"
	"onair/internal/testaudio"
)

// TestLAMEInputs encodes the test tone through each of LAME's encoding
// functions the library has, in mono and stereo: every one must give the
// tone, and the two float ones the same stream.
func TestLAMEInputs(t *testing.T) {
	names := []string{
		inputInterleavedFloat: "interleaved float",
		inputPlanarFloat:      "planar float",
		inputInterleaved16:    "interleaved 16-bit",
	}
	for _, channels := range []int{2, 1} {
		o := needLAME(t, Options{Channels: channels})
		o, _ = o.normalize()
		streams := make([][]byte, len(names))
		for in, name := range names {
			t.Run(name+"/channels="+strconv.Itoa(channels), func(t *testing.T) {
				enc, _, err := New(o)
				if err != nil {
					t.Fatal(err)
				}
				defer enc.Close()
				l := enc.(*lameEncoder)
				if l.lib.encode[in] == 0 {
					t.Skipf("%s lacks the function", l.Name())
				}
				l.setInput(lameInput(in))
				// Blocks longer than lameChunk, to go round Encode's loop.
				data := encodeAll(t, enc, testaudio.Interleave32(testaudio.Sine(toneSeconds*o.SampleRate, float64(o.SampleRate), toneHz, toneAmp), channels), channels, 3*lameChunk/2)
				checkFrames(t, data, o.Bitrate, o.SampleRate, modeOf(o))
				checkTone(t, data, channels, o.SampleRate, toneHz, toneDB, 0.75)
				streams[in] = data
			})
		}
		a, b := streams[inputInterleavedFloat], streams[inputPlanarFloat]
		if a != nil && b != nil && !bytes.Equal(a, b) {
			t.Errorf("%d channels: interleaved and planar float differ at byte %d", channels, firstDiff(a, b))
		}
	}
}

// TestLAMENotLAME loads a library that is not LAME: auto falls back to
// shine and says why.
func TestLAMENotLAME(t *testing.T) {
	needLAME(t, Options{})
	enc, note, err := New(Options{library: "libc.so.6"})
	if err != nil {
		t.Fatalf("New with libc for LAME: %v", err)
	}
	defer enc.Close()
	if enc.Name() != "shine" || !strings.Contains(note, "libc.so.6 lacks lame_init") {
		t.Errorf("New with libc for LAME = %s, %q; want shine and a note that libc lacks lame_init", enc.Name(), note)
	}
}

// TestLAMEConcurrent runs encoders on several goroutines at once, as
// several mounts do: each must make the stream one encoder alone makes.
func TestLAMEConcurrent(t *testing.T) {
	o := needLAME(t, Options{})
	pcm := testaudio.Interleave32(testaudio.Sine(2*44100, 44100, toneHz, toneAmp), 2)
	want := encodeWith(t, o, func(enc Encoder, out []byte) ([]byte, error) { return enc.Encode(out, pcm) })
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 3 {
				enc, _, err := New(o)
				if err != nil {
					t.Error(err)
					return
				}
				out, err := enc.Encode(nil, pcm)
				if err == nil {
					out, err = enc.Flush(out)
				}
				enc.Close()
				if err != nil || !bytes.Equal(out, want) {
					t.Errorf("concurrent encoder: %d bytes, %v; want the %d bytes of a lone one", len(out), err, len(want))
				}
			}
		})
	}
	wg.Wait()
}

// TestLAMEQuality encodes the same music at -q 0, 2, 5 and 9: each must
// reach LAME and change what it writes, -q 0 included (which the zero
// value of Options.Quality cannot ask for), while every stream stays
// frames of the format asked for.
func TestLAMEQuality(t *testing.T) {
	needLAME(t, Options{})
	pcm := music(3 * 44100)
	streams := map[int][]byte{}
	for _, q := range []int{0, 2, 5, 9} {
		enc, _, err := New(Options{Kind: KindLAME, Quality: LAMEQuality(q)})
		if err != nil {
			t.Fatalf("-q %d: %v", q, err)
		}
		data := encodeAll(t, enc, pcm, 2, 1024)
		enc.Close()
		checkFrames(t, data, DefaultBitrate, DefaultSampleRate, mpeg.JointStereo)
		for p, other := range streams {
			if bytes.Equal(data, other) {
				t.Errorf("-q %d and -q %d give the same stream", p, q)
			}
		}
		streams[q] = data
	}
	def, _, err := New(Options{Kind: KindLAME})
	if err != nil {
		t.Fatal(err)
	}
	defer def.Close()
	if data := encodeAll(t, def, pcm, 2, 1024); !bytes.Equal(data, streams[DefaultQuality]) {
		t.Errorf("the default quality's stream differs from -q %d's", DefaultQuality)
	}
}
