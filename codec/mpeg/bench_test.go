package mpeg

import "testing"

func BenchmarkParseHeader(b *testing.B) {
	hdr := []byte{0xFF, 0xFB, 0x90, 0x64}
	b.ReportAllocs()
	for b.Loop() {
		h, err := ParseHeader(hdr)
		if err != nil || h.FrameSize() != 417 {
			b.Fatal(h, err)
		}
	}
}
