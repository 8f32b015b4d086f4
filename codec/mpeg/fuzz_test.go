package mpeg

import (
	"bytes"
	"testing"
)

func FuzzParseHeader(f *testing.F) {
	for _, h := range []string{"\xFF\xFB\x90\x64", "\xFF\xF3\x80\xC4", "\xFF\xE3\x48\xC0", "\xFF\xFD\xA4\x00",
		"\xFF\xFF\xCA\x00", "\xFF\xE5\xEA\x03", "\xFF\xFB\x90\x66", "\xFF\xEB\x90\x64", "\xFF\xFB\xF0\x64", "ID3\x04"} {
		f.Add([]byte(h))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseHeader(b)
		if err == ErrFreeFormat {
			if h.FrameSize() != 0 || h.Bitrate != 0 || h.SampleRate == 0 {
				t.Fatalf("free format: %+v", h)
			}
			return
		}
		if err != nil {
			if h != (Header{}) {
				t.Fatalf("error %v with header %+v", err, h)
			}
			for _, e := range []error{ErrShortHeader, ErrNoSync, ErrReservedVersion, ErrReservedLayer,
				ErrFreeFormat, ErrBadBitrate, ErrBadSampleRate, ErrBadEmphasis} {
				if err == e {
					return
				}
			}
			t.Fatalf("unexpected error %v", err)
		}
		if n := h.FrameSize(); n <= HeaderSize || n > MaxFrame {
			t.Fatalf("%+v: FrameSize %d", h, n)
		}
		if s := h.Samples(); s != 384 && s != 576 && s != 1152 {
			t.Fatalf("%+v: Samples %d", h, s)
		}
		if h.Duration() <= 0 || h.Channels() < 1 || h.Channels() > 2 {
			t.Fatalf("%+v: Duration %v, Channels %d", h, h.Duration(), h.Channels())
		}
		enc, err := h.AppendBinary(nil)
		if err != nil || !bytes.Equal(enc, b[:HeaderSize]) {
			t.Fatalf("AppendBinary(%+v) = % X, %v; want % X", h, enc, err, b[:HeaderSize])
		}
	})
}
