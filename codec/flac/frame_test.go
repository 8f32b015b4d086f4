package flac

import (
	"errors"
	"slices"
	"testing"
)

// bitWriter writes bits most significant first, as a FLAC frame holds
// them, so that tests can build frames the encoders at hand never make.
type bitWriter struct {
	b []byte
	n uint // bits used in the last byte
}

func (w *bitWriter) put(v uint64, k uint) {
	for i := int(k) - 1; i >= 0; i-- {
		if w.n%8 == 0 {
			w.b = append(w.b, 0)
		}
		w.b[len(w.b)-1] |= byte(v>>uint(i)&1) << (7 - w.n%8)
		w.n++
	}
}

func (w *bitWriter) signed(v int64, k uint) { w.put(uint64(v)&(1<<k-1), k) }

// rice writes v with Rice parameter k (RFC 9639 §9.2.7.3).
func (w *bitWriter) rice(v int32, k uint) {
	u := uint32(v<<1) ^ uint32(v>>31)
	for range u >> k {
		w.put(0, 1)
	}
	w.put(1, 1)
	w.put(uint64(u)&(1<<k-1), k)
}

// header writes a frame header and its CRC-8: the code bytes given, the
// coded number and the end-of-header values.
func (w *bitWriter) header(variable bool, bsCode, rateCode, chCode, sizeCode uint64, number []byte, tail ...byte) {
	w.put(0x3ffe, 14)
	w.put(0, 1)
	if variable {
		w.put(1, 1)
	} else {
		w.put(0, 1)
	}
	w.put(bsCode, 4)
	w.put(rateCode, 4)
	w.put(chCode, 4)
	w.put(sizeCode, 3)
	w.put(0, 1)
	w.b = append(w.b, number...)
	w.b = append(w.b, tail...)
	w.b = append(w.b, crc8(w.b))
	w.n = 0
}

// footer pads to a byte and writes the CRC-16.
func (w *bitWriter) footer() []byte {
	w.n = 0
	c := crc16(w.b)
	w.b = append(w.b, byte(c>>8), byte(c))
	return w.b
}

var testInfo = StreamInfo{MinBlockSize: 16, MaxBlockSize: 4096, SampleRate: 44100, Channels: 2, BitsPerSample: 16}

// TestHandBuiltFrames decodes frames built bit by bit from RFC 9639 with
// what ffmpeg's encoder does not write: verbatim subframes, escaped
// partitions (with and without bits), fixed order 4 over a cubic, the
// variable blocking strategy with a 7-byte number, rate and sample size
// taken from STREAMINFO, 12-bit samples, 5-bit Rice parameters.
func TestHandBuiltFrames(t *testing.T) {
	cubic := func(i int) int32 { return int32(i*i*i/8 - 40*i + 7) }
	t.Run("verbatim and escapes", func(t *testing.T) {
		var w bitWriter
		// 16 samples (block size code 6: 8 bits, 15), rate and size from
		// STREAMINFO, 2 independent channels; the largest 36-bit sample number but one.
		w.header(true, 6, 0, 1, 0, []byte{0xfe, 0xbf, 0xbf, 0xbf, 0xbf, 0xbf, 0xbe}, 15)
		left := []int32{0, 1, -1, 32767, -32768, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, -15}
		w.put(0, 1)
		w.put(1, 6) // verbatim
		w.put(0, 1)
		for _, v := range left {
			w.signed(int64(v), 16)
		}
		// Fixed order 1 with two partitions: the first escaped with 0
		// bits (a run of zero residuals), the second escaped with 5 bits.
		w.put(0, 1)
		w.put(8+1, 6)
		w.put(0, 1)
		w.signed(-100, 16) // warm-up
		w.put(0, 2)        // Rice, 4-bit parameters
		w.put(1, 4)        // partition order 1: 8 samples each
		w.put(15, 4)
		w.put(0, 5)
		w.put(15, 4)
		w.put(5, 5)
		res := []int32{3, -16, 15, 0, 1, -1, 2, -2}
		for _, v := range res {
			w.signed(int64(v), 5)
		}
		b := w.footer()
		d := NewDecoder(testInfo)
		f, err := d.Decode(slices.Concat(b, []byte{0xff, 0xf8})) // more bytes after it
		if err != nil {
			t.Fatalf("Decode: %v", err)
		}
		if f.Len != len(b) || !f.Variable || f.Number != 1<<36-2 || f.SampleRate != 44100 || f.BitsPerSample != 16 || f.BlockSize != 16 {
			t.Fatalf("frame %+v, %d bytes long", f.Header, len(b))
		}
		if got := d.Samples(0); !slices.Equal(got, left) {
			t.Errorf("left %v, want %v", got, left)
		}
		right := make([]int32, 16)
		right[0] = -100
		for i := 1; i < 16; i++ {
			right[i] = right[i-1]
			if i >= 8 {
				right[i] += res[i-8]
			}
		}
		if got := d.Samples(1); !slices.Equal(got, right) {
			t.Errorf("right %v, want %v", got, right)
		}
		if f.PCM[2*4] != -1 || f.PCM[2*3] != 32767.0/32768 {
			t.Errorf("float samples %v", f.PCM[:10])
		}
	})
	t.Run("fixed order 4, 12 bits, 5-bit Rice", func(t *testing.T) {
		var w bitWriter
		// 32 samples (16-bit code 7: 31), 8 kHz, mono, 12 bits; frame 300.
		w.header(false, 7, 4, 0, 2, []byte{0xc4, 0xac}, 0, 31)
		w.put(0, 1)
		w.put(8+4, 6)
		w.put(0, 1)
		want := make([]int32, 32)
		for i := range want {
			want[i] = cubic(i)
		}
		for _, v := range want[:4] {
			w.signed(int64(v), 12)
		}
		w.put(1, 2) // Rice, 5-bit parameters
		w.put(0, 4)
		w.put(17, 5) // a parameter only 5 bits can hold
		for i := 4; i < 32; i++ {
			pred := 4*want[i-1] - 6*want[i-2] + 4*want[i-3] - want[i-4]
			w.rice(want[i]-pred, 17)
		}
		b := w.footer()
		d := NewDecoder(testInfo)
		f, err := d.Decode(b)
		if err != nil {
			t.Fatalf("Decode: %v", err)
		}
		if f.Number != 300 || f.SampleRate != 8000 || f.BitsPerSample != 12 || f.Channels != 1 {
			t.Fatalf("frame %+v", f.Header)
		}
		if got := d.Samples(0); !slices.Equal(got, want) {
			t.Errorf("samples %v, want %v", got, want)
		}
	})
}

