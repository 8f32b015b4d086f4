package broadcast

import (
	"bufio"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"onair/icy"
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

// FuzzStatusEscaping: whatever a source names its stream and whatever
// title it sends, every status format stays well-formed and carries the
// text intact (as cleaned for ICY).
func FuzzStatusEscaping(f *testing.F) {
	f.Add("Test FM", "Artist - Title", "/live")
	f.Add("<b>&amp;</b>", "\"quoted\" ';, comma</body>", "/a&b")
	f.Add("\x93Win\x94", "\x00\x01ctl", "/x")
	f.Fuzz(func(t *testing.T, name, title, mount string) {
		if !validMountPath(mount) {
			mount = "/live"
		}
		s := New(Options{ServerID: "OnAir fuzz", ShoutcastMount: mount, DefaultMount: mount,
			Mounts: []MountConfig{{Path: mount}}, Auth: testAuth{}})
		m := s.Mount(mount)
		m.SetInfo(infoFromHeaders(func(k string) string {
			if k == "ice-name" {
				return name
			}
			return ""
		}, "audio/mpeg", ""))
		m.source = &sourceConn{}
		m.SetTitle(icy.DecodeText([]byte(title)), "", time.Unix(0, 0))
		want := m.Title().Title

		rec := httptest.NewRecorder()
		s.handleStats(rec, httptest.NewRequest("GET", "/stats?sid=1", nil))
		var st shoutcastStats
		if err := xml.Unmarshal(rec.Body.Bytes(), &st); err != nil || st.SongTitle != strings.TrimSpace(want) && st.SongTitle != want {
			t.Fatalf("stats XML: %v, title %q want %q\n%s", err, st.SongTitle, want, rec.Body.String())
		}
		rec = httptest.NewRecorder()
		s.handleStatusJSON(rec, httptest.NewRequest("GET", "/status-json.xsl", nil))
		var js struct {
			Icestats struct {
				Source []icecastSource `json:"source"`
			} `json:"icestats"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &js); err != nil || len(js.Icestats.Source) != 1 || js.Icestats.Source[0].Title != want {
			t.Fatalf("status-json: %v %s", err, rec.Body.String())
		}
		rec = httptest.NewRecorder()
		s.handle7HTML(rec, httptest.NewRequest("GET", "/7.html", nil))
		body := rec.Body.String()
		if !strings.HasPrefix(body, "<html><body>") || strings.Count(body, "<") != 4 {
			t.Fatalf("7.html broken by %q: %s", title, body)
		}
		rec = httptest.NewRecorder()
		s.handleAdminStats(rec, httptest.NewRequest("GET", "/admin/stats", nil))
		var ic xmlIcestats
		if err := xml.Unmarshal(rec.Body.Bytes(), &ic); err != nil || len(ic.Source) != 1 || ic.Source[0].ServerName != m.Info().Name {
			t.Fatalf("admin stats: %v\n%s", err, rec.Body.String())
		}
	})
}

// FuzzAdminQuery: title updates with any query string never panic and
// leave a clean title.
func FuzzAdminQuery(f *testing.F) {
	f.Add("mode=updinfo&song=Beyonc%E9&pass=s3cret")
	f.Add("mode=updinfo&artist=A&title=B&charset=ISO-8859-1&mount=%2flive")
	f.Add("pass=dj%3As3cret%3A%232&sid=2&song=%00%0d%0a")
	f.Fuzz(func(t *testing.T, query string) {
		q, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		song := songFrom(q)
		if !utf8.ValidString(song) {
			t.Fatalf("song %q not UTF-8", song)
		}
		_ = parseShoutcastLogin(q.Get("pass"))
		md := newMetadata(song, queryText(q, "url"), time.Unix(0, 0))
		if strings.ContainsAny(md.Title, "\x00\r\n") || strings.Contains(md.Title, "';") {
			t.Fatalf("title %q", md.Title)
		}
	})
}
