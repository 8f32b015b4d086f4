package opus

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"onair/internal/testaudio"
)

// TestMissingLibrary: a library that is not there is ErrNoLibrary, with
// its name and the package to install.
func TestMissingLibrary(t *testing.T) {
	lib, err := Open("libopus-missing.so.0")
	if lib != nil || !errors.Is(err, ErrNoLibrary) {
		t.Fatalf("Open = %v, %v; want ErrNoLibrary", lib, err)
	}
	for _, want := range []string{"libopus-missing.so.0 not found", "apt install libopus0"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	// A library that is there but is not libopus.
	if _, err := Open("libc.so.6"); !errors.Is(err, ErrNoLibrary) || !strings.Contains(err.Error(), "lacks opus_") {
		t.Errorf("Open(libc) = %v, want ErrNoLibrary naming a missing function", err)
	}
}

// TestRoundTrip: a 1 kHz tone encoded and decoded comes back at its
// frequency and level, delayed by the pre-skip, mono and stereo, through
// both decoder layouts.
func TestRoundTrip(t *testing.T) {
	lib := needOpus(t)
	for _, c := range []struct{ in, out int }{{2, 2}, {1, 2}, {2, 1}} {
		t.Run(fmt.Sprintf("%d→%d channels", c.in, c.out), func(t *testing.T) {
			enc, err := lib.NewEncoder(EncoderOptions{Channels: c.in, Bitrate: 96, Complexity: 10})
			if err != nil {
				t.Fatal(err)
			}
			defer enc.Close()
			if enc.PreSkip() <= 0 || enc.PreSkip() > 2*FrameSize {
				t.Errorf("pre-skip %d samples", enc.PreSkip())
			}
			dec, err := lib.NewDecoder(SampleRate, c.out)
			if err != nil {
				t.Fatal(err)
			}
			defer dec.Close()
			packets := encodeAll(t, enc, tone(1, toneHz, c.in))
			var out []float32
			for _, p := range packets {
				pcm, err := dec.Decode(p)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, pcm...)
			}
			if want := len(packets) * FrameSize * c.out; len(out) != want {
				t.Fatalf("%d samples decoded, want %d", len(out), want)
			}
			// 0.5 s past the pre-skip and the encoder's settling.
			for ch := range c.out {
				x := testaudio.Channel(out, ch, c.out)[enc.PreSkip()+SampleRate/4:][:SampleRate/2]
				level := testaudio.HannLevel(x, SampleRate, toneHz)
				if db := testaudio.DB(level / toneAmp); math.Abs(db) > 1 {
					t.Errorf("channel %d: tone at %.2f dB of its level", ch, db)
				}
				for _, f := range []float64{toneHz * 0.8, toneHz * 1.25, toneHz * 2} {
					if other := testaudio.HannLevel(x, SampleRate, f); other > toneAmp/100 {
						t.Errorf("channel %d: %v Hz at %.4f, want the energy at %v Hz only", ch, f, other, toneHz)
					}
				}
			}
		})
	}
}

// TestLostPacket: a nil packet is concealed with as long as the last
// packet lasted, and decoding goes on.
func TestLostPacket(t *testing.T) {
	lib := needOpus(t)
	enc, err := lib.NewEncoder(EncoderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	dec, err := lib.NewDecoder(SampleRate, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	packets := encodeAll(t, enc, tone(0.5, toneHz, 2))
	var out []float32
	for i, p := range packets {
		if i == 10 {
			p = nil
		}
		pcm, err := dec.Decode(p)
		if err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		if len(pcm) != 2*FrameSize {
			t.Fatalf("packet %d: %d samples, want %d", i, len(pcm), 2*FrameSize)
		}
		out = append(out, pcm...)
	}
	// The concealed frame carries the tone on at near its level.
	x := testaudio.Channel(out, 0, 2)[10*FrameSize:][:FrameSize]
	if db := testaudio.DB(testaudio.HannLevel(x, SampleRate, toneHz) / toneAmp); db < -6 {
		t.Errorf("the concealed frame holds the tone at %.1f dB", db)
	}
}

// TestAllocs: Encode and Decode do not allocate once running.
func TestAllocs(t *testing.T) {
	lib := needOpus(t)
	enc, err := lib.NewEncoder(EncoderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	dec, err := lib.NewDecoder(SampleRate, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	pcm := tone(float64(FrameSize)/SampleRate, toneHz, 2)
	dst := make([]byte, 0, maxPacket)
	allocs := testing.AllocsPerRun(100, func() {
		if dst, err = enc.Encode(dst[:0], pcm); err != nil {
			t.Fatal(err)
		}
		if _, err := dec.Decode(dst); err != nil {
			t.Fatal(err)
		}
		if _, err := dec.Decode(nil); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per Encode and two Decodes, want 0", allocs)
	}
}

// TestOptions: settings libopus does not take are refused before it is
// asked; closed encoders and decoders say so.
func TestOptions(t *testing.T) {
	lib := needOpus(t)
	for _, o := range []EncoderOptions{{Channels: 3}, {Bitrate: 5}, {Bitrate: 511}, {Complexity: 11}, {Complexity: -1}} {
		if _, err := lib.NewEncoder(o); !errors.Is(err, ErrOptions) {
			t.Errorf("NewEncoder(%+v) = %v, want ErrOptions", o, err)
		}
	}
	if _, err := lib.NewDecoder(44100, 2); !errors.Is(err, ErrOptions) {
		t.Errorf("NewDecoder at 44.1 kHz = %v, want ErrOptions", err)
	}
	enc, err := lib.NewEncoder(EncoderOptions{Channels: 1})
	if err != nil {
		t.Fatal(err)
	}
	if o := enc.Options(); o.Bitrate != DefaultBitrate || o.Complexity != DefaultComplexity {
		t.Errorf("defaults %+v", o)
	}
	if _, err := enc.Encode(nil, make([]float32, 2*FrameSize)); !errors.Is(err, ErrFrame) {
		t.Errorf("Encode of two mono frames = %v, want ErrFrame", err)
	}
	enc.Close()
	if _, err := enc.Encode(nil, make([]float32, FrameSize)); !errors.Is(err, ErrClosed) {
		t.Errorf("Encode after Close = %v, want ErrClosed", err)
	}
}
