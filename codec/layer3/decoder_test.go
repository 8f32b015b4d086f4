package layer3

import (
	"errors"
	"io"
	"math/rand/v2"
	"testing"
)

// checkOutput fails the test unless out holds n stereo samples in
// [−1, 1].
func checkOutput(t testing.TB, out []float32, n int) {
	t.Helper()
	if n != 0 && n != 576 && n != 1152 {
		t.Fatalf("Decode returned %d samples", n)
	}
	for i, v := range out[:2*n] {
		if !(v >= -1 && v <= 1) {
			t.Fatalf("sample %d = %g", i, v)
		}
	}
}

// handBuilt is a stream of hand-built frames that needs no tools.
func handBuilt(t testing.TB) [][]byte {
	rng := rand.New(rand.NewPCG(14, 15))
	var frames [][]byte
	for _, spec := range []streamSpec{
		{version: 3, rateIndex: 0, mode: modeJoint, modeExt: 3},
		{version: 2, rateIndex: 0, mode: modeJoint, modeExt: 1, lsfIS: true},
		{version: 0, rateIndex: 2, mode: modeMono},
	} {
		frames = append(frames, buildStream(t, rng, spec, 9)...)
	}
	return frames
}

// TestDecodeAllocs: Decode allocates nothing, whatever the frame.
func TestDecodeAllocs(t *testing.T) {
	frames := handBuilt(t)
	var d Decoder
	out := make([]float32, 2*1152)
	i := 0
	allocs := testing.AllocsPerRun(200, func() {
		if _, err := d.Decode(frames[i%len(frames)], out); err != nil {
			t.Fatal(err)
		}
		i++
	})
	if allocs != 0 {
		t.Errorf("Decode: %v allocations per frame, want 0", allocs)
	}
}

// TestDecodeInvalid: frames that break the rules are refused with
// ErrInvalidFrame, and the Decoder carries on. One with a sound header
// still gives its samples: the fade-out of the frame before.
func TestDecodeInvalid(t *testing.T) {
	good := buildFrame(t, &testFrame{version: 3, mode: modeMono})
	// setBits writes v into n bits of the side information at bit off
	// (MPEG-1 mono: part2_3_length at 18, big_values at 30, the window
	// switching flag at 51, block_type at 52, table_select[0] at 52 for
	// a normal block).
	setBits := func(f []byte, off, n int, v uint32) []byte {
		f = append([]byte(nil), f...)
		for i := range n {
			bit := 4*8 + off + i
			if v>>(n-1-i)&1 != 0 {
				f[bit/8] |= 0x80 >> (bit % 8)
			} else {
				f[bit/8] &^= 0x80 >> (bit % 8)
			}
		}
		return f
	}
	tests := []struct {
		name    string
		frame   []byte
		samples int
	}{
		{"empty", nil, 0},
		{"no sync", []byte{0x00, 0xFB, 0x90, 0x04, 0, 0, 0}, 0},
		{"layer II", append([]byte{0xFF, 0xFD, 0x90, 0x04}, make([]byte, 500)...), 0},
		{"reserved version", append([]byte{0xFF, 0xEB, 0x90, 0x04}, make([]byte, 500)...), 0},
		{"reserved rate", append([]byte{0xFF, 0xFB, 0x9C, 0x04}, make([]byte, 500)...), 0},
		{"bad bitrate", append([]byte{0xFF, 0xFB, 0xF0, 0x04}, make([]byte, 500)...), 0},
		{"short side information", good[:10], 1152},
		{"big_values past 576", setBits(good, 30, 9, 300), 1152},
		{"window switching with block type 0", setBits(setBits(good, 51, 1, 1), 52, 2, 0), 1152},
		{"table 4", setBits(setBits(good, 30, 9, 10), 52, 5, 4), 1152},
		{"table 14", setBits(setBits(good, 30, 9, 10), 52, 5, 14), 1152},
	}
	var d Decoder
	out := make([]float32, 2*1152)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := d.Decode(tt.frame, out)
			if n != tt.samples || !errors.Is(err, ErrInvalidFrame) {
				t.Errorf("Decode = %d, %v; want %d, ErrInvalidFrame", n, err, tt.samples)
			}
			if n, err := d.Decode(good, out); n != 1152 || err != nil {
				t.Errorf("the next good frame: %d, %v", n, err)
			}
		})
	}
	if _, err := d.Decode(good, out[:100]); !errors.Is(err, io.ErrShortBuffer) {
		t.Errorf("Decode into 100 values: %v, want io.ErrShortBuffer", err)
	}
}

