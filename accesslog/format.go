package accesslog

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// timeLayout is the Common Log Format's timestamp, as in
// [21/Nov/2026:10:00:00 +0000].
const timeLayout = "02/Jan/2006:15:04:05 -0700"

const hexDigits = "0123456789abcdef"

// AppendLine appends e's log line, newline included, as the file holds
// it: for showing entries kept elsewhere (the console's log view) in the
// same form.
func AppendLine(dst []byte, e Entry) []byte { return appendLine(dst, e) }

// appendLine appends e's log line, newline included, to dst: the Combined
// Log Format (host ident user [time] "request" status bytes "referer"
// "agent") and then the duration in whole seconds, as Icecast writes it.
// Empty fields are "-". Every field is escaped, so whatever a client sends
// stays inside its field and on its line.
func appendLine(dst []byte, e Entry) []byte {
	dst = appendField(dst, e.IP, false)
	dst = append(dst, " - "...)
	dst = appendField(dst, e.User, false)
	dst = append(dst, " ["...)
	dst = e.Start.AppendFormat(dst, timeLayout)
	dst = append(dst, "] \""...)
	if e.Method == "" && e.URI == "" && e.Proto == "" {
		dst = append(dst, '-')
	} else {
		dst = appendField(dst, e.Method, false)
		dst = append(dst, ' ')
		dst = appendField(dst, e.URI, false)
		if e.Proto != "" {
			dst = append(dst, ' ')
			dst = appendField(dst, e.Proto, false)
		}
	}
	dst = append(dst, "\" "...)
	if e.Status > 0 {
		dst = strconv.AppendInt(dst, int64(e.Status), 10)
	} else {
		dst = append(dst, '-')
	}
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, max(e.Bytes, 0), 10)
	dst = append(dst, " \""...)
	dst = appendField(dst, e.Referer, true)
	dst = append(dst, "\" \""...)
	dst = appendField(dst, e.UserAgent, true)
	dst = append(dst, "\" "...)
	dst = strconv.AppendInt(dst, int64(max(e.Duration, 0)/time.Second), 10)
	return append(dst, '\n')
}

// appendField appends s escaped, or "-" when it is empty. Quotes,
// backslashes, control characters (CR and LF among them), bytes that are
// not UTF-8, and Unicode's own line and paragraph separators become \" \\
// and \xNN. Unless keepSpaces, spaces become \x20 too, so the address,
// the user and each part of the request line stay one word.
func appendField(dst []byte, s string, keepSpaces bool) []byte {
	if s == "" {
		return append(dst, '-')
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c < 0x20 || c == 0x7f || c == ' ' && !keepSpaces:
				dst = appendHex(dst, c)
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || r >= 0x80 && r <= 0x9f || r == 0x2028 || r == 0x2029 {
			// Broken UTF-8, C1 controls (NEL among them) and the separators
			// some viewers break lines at: byte by byte.
			for j := range n {
				dst = appendHex(dst, s[i+j])
			}
		} else {
			dst = append(dst, s[i:i+n]...)
		}
		i += n
	}
	return dst
}

func appendHex(dst []byte, c byte) []byte {
	return append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
}
