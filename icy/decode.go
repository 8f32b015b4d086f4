package icy

import (
	"strings"
	"unicode/utf8"
)

// cp1252 maps bytes 0x80–0x9F of Windows-1252 to Unicode; the five bytes the
// code page leaves undefined map to U+FFFD. (Bytes 0xA0–0xFF equal their
// Latin-1 code points.) Read-only.
var cp1252 = [32]rune{
	'€', '\uFFFD', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\uFFFD', 'Ž', '\uFFFD',
	'\uFFFD', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\uFFFD', 'ž', 'Ÿ',
}

// DecodeText returns a title as a source sent it, in UTF-8. Valid UTF-8 is
// kept as it is; anything else is decoded as Windows-1252, the ANSI code page
// the Winamp DSP and other Windows source clients send, which covers Latin-1
// too.
//
// The five bytes Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90,
// 0x9D) become U+FFFD rather than the C1 controls the WHATWG mapping gives
// them: a control would be blanked by [CleanTitle] anyway, while U+FFFD shows
// that something was lost. Other control bytes pass through for CleanTitle
// to handle. The result is always valid UTF-8.
func DecodeText(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b) + len(b)/2)
	for _, c := range b {
		switch {
		case c < 0x80:
			sb.WriteByte(c)
		case c < 0xA0:
			sb.WriteRune(cp1252[c-0x80])
		default:
			sb.WriteRune(rune(c))
		}
	}
	return sb.String()
}
