package icy

import (
	"bytes"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzBlock checks Block's framing and its cut against a reference model.
// The pads put a short fuzzed string at the end of a long one, where the cut
// falls, while keeping inputs short: the fuzzer minimizes each new input in
// time quadratic in its length.
func FuzzBlock(f *testing.F) {
	f.Add("Artist - Title", "http://example.org/", uint16(0), uint16(0))
	f.Add("", "", uint16(0), uint16(0))
	f.Add("it';s \x00\r\n\x7f", "x';", uint16(0), uint16(0))
	f.Add("Beyonc\xe9 \xff", "", uint16(0), uint16(0))
	f.Add("😀😀 😀", "", uint16(4060), uint16(0))
	f.Add("  ';", "u", uint16(4062), uint16(0))
	f.Add("a", "url ", uint16(0), uint16(4050))
	f.Fuzz(func(t *testing.T, title, url string, titlePad, urlPad uint16) {
		title = strings.Repeat("t", int(titlePad)%4200) + title
		url = strings.Repeat("u", int(urlPad)%4200) + url
		b := Block(nil, title, url)
		if len(b) == 0 || len(b) != 1+16*int(b[0]) || len(b) > MaxBlock {
			t.Fatalf("block of %d bytes with length byte %d", len(b), b[0])
		}
		content := b[1:]
		text := bytes.TrimRight(content, "\x00")
		if len(content)-len(text) >= 16 {
			t.Fatalf("%d bytes of padding", len(content)-len(text))
		}
		if bytes.IndexByte(text, 0) >= 0 {
			t.Fatalf("NUL before the padding: %q", text)
		}
		if !bytes.HasPrefix(text, []byte(titlePrefix)) || !bytes.HasSuffix(text, []byte(fieldEnd)) {
			t.Fatalf("content %q", text)
		}
		gotTitle, gotURL, err := Parse(b)
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		// The first "';" after the prefix ends the cleaned title.
		if !bytes.HasPrefix(text[len(titlePrefix):], []byte(gotTitle+fieldEnd)) {
			t.Fatalf("title %q is not what the block holds: %q", gotTitle, text)
		}
		wantTitle, wantURL := CleanTitle(title), CleanTitle(url)
		if !utf8.ValidString(gotTitle) || !strings.HasPrefix(wantTitle, gotTitle) {
			t.Fatalf("title %q is not a prefix of %q", gotTitle, wantTitle)
		}
		if !strings.HasPrefix(wantURL, gotURL) {
			t.Fatalf("url %q is not a prefix of %q", gotURL, wantURL)
		}
		// A reference model of the cut: the url keeps all of its room
		// up to what an empty title leaves, the title gets the rest; each
		// is cut to its room on a rune boundary, then trimmed.
		titleRoom, urlRoom := MaxBlock-1-len(titlePrefix)-len(fieldEnd), 0
		if wantURL != "" {
			urlRoom = min(len(wantURL), titleRoom-len(urlPrefix)-len(fieldEnd))
			titleRoom -= len(urlPrefix) + urlRoom + len(fieldEnd)
		}
		if ref := cut(wantTitle, titleRoom); gotTitle != ref {
			t.Fatalf("title %q, want %q", gotTitle, ref)
		}
		if ref := cut(wantURL, urlRoom); gotURL != ref {
			t.Fatalf("url %q, want %q", gotURL, ref)
		}
		if CleanTitle(wantTitle) != wantTitle {
			t.Fatalf("CleanTitle not idempotent on %q", wantTitle)
		}
	})
}

// cut returns the longest prefix of s of at most n bytes that ends on a rune
// boundary, trimmed of trailing white space.
func cut(s string, n int) string {
	for len(s) > n {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return strings.TrimRightFunc(s, unicode.IsSpace)
}

func FuzzDecodeText(f *testing.F) {
	f.Add([]byte("Beyonc\xe9"))
	f.Add([]byte("\x80\x81\x93\x94\x9f"))
	f.Add([]byte("Beyoncé"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		s := DecodeText(b)
		if !utf8.ValidString(s) {
			t.Fatalf("DecodeText(%q) = %q, not valid UTF-8", b, s)
		}
		if utf8.Valid(b) && s != string(b) {
			t.Fatalf("DecodeText changed valid UTF-8 %q to %q", b, s)
		}
		if !utf8.Valid(b) && utf8.RuneCountInString(s) != len(b) {
			t.Fatalf("DecodeText(%q) = %q: %d runes for %d bytes", b, s, utf8.RuneCountInString(s), len(b))
		}
	})
}

func FuzzParse(f *testing.F) {
	f.Add(Block(nil, "Artist - Title", "http://x/"))
	f.Add([]byte{0})
	f.Add([]byte("\x01StreamTitle='a';"))
	f.Fuzz(func(t *testing.T, b []byte) {
		title, url, err := Parse(b)
		if err != nil {
			return
		}
		if !utf8.ValidString(title) || !utf8.ValidString(url) {
			t.Fatalf("Parse(%q) = %q, %q: not valid UTF-8", b, title, url)
		}
	})
}