// TestReservoir: starting in the middle of a stream whose frames borrow
// from earlier ones, the first frames come out silent with ErrNoMainData;
// a frame later, the output is the same as from the start. Reset does
// the same to a Decoder in use.
func TestReservoir(t *testing.T) {
	src := burstSrc(44100, true)
	path := encode(t, t.TempDir(), "reservoir.mp3", src, "-ac", "2", "-b:a", "128k")
	frames := splitFrames(t, readFile(t, path))
	all := decodeFrames(t, frames)
	// The first frame from 20 on that borrows.
	from := -1
	for i := 20; i < len(frames); i++ {
		if frames[i][4]<<1|frames[i][5]>>7 != 0 { // main_data_begin, 9 bits
			from = i
			break
		}
	}
	if from < 0 {
		t.Fatal("no frame uses the bit reservoir")
	}
	for _, reset := range []bool{false, true} {
		var d Decoder
		if reset {
			for _, f := range frames[:from+5] {
				d.Decode(f, make([]float32, 2304))
			}
			d.Reset()
		}
		out := make([]float32, 2*1152)
		n, err := d.Decode(frames[from], out)
		if n != 1152 || !errors.Is(err, ErrNoMainData) {
			t.Fatalf("first frame: %d, %v; want 1152, ErrNoMainData", n, err)
		}
		for _, v := range out {
			if v != 0 {
				t.Fatal("a frame without its main data is not silent")
			}
		}
		for i := from + 1; i < from+6; i++ {
			n, err := d.Decode(frames[i], out)
			if err != nil && !errors.Is(err, ErrNoMainData) {
				t.Fatalf("frame %d: %v", i, err)
			}
			if i >= from+3 {
				want := all[2*1152*i : 2*1152*(i+1)]
				for j := range 2 * n {
					if out[j] != want[j] {
						t.Fatalf("reset %v: frame %d sample %d = %g, from the start %g", reset, i, j, out[j], want[j])
					}
				}
			}
		}
	}
}

// TestDecodeDamaged feeds frames with random damage: flipped bits,
// cut short, run together. Nothing panics, every output is a frame or
// nothing, in [−1, 1].
func TestDecodeDamaged(t *testing.T) {
	frames := handBuilt(t)
	rng := rand.New(rand.NewPCG(16, 17))
	var d Decoder
	out := make([]float32, 2*1152)
	for range 3000 {
		f := append([]byte(nil), frames[rng.IntN(len(frames))]...)
		switch rng.IntN(4) {
		case 0:
			for range 1 + rng.IntN(8) {
				f[rng.IntN(len(f))] ^= 1 << rng.IntN(8)
			}
		case 1:
			f = f[:rng.IntN(len(f))]
		case 2:
			for i := 4; i < len(f); i++ {
				f[i] = byte(rng.Uint32())
			}
		default:
			f = append(f, frames[rng.IntN(len(frames))]...)
		}
		n, err := d.Decode(f, out)
		if err != nil && !errors.Is(err, ErrInvalidFrame) && !errors.Is(err, ErrNoMainData) {
			t.Fatalf("Decode: %v", err)
		}
		checkOutput(t, out, n)
	}
}

// TestDecodeEmptyGranules: a frame of zeros after the header is silence
// (the Info frame of LAME files is one).
func TestDecodeEmptyGranules(t *testing.T) {
	frame := append([]byte{0xFF, 0xFB, 0x90, 0x04}, make([]byte, 413)...)
	var d Decoder
	out := make([]float32, 2*1152)
	for range 3 {
		n, err := d.Decode(frame, out)
		if n != 1152 || err != nil {
			t.Fatalf("Decode = %d, %v", n, err)
		}
		for _, v := range out {
			if v != 0 {
				t.Fatalf("silent frame gave %g", v)
			}
		}
	}
}