// TestBadFrames: a damaged or hostile frame is an error naming why, for
// that frame only: the next good frame decodes.
func TestBadFrames(t *testing.T) {
	var w bitWriter
	w.header(false, 6, 9, 0, 4, []byte{0}, 15)
	w.put(0, 1)
	w.put(0, 6) // constant
	w.put(0, 1)
	w.signed(1234, 16)
	good := w.footer()

	mend := func(f func(b []byte)) []byte {
		b := slices.Clone(good)
		f(b)
		return b
	}
	build := func(sub func(w *bitWriter)) []byte {
		var w bitWriter
		w.header(false, 6, 9, 0, 4, []byte{0}, 15)
		sub(&w)
		return w.footer()
	}
	cases := []struct {
		name string
		b    []byte
		want error
	}{
		{"no sync", mend(func(b []byte) { b[0] = 0xfe }), ErrFrame},
		{"header CRC", mend(func(b []byte) { b[2] ^= 0x01 }), ErrFrame},
		{"footer CRC", mend(func(b []byte) { b[len(b)-1] ^= 1 }), ErrCRC},
		{"sample bit flipped", mend(func(b []byte) { b[len(b)-3] ^= 4 }), ErrCRC},
		{"cut short", good[:len(good)-1], ErrShort},
		{"cut in the header", good[:5], ErrShort},
		{"block size 65536", func() []byte {
			var w bitWriter
			w.header(false, 7, 9, 0, 4, []byte{0}, 0xff, 0xff)
			return w.footer()
		}(), ErrFrame},
		{"reserved subframe type", build(func(w *bitWriter) { w.put(0, 1); w.put(2, 6); w.put(0, 1) }), ErrFrame},
		{"fixed order 5", build(func(w *bitWriter) { w.put(0, 1); w.put(13, 6); w.put(0, 1) }), ErrFrame},
		{"wasted bits past the sample size", build(func(w *bitWriter) { w.put(0, 1); w.put(0, 6); w.put(1, 1); w.put(0, 16); w.put(1, 1) }), ErrFrame},
		{"LPC order above the block", build(func(w *bitWriter) { w.put(0, 1); w.put(32+31, 6); w.put(0, 1) }), ErrFrame},
		{"negative LPC shift", build(func(w *bitWriter) {
			w.put(0, 1)
			w.put(32, 6)
			w.put(0, 1)
			w.signed(0, 16)
			w.put(3, 4)
			w.signed(-1, 5)
		}), ErrFrame},
		{"partition order too high", build(func(w *bitWriter) {
			w.put(0, 1)
			w.put(8, 6)
			w.put(0, 1)
			w.put(0, 2)
			w.put(5, 4) // 32 partitions of 16 samples
		}), ErrFrame},
		{"reserved residual method", build(func(w *bitWriter) { w.put(0, 1); w.put(8, 6); w.put(0, 1); w.put(2, 2) }), ErrFrame},
		{"endless unary", build(func(w *bitWriter) {
			w.put(0, 1)
			w.put(8, 6)
			w.put(0, 1)
			w.put(0, 2)
			w.put(0, 4)
			w.put(0, 4)
			w.put(0, 300)
		}), ErrShort},
	}
	d := NewDecoder(testInfo)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := d.Decode(c.b)
			if !errors.Is(err, c.want) && !(c.want == ErrFrame && errors.Is(err, ErrCRC)) {
				t.Errorf("Decode: %v, want %v", err, c.want)
			}
			f, err := d.Decode(good)
			if err != nil || f.BlockSize != 16 || d.Samples(0)[15] != 1234 {
				t.Errorf("the good frame after it: %v", err)
			}
		})
	}
}
