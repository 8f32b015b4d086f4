package broadcast

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// pageRecorder stands in for the public station page: it answers every
// request it gets with a marker and remembers the paths.
type pageRecorder struct {
	mu    sync.Mutex
	paths []string
}

func (p *pageRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.paths = append(p.paths, r.URL.Path)
	p.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	io.WriteString(w, "the public page")
}

func (p *pageRecorder) seen() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.paths...)
}

// TestPublicPageAtRoot: with a public page set, a browser navigating to
// "/" (or "/;") gets it, as do "/embed" and its files under /public/,
// while players and <audio> elements at "/" still get the stream and a
// mount named like a page still plays; without one, "/" is the plain
// status page. /api/nowplaying carries the stream's name and description
// for the page.
func TestPublicPageAtRoot(t *testing.T) {
	page := &pageRecorder{}
	ts := startServer(t, func(o *Options) { o.Page = page })
	base := "http://" + ts.http
	src := startIcecastSource(t, ts, "/stream", "ice-name: Tone <FM>\r\nice-description: Sines & more\r\n")
	src.send(t, 60)
	waitOnAir(t, ts, "/stream")

	for _, c := range []struct {
		path string
		hdr  []string
		page string // the path the page handler saw; "" = not the page
	}{
		{"/", []string{"Sec-Fetch-Dest", "document"}, "/"},
		{"/", []string{"Accept", "text/html,application/xhtml+xml"}, "/"},
		{"/;", []string{"Sec-Fetch-Dest", "document"}, "/"},
		{"/embed", []string{"Sec-Fetch-Dest", "iframe"}, "/embed"},
		{"/embed?station=main", nil, "/embed"},
		{"/public/public.js", []string{"Sec-Fetch-Dest", "script"}, "/public/public.js"},
		{"/", []string{"Sec-Fetch-Dest", "audio"}, ""},
		{"/", nil, ""},
		{"/stream", []string{"Sec-Fetch-Dest", "document"}, ""},
	} {
		before := len(page.seen())
		resp, body := httpGetAudio(t, base+c.path, c.hdr...)
		seen := page.seen()[before:]
		if c.page != "" {
			if resp.StatusCode != 200 || body != "the public page" || len(seen) != 1 || seen[0] != c.page {
				t.Errorf("GET %s %v: %d %.80q, page saw %v; want the page at %s", c.path, c.hdr, resp.StatusCode, body, seen, c.page)
			}
			continue
		}
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "audio/mpeg" || len(seen) != 0 || len(body) == 0 {
			t.Errorf("GET %s %v: %d %s with %d bytes, page saw %v; want the stream", c.path, c.hdr,
				resp.StatusCode, resp.Header.Get("Content-Type"), len(body), seen)
		}
	}

	// A raw player, as Winamp asks.
	l := listen(t, ts, "/", false)
	if !strings.Contains(l.status, "200") || l.headers["content-type"] != "audio/mpeg" {
		t.Errorf("a player at /: %q %v", l.status, l.headers)
	}
	l.conn.Close()

	// A mount of a page's name is a mount first.
	embed := startIcecastSource(t, ts, "/embed", "")
	embed.send(t, 60)
	waitOnAir(t, ts, "/embed")
	if resp, body := httpGetAudio(t, base+"/embed", "Sec-Fetch-Dest", "document"); resp.Header.Get("Content-Type") != "audio/mpeg" || len(body) == 0 {
		t.Errorf("GET /embed with a mount /embed: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}

	var nps []NowPlaying
	_, body := httpGet(t, base+"/api/nowplaying")
	if err := json.Unmarshal([]byte(body), &nps); err != nil {
		t.Fatalf("/api/nowplaying: %v in %s", err, body)
	}
	found := false
	for _, np := range nps {
		if np.Mount == "/stream" {
			found = true
			if np.Name != "Tone <FM>" || np.Description != "Sines & more" {
				t.Errorf("/api/nowplaying for /stream: name %q, description %q", np.Name, np.Description)
			}
		}
	}
	if !found || !strings.Contains(body, `"name":`) || !strings.Contains(body, `"description":`) {
		t.Errorf("/api/nowplaying: %s", body)
	}
}

// TestStatusPageWithoutPublicPage: a server with no public page (only
// passthrough mounts) keeps the plain status page at "/", and "/embed" is
// not found.
func TestStatusPageWithoutPublicPage(t *testing.T) {
	ts := startServer(t, nil)
	base := "http://" + ts.http
	src := startIcecastSource(t, ts, "/stream", "ice-name: Plain FM\r\n")
	src.send(t, 60)
	waitOnAir(t, ts, "/stream")
	resp, body := httpGet(t, base+"/", "Sec-Fetch-Dest", "document")
	if resp.StatusCode != 200 || !strings.Contains(body, `data-mount="/stream"`) || !strings.Contains(body, "Plain FM") {
		t.Errorf("/ in a browser: %d %.200q", resp.StatusCode, body)
	}
	for _, p := range []string{"/embed", "/public/public.js"} {
		if resp, _ := httpGet(t, base+p, "Sec-Fetch-Dest", "document"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s without a public page: %d", p, resp.StatusCode)
		}
	}
}

// httpGetAudio is httpGet for URLs that may stream without end: it reads
// at most a few kilobytes.
func httpGetAudio(t *testing.T, url string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp, string(b)
}
