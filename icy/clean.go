package icy

import (
	"math"
	"unicode"
	"unicode/utf8"
)

// CleanTitle returns s made safe to send inside a metadata block:
//
//  1. Each byte that is not part of valid UTF-8 becomes U+FFFD, the
//     replacement character. (Decode a source's bytes with [DecodeText]
//     first to keep its Windows-1252 characters.)
//  2. Each run of control characters (U+0000–U+001F and U+007F–U+009F: NUL,
//     tab, CR, LF, DEL and the C1 controls) becomes one space, so that
//     "Artist\r\nTitle" reads "Artist Title" and no NUL can end the block
//     early for players that stop at one.
//  3. Each apostrophe directly followed by a semicolon becomes U+2019 RIGHT
//     SINGLE QUOTATION MARK: "';" becomes "’;", which looks the same, and the
//     first "';" in a block is then always the real end of the field.
//  4. White space (as unicode.IsSpace) is trimmed from both ends.
//
// Other apostrophes stay: players stop at "';", not at "'", so "Rock 'n'
// Roll" and a title ending in "'" arrive intact. CleanTitle is idempotent
// and returns s itself when s is already clean.
func CleanTitle(s string) string {
	if isCleanASCII(s) {
		return s
	}
	b := appendClean(make([]byte, 0, len(s)+8), s, math.MaxInt)
	if string(b) == s {
		return s
	}
	return string(b)
}

// isCleanASCII is CleanTitle's fast path for the common plain-ASCII title.
func isCleanASCII(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7E || c == '\'' && i+1 < len(s) && s[i+1] == ';' {
			return false
		}
	}
	return true
}

// appendClean appends CleanTitle(s) to dst, or its longest prefix of at most
// limit bytes that ends on a rune boundary, trimmed of trailing white space.
// The result is always a prefix of CleanTitle(s).
func appendClean(dst []byte, s string, limit int) []byte {
	start := len(dst)
	end := start // dst up to the last rune that is not white space
	c := cleaner{s: s}
	for {
		// Fast path: printable ASCII other than space and apostrophe
		// passes unchanged.
		if c.i < len(s) {
			if b := s[c.i]; b > ' ' && b < 0x7F && b != '\'' {
				if len(dst)-start >= limit {
					break
				}
				dst = append(dst, b)
				c.i++
				end = len(dst)
				continue
			}
		}
		r, ok := c.next()
		if !ok {
			break
		}
		space := unicode.IsSpace(r)
		if space && len(dst) == start {
			continue
		}
		if len(dst)-start+utf8.RuneLen(r) > limit {
			break
		}
		dst = utf8.AppendRune(dst, r)
		if !space {
			end = len(dst)
		}
	}
	return dst[:end]
}

// cleanLen returns len(CleanTitle(s)) without building it.
func cleanLen(s string) int {
	n, end := 0, 0
	c := cleaner{s: s}
	for {
		if c.i < len(s) {
			if b := s[c.i]; b > ' ' && b < 0x7F && b != '\'' {
				n++
				c.i++
				end = n
				continue
			}
		}
		r, ok := c.next()
		if !ok {
			return end
		}
		space := unicode.IsSpace(r)
		if space && n == 0 {
			continue
		}
		n += utf8.RuneLen(r)
		if !space {
			end = n
		}
	}
}

// cleaner yields the runes of a string after rules 1–3 of CleanTitle; the
// callers trim.
type cleaner struct {
	s string
	i int
}

func (c *cleaner) next() (rune, bool) {
	if c.i >= len(c.s) {
		return 0, false
	}
	// An invalid byte decodes as utf8.RuneError (U+FFFD) of length 1.
	r, n := utf8.DecodeRuneInString(c.s[c.i:])
	c.i += n
	if isControl(r) {
		for c.i < len(c.s) {
			r, n := utf8.DecodeRuneInString(c.s[c.i:])
			if !isControl(r) {
				break
			}
			c.i += n
		}
		return ' ', true
	}
	if r == '\'' && c.i < len(c.s) && c.s[c.i] == ';' {
		return '\u2019', true
	}
	return r, true
}

// isControl reports the C0 controls, DEL and the C1 controls.
func isControl(r rune) bool {
	return r < 0x20 || r >= 0x7F && r <= 0x9F
}
