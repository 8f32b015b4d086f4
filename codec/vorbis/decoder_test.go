package vorbis

import (
	"encoding/binary"
	"errors"
	"math"
	"os/exec"
	"testing"

	"github.com/jfreymuth/vorbis"
)

// TestDecoder decodes a libvorbis stream packet by packet: the headers in
// order, then audio at the stream's length and level, without allocating.
func TestDecoder(t *testing.T) {
	packets := oggPackets(t, encodeVorbis(t, "aevalsrc=0.5*sin(2*PI*1000*t):s=22050:d=1"))
	var d Decoder
	if _, err := d.Decode(packets[3]); !errors.Is(err, ErrHeader) {
		t.Errorf("audio before the headers: %v, want ErrHeader", err)
	}
	for i, want := range []Header{IdentHeader, CommentHeader, SetupHeader} {
		if got, err := d.ReadHeader(packets[i]); err != nil || got != want {
			t.Fatalf("header %d: %v, %v; want %v", i, got, err, want)
		}
	}
	if id := d.Ident(); !d.Ready() || id.Channels != 1 || id.Rate != 22050 {
		t.Fatalf("Ready %v, Ident %+v", d.Ready(), id)
	}
	frames, peak := 0, 0.0
	for _, p := range packets[3:] {
		pcm, err := d.Decode(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(pcm) > d.MaxFrames() {
			t.Fatalf("%d samples from one packet, MaxFrames %d", len(pcm), d.MaxFrames())
		}
		frames += len(pcm)
		for _, v := range pcm {
			peak = max(peak, math.Abs(float64(v)))
		}
	}
	if frames < 22050 || frames > 22050+2048 || peak < 0.45 || peak > 0.55 {
		t.Errorf("%d frames at peak %.3f; want a second at 0.5", frames, peak)
	}
	if _, err := d.Decode(packets[0]); !errors.Is(err, ErrBadPacket) {
		t.Errorf("a header among the audio: %v, want ErrBadPacket", err)
	}
	// The library allocates for every packet (its bit reader, floor and
	// residue scratch); the Decoder adds nothing to that.
	var raw vorbis.Decoder
	for _, p := range packets[:3] {
		if err := raw.ReadHeader(p); err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]float32, raw.BufferSize())
	lib := testing.AllocsPerRun(20, func() { raw.DecodeInto(packets[5], buf) })
	if a := testing.AllocsPerRun(20, func() { d.Decode(packets[5]) }); a > lib {
		t.Errorf("Decode allocates %.1f times a packet, the library alone %.1f", a, lib)
	}
}

// TestDecoderNoComment: a stream without its comment header (or one that
// lost it) goes on with the setup header.
func TestDecoderNoComment(t *testing.T) {
	packets := oggPackets(t, encodeVorbis(t, sine44k))
	var d Decoder
	d.ReadHeader(packets[0])
	if got, err := d.ReadHeader(packets[2]); err != nil || got != SetupHeader || !d.Ready() {
		t.Errorf("setup header second: %v, %v, ready %v", got, err, d.Ready())
	}
}

func TestParseIdent(t *testing.T) {
	ident := func(edit func(p []byte)) []byte {
		p := []byte("\x01vorbis")
		p = binary.LittleEndian.AppendUint32(p, 0)
		p = append(p, 2)
		p = binary.LittleEndian.AppendUint32(p, 44100)
		p = append(p, make([]byte, 12)...)
		p = append(p, 0xB8, 1) // block sizes 256 and 2048, framing bit
		if edit != nil {
			edit(p)
		}
		return p
	}
	if id, err := ParseIdent(ident(nil)); err != nil || id != (Ident{Channels: 2, Rate: 44100, BlockSizes: [2]int{256, 2048}}) {
		t.Errorf("ParseIdent = %+v, %v", id, err)
	}
	for name, edit := range map[string]func(p []byte){
		"version 1":          func(p []byte) { p[7] = 1 },
		"no channels":        func(p []byte) { p[11] = 0 },
		"rate 0":             func(p []byte) { clear(p[12:16]) },
		"short block 32":     func(p []byte) { p[28] = 0xB5 },
		"long block 16384":   func(p []byte) { p[28] = 0xE8 },
		"short above long":   func(p []byte) { p[28] = 0x8B },
		"no framing bit":     func(p []byte) { p[29] = 0 },
		"not identification": func(p []byte) { p[0] = 3 },
	} {
		if _, err := ParseIdent(ident(edit)); !errors.Is(err, ErrHeader) {
			t.Errorf("%s: %v, want ErrHeader", name, err)
		}
	}
}

func TestDownmix(t *testing.T) {
	const c = math.Sqrt2 / 2
	tests := []struct {
		channels int
		in       []float32
		want     [2]float32
	}{
		{1, []float32{0.5}, [2]float32{0.5, 0.5}},
		{2, []float32{0.5, -0.25}, [2]float32{0.5, -0.25}},
		{2, []float32{float32(math.NaN()), 3}, [2]float32{0, 1}},
		{3, []float32{0.1, 0.2, 0.3}, [2]float32{0.1 + c*0.2, 0.3 + c*0.2}},
		{6, []float32{0.1, 0.2, 0.3, 0.4, 0.5, 0.9}, [2]float32{0.1 + c*0.2 + c*0.4, 0.3 + c*0.2 + c*0.5}},
		{6, []float32{1, 1, 0, 1, 0, 0}, [2]float32{1, c + 0}},
	}
	for _, tt := range tests {
		d := NewDownmix(tt.channels)
		out := make([]float32, 2)
		if n := d.Mix(out, tt.in); n != 2 || math.Abs(float64(out[0]-tt.want[0])) > 1e-6 || math.Abs(float64(out[1]-tt.want[1])) > 1e-6 {
			t.Errorf("%d channels %v: %v (%d), want %v", tt.channels, tt.in, out, n, tt.want)
		}
	}
}

// FuzzDecoder feeds packets straight to a Decoder, past the Ogg checksums
// that keep other fuzzers' mutations away from the library: damaged setup
// headers and audio packets must not panic, hang or allocate without
// bound. The input is packets with 2-byte lengths.
func FuzzDecoder(f *testing.F) {
	if _, err := exec.LookPath("ffmpeg"); err == nil {
		for _, src := range []string{"aevalsrc=0.5*sin(2*PI*3000*t):s=22050:d=0.3", sine44k} {
			var in []byte
			for i, p := range oggPackets(f, encodeVorbis(f, src)) {
				if i > 5 || len(p) > 0xFFFF {
					break
				}
				in = append(in, byte(len(p)), byte(len(p)>>8))
				in = append(in, p...)
			}
			f.Add(in)
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var d Decoder
		for len(in) >= 2 {
			n := min(int(in[0])|int(in[1])<<8, len(in)-2)
			p := in[2 : 2+n]
			in = in[2+n:]
			if !d.Ready() {
				if _, err := d.ReadHeader(p); err != nil {
					return
				}
				continue
			}
			pcm, err := d.Decode(p)
			if err == nil && len(pcm) > d.Ident().Channels*d.MaxFrames() {
				t.Fatalf("%d samples from one packet", len(pcm))
			}
		}
	})
}
