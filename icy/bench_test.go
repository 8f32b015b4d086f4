package icy

import (
	"strings"
	"testing"
)

// BenchmarkBlock builds a block into a reused buffer, as a mount does once
// per title change (or a listener per block, if it did not cache). 0
// allocs/op is the goal.
func BenchmarkBlock(b *testing.B) {
	for _, bc := range []struct {
		name, title, url string
	}{
		{"ascii", "Daft Punk - Harder, Better, Faster, Stronger", ""},
		{"utf8+url", "Beyoncé – Halo (Live at Wembley) “Encore”", "https://radio.example.org/now"},
		{"4KB", strings.Repeat("Ärtist ';", 600), ""},
	} {
		b.Run(bc.name, func(b *testing.B) {
			dst := make([]byte, 0, MaxBlock)
			b.ReportAllocs()
			for b.Loop() {
				dst = Block(dst[:0], bc.title, bc.url)
			}
			b.SetBytes(int64(len(dst)))
		})
	}
}

func BenchmarkCleanTitle(b *testing.B) {
	for _, bc := range []struct{ name, title string }{
		{"clean", "Daft Punk - Harder, Better, Faster, Stronger"},
		{"dirty", "  Beyonc\xe9 \x96 Halo\r\n it';s "},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = CleanTitle(bc.title)
			}
		})
	}
}

func BenchmarkDecodeText(b *testing.B) {
	for _, bc := range []struct{ name, text string }{
		{"utf8", "Beyoncé – Halo"},
		{"cp1252", "Beyonc\xe9 \x96 Halo \x93Live\x94"},
	} {
		in := []byte(bc.text)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = DecodeText(in)
			}
		})
	}
}
