package accesslog

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// splitLine cuts a line into its ten fields, as a log reader would: host,
// ident and user up to a space, [time], "request", status and bytes up to
// a space, "referer", "agent", seconds. Quoted fields end at the first
// quote not escaped by a backslash. It returns the fields as written
// (still escaped) and whether the line parsed.
func splitLine(line string) ([]string, bool) {
	const layout = "uuubquuqqu" // unquoted, bracketed, quoted
	var fields []string
	for k, kind := range layout {
		var i int
		switch kind {
		case 'q':
			if line == "" || line[0] != '"' {
				return nil, false
			}
			for i = 1; i < len(line) && line[i] != '"'; i++ {
				if line[i] == '\\' {
					i++
				}
			}
			if i >= len(line) {
				return nil, false
			}
			fields = append(fields, line[1:i])
			i++
		case 'b':
			if line == "" || line[0] != '[' {
				return nil, false
			}
			if i = strings.IndexByte(line, ']'); i < 0 {
				return nil, false
			}
			fields = append(fields, line[1:i])
			i++
		default:
			if i = strings.IndexByte(line, ' '); i < 0 {
				i = len(line)
			}
			fields = append(fields, line[:i])
		}
		line = line[i:]
		if k < len(layout)-1 {
			if line == "" || line[0] != ' ' {
				return nil, false
			}
			line = line[1:]
		}
	}
	return fields, line == ""
}

// unescape reverses appendField.
func unescape(s string) string {
	if s == "-" {
		return ""
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		if s[i] == 'x' && i+2 < len(s) {
			var c byte
			for _, h := range []byte(s[i+1 : i+3]) {
				c = c<<4 | byte(strings.IndexByte(hexDigits, h))
			}
			b.WriteByte(c)
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// FuzzLine checks that whatever a client puts in an entry, the entry is
// one line with its fields where they belong: nobody forges a line or a
// field.
func FuzzLine(f *testing.F) {
	f.Add("127.0.0.1", "admin", "GET", "/stream", "HTTP/1.1", 200, int64(123456), "", "VLC/3.0.18 LibVLC/3.0.18", int64(360))
	f.Add("::1", "", "SOURCE", "/live", "ICY", 200, int64(0), "http://x/\"", "Evil\" 200 1 \"-\" \"x\n1.2.3.4 - - [x]", int64(-1))
	f.Add("", "dj one", "", "", "", 0, int64(-5), "\r\n", "\\\"\\", int64(1<<40))
	f.Fuzz(func(t *testing.T, ip, user, method, uri, proto string, status int, n int64, referer, agent string, secs int64) {
		e := Entry{IP: ip, User: user, Method: method, URI: uri, Proto: proto, Status: status, Bytes: n,
			Referer: referer, UserAgent: agent, Start: start, Duration: time.Duration(secs) * time.Second}
		out := appendLine(appendLine(nil, e), e)
		if bytes.Count(out, []byte("\n")) != 2 || !bytes.HasSuffix(out, []byte("\n")) || bytes.ContainsRune(out, '\r') {
			t.Fatalf("two entries are not two lines: %q", out)
		}
		line := string(out[:bytes.IndexByte(out, '\n')])
		fields, ok := splitLine(line)
		if !ok || len(fields) != 10 {
			t.Fatalf("line %q splits into %d fields %q, want 10", line, len(fields), fields)
		}
		if got := unescape(fields[0]); got != ip && ip != "-" {
			t.Errorf("ip %q, want %q", got, ip)
		}
		if got := unescape(fields[2]); got != user && user != "-" {
			t.Errorf("user %q, want %q", got, user)
		}
		if got := unescape(fields[7]); got != referer && referer != "-" {
			t.Errorf("referer %q, want %q", got, referer)
		}
		if got := unescape(fields[8]); got != agent && agent != "-" {
			t.Errorf("agent %q, want %q", got, agent)
		}
		if fields[3] != "21/Nov/2026:10:00:00 +0000" {
			t.Errorf("time %q", fields[3])
		}
	})
}
