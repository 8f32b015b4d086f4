package adts

import (
	"bytes"
	"errors"
	"testing"
)

func FuzzParseHeader(f *testing.F) {
	for _, h := range []string{"\xFF\xF1\x50\x80\x2E\x7F\xFC", "\xFF\xF0\x50\x80\x01\x3F\xFC", "\xFF\xF1\x7C\x80\x2E\x7F\xFC"} {
		f.Add([]byte(h))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseHeader(b)
		if err != nil {
			if !errors.Is(err, ErrShortHeader) && !errors.Is(err, ErrNoSync) && !errors.Is(err, ErrReservedLayer) &&
				!errors.Is(err, ErrBadSampleRate) && !errors.Is(err, ErrBadFrameLength) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if h.FrameSize() < h.HeaderSize() || h.FrameSize() > MaxFrame || h.SampleRate() == 0 || h.Duration() <= 0 {
			t.Fatalf("%+v: FrameSize %d SampleRate %d Duration %v", h, h.FrameSize(), h.SampleRate(), h.Duration())
		}
		enc, err := h.AppendBinary(nil)
		if err != nil || !bytes.Equal(enc, b[:HeaderSize]) {
			t.Fatalf("AppendBinary(%+v) = % X, %v; want % X", h, enc, err, b[:HeaderSize])
		}
	})
}
