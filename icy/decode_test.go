package icy

import (
	"testing"
	"unicode/utf8"
)

func TestDecodeText(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"ASCII", "Artist - Title", "Artist - Title"},
		{"UTF-8 kept", "Beyoncé – Halo 日本 🎵", "Beyoncé – Halo 日本 🎵"},
		{"Latin-1 é", "Beyonc\xe9", "Beyoncé"},
		{"Latin-1 range", "\xa0\xa9\xc4\xd6\xdc\xdf\xe4\xf6\xfc\xff", "\u00a0©ÄÖÜßäöüÿ"},
		{"euro", "5 \x80", "5 €"},
		{"curly quotes", "\x93Halo\x94", "“Halo”"},
		{"dashes and ellipsis", "a \x96 b \x97 c\x85", "a – b — c…"},
		{"undefined bytes", "\x81\x8d\x8f\x90\x9d", "\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD"},
		{"truncated UTF-8 is not UTF-8", "caf\xc3", "cafÃ"},
		{"UTF-8 and a stray byte", "é\xe9", "Ã©é"},
		{"controls pass through", "a\x00\r\nb", "a\x00\r\nb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DecodeText([]byte(tt.in)); got != tt.want {
				t.Errorf("DecodeText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestDecodeTextTable checks every byte 0x80–0x9F against the code page as
// published, written out here independently of cp1252.
func TestDecodeTextTable(t *testing.T) {
	want := []rune("€\uFFFD‚ƒ„…†‡ˆ‰Š‹Œ\uFFFDŽ\uFFFD\uFFFD‘’“”•–—˜™š›œ\uFFFDžŸ")
	if len(want) != 32 {
		t.Fatalf("table has %d entries", len(want))
	}
	for i, w := range want {
		b := []byte{0xFF, byte(0x80 + i)} // 0xFF makes the input invalid UTF-8
		got := DecodeText(b)
		if got != "ÿ"+string(w) {
			t.Errorf("byte %#x: %q, want %q", 0x80+i, got, string(w))
		}
	}
	for c := 0xA0; c <= 0xFF; c++ {
		if got := DecodeText([]byte{0x80, byte(c)}); got != "€"+string(rune(c)) {
			t.Errorf("byte %#x: %q, want %q", c, got, string(rune(c)))
		}
	}
	var all []byte
	for c := range 256 {
		all = append(all, byte(c))
	}
	if got := DecodeText(all); !utf8.ValidString(got) || utf8.RuneCountInString(got) != 256 {
		t.Errorf("all bytes: %d runes, valid %v", utf8.RuneCountInString(got), utf8.ValidString(got))
	}
}
