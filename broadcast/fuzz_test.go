package broadcast

import (
	"bufio"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzFirstLine: whatever a client sends first, the sniffer either hands
// net/http a request line it can parse or treats it as a SHOUTcast
// password; it never passes on a line with CR, LF or a bad protocol.
func FuzzFirstLine(f *testing.F) {
	for _, s := range []string{
		"GET /live HTTP/1.0\r\n", "SOURCE /live ICE/1.0\n", "PUT /a HTTP/1.1\r\n",
		"GET /admin.cgi?song=a b c&pass=x HTTP/1.0\n", "s3cret\n", "dj:pw:#2\r\n",
		"\x5a\x00\x01", "GET  HTTP/1.1\r\n", "OPTIONS * HTTP/1.1\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		kind, fixed := classifyFirstLine(line)
		if kind != lineHTTP {
			return
		}
		if strings.ContainsAny(fixed, "\r\n") || strings.Count(fixed, " ") != 2 {
			t.Fatalf("bad rewritten line %q", fixed)
		}
		req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(fixed + "\r\nHost: x\r\n\r\n")))
		if err == nil && req.ProtoMajor != 1 {
			t.Fatalf("protocol %q passed on", req.Proto)
		}
	})
}

// FuzzShoutcastHandshake: the password line and the icy-* header block of
// a SHOUTcast v1 source never panic, stay bounded, and every header value
// that reaches listeners is one clean line.
func FuzzShoutcastHandshake(f *testing.F) {
	f.Add("pw\n", "icy-name:Rock\nicy-br:128\ncontent-type:audio/mpeg\n\n")
	f.Add("dj:pw:#3\r\n", "icy-name:\x93Q\x94\r\nicy-genre:a\r\nicy-pub:1\r\n\r\n")
	f.Add("!POKE\n", "icy-url:http://x\ricy-evil: 1\n\n")
	f.Fuzz(func(t *testing.T, line, headers string) {
		login := parseShoutcastLogin(line)
		if login.sid < 1 {
			t.Fatalf("sid %d", login.sid)
		}
		h, err := readShoutcastHeaders(bufio.NewReaderSize(strings.NewReader(headers), maxRequestLine))
		if err != nil {
			return
		}
		if len(h) > 100 {
			t.Fatalf("%d headers", len(h))
		}
		info := infoFromHeaders(func(k string) string { return h[k] }, "audio/mpeg", h["user-agent"])
		for _, v := range []string{info.Name, info.Genre, info.URL, info.Description, info.AudioInfo, info.UserAgent} {
			checkHeaderValue(t, v)
		}
	})
}

// FuzzSourceHeaders: any Icecast source header value is made safe to
// repeat in listeners' responses.
func FuzzSourceHeaders(f *testing.F) {
	f.Add("Test FM", "audio/mpeg", "/live")
	f.Add("a\r\nSet-Cookie: x", "audio/aacp; charset=x", "/../etc")
	f.Add(strings.Repeat("é", 300), "application/ogg", "/a b")
	f.Fuzz(func(t *testing.T, value, contentType, mount string) {
		checkHeaderValue(t, headerText(value))
		if _, ct, err := codecFor(contentType); err == nil && strings.ContainsAny(ct, "\r\n") {
			t.Fatalf("content type %q", ct)
		}
		if validMountPath(mount) && (strings.ContainsAny(mount, " \r\n?#%") || strings.Contains(mount, "..")) {
			t.Fatalf("mount %q accepted", mount)
		}
	})
}

func checkHeaderValue(t *testing.T, v string) {
	t.Helper()
	if len(v) > 256 || !utf8.ValidString(v) {
		t.Fatalf("header value %q: too long or not UTF-8", v)
	}
	for _, r := range v {
		if r < 0x20 || r == 0x7f {
			t.Fatalf("control character in header value %q", v)
		}
	}
}
