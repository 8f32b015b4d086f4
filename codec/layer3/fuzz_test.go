package layer3

import (
	"errors"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to a Decoder as a run of frames, cut
// where the headers say (a byte at a time past what is no header), and
// the whole input as one frame: no panic, no hang, every result a frame
// of samples in [−1, 1] or nothing, and no error but ErrInvalidFrame or
// ErrNoMainData. Seeds: the
// hand-built streams (intensity stereo, mixed blocks, every version) and
// LAME frames in testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	frames := handBuilt(f)
	for i := 0; i+3 <= len(frames); i += 3 {
		var run []byte
		for _, fr := range frames[i : i+3] {
			run = append(run, fr...)
		}
		f.Add(run)
	}
	f.Add([]byte{0xFF, 0xFB, 0x90, 0x04})
	f.Fuzz(func(t *testing.T, b []byte) {
		var d Decoder
		out := make([]float32, 2*1152)
		decode := func(frame []byte) {
			n, err := d.Decode(frame, out)
			if err != nil && !errors.Is(err, ErrInvalidFrame) && !errors.Is(err, ErrNoMainData) {
				t.Fatalf("Decode: %v", err)
			}
			checkOutput(t, out, n)
		}
		for p := 0; p < len(b); {
			n := frameLen(b[p:])
			if n == 0 {
				p++
				continue
			}
			decode(b[p:min(p+n, len(b))])
			p += n
		}
		decode(b)
	})
}
