package broadcast

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"onair/codec/adts"
	"onair/internal/testenv"
)

// hlsServer is a test server cutting 2 s segments, 3 to a playlist.
func hlsServer(t *testing.T) *testServer { return hlsServerCutting(t, 2*time.Second) }

// hlsServerCutting is a test server cutting segments of d, 3 to a
// playlist.
func hlsServerCutting(t *testing.T, d time.Duration) *testServer {
	return startServer(t, func(o *Options) {
		o.Defaults.HLSSegment, o.Defaults.HLSSegments = d, 3
	})
}

// segmentURLs returns the URIs a playlist lists.
func segmentURLs(body string) []string {
	var out []string
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, "/hls/") {
			out = append(out, line)
		}
	}
	return out
}

func TestHLSPlaylistAndSegments(t *testing.T) {
	ts := hlsServer(t)
	src := startIcecastSource(t, ts, "/stream", "")
	ts.Mount("/stream").SetTitle("Ünïcode – Song", "", time.Now())
	// 77 frames of 1152 samples at 44.1 kHz make a 2 s segment; one
	// more frame lets the splitter hand over the last of them.
	src.send(t, 77*2+1)
	base := "http://" + ts.http
	var body string
	testenv.WaitFor(t, "two segments", func() bool {
		resp, b := httpGet(t, base+"/stream.m3u8")
		body = b
		return resp.StatusCode == http.StatusOK && len(segmentURLs(b)) == 2
	})
	resp, _ := httpGet(t, base+"/stream.m3u8", "User-Agent", "hls.js test")
	if ct := resp.Header.Get("Content-Type"); ct != "application/vnd.apple.mpegurl" {
		t.Errorf("playlist Content-Type %q", ct)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "public, max-age=1" {
		t.Errorf("playlist Cache-Control %q", cc)
	}
	if o := resp.Header.Get("Access-Control-Allow-Origin"); o != "*" {
		t.Errorf("playlist CORS %q", o)
	}
	for _, tag := range []string{"#EXTM3U\n", "#EXT-X-VERSION:3\n", "#EXT-X-TARGETDURATION:2\n", "#EXT-X-MEDIA-SEQUENCE:0\n",
		"#EXT-X-PROGRAM-DATE-TIME:", "#EXTINF:2.01143,\n"} {
		if !strings.Contains(body, tag) {
			t.Errorf("playlist lacks %q:\n%s", tag, body)
		}
	}
	etag := resp.Header.Get("ETag")
	if r304, _ := httpGet(t, base+"/stream.m3u8", "If-None-Match", etag); etag == "" || r304.StatusCode != http.StatusNotModified {
		t.Errorf("ETag %q: If-None-Match got %d", etag, r304.StatusCode)
	}

	urls := segmentURLs(body)
	seg, data := httpGet(t, base+urls[1])
	if seg.StatusCode != http.StatusOK || seg.Header.Get("Content-Type") != "audio/mpeg" ||
		seg.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" || seg.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("segment: %d %v", seg.StatusCode, seg.Header)
	}
	// The ID3 tag, then frames 77 to 153 whole.
	i := bytes.Index([]byte(data), []byte{0xFF, 0xFB, 0x90, 0x64})
	if !strings.HasPrefix(data, "ID3\x04") || i < 0 || (len(data)-i) != 77*417 || frameNumber([]byte(data[i:])) != 77 {
		t.Fatalf("segment of %d bytes, frames from %d", len(data), i)
	}
	if !strings.Contains(data[:i], "TIT2") || !strings.Contains(data[:i], "\x03Ünïcode – Song\x00") {
		t.Errorf("segment tag %q lacks the title", data[:i])
	}
	part, pdata := httpGet(t, base+urls[1], "Range", "bytes=0-3")
	if part.StatusCode != http.StatusPartialContent || pdata != "ID3\x04" {
		t.Fatalf("range: %d %q", part.StatusCode, pdata)
	}
	if miss, _ := httpGet(t, base+strings.Replace(urls[1], "-1.mp3", "-7.mp3", 1)); miss.StatusCode != http.StatusNotFound {
		t.Errorf("a segment not cut yet: %d", miss.StatusCode)
	}

	// Counted apart: the distinct (address, User-Agent) pairs.
	if n, l := ts.Mount("/stream").HLSListeners(), ts.Mount("/stream").Listeners(); n != 2 || l != 0 {
		t.Errorf("HLS listeners %d, stream listeners %d", n, l)
	}
	_, status := httpGet(t, base+"/status-json.xsl")
	var st struct {
		Icestats struct {
			Source []struct {
				HLSListeners int `json:"hls_listeners"`
			} `json:"source"`
		} `json:"icestats"`
	}
	if err := json.Unmarshal([]byte(status), &st); err != nil || len(st.Icestats.Source) != 1 || st.Icestats.Source[0].HLSListeners != 2 {
		t.Errorf("status-json: %v %s", err, status)
	}
	if _, page := httpGet(t, base+"/", "Accept", "text/html"); !strings.Contains(page, "0 listening, 2 on HLS") ||
		!strings.Contains(page, `<a href="/stream.m3u8">HLS</a>`) {
		t.Errorf("status page:\n%s", page)
	}
	_, metrics := httpGet(t, base+"/metrics", "Authorization", "Basic "+basic("admin", testAdminPass))
	if !strings.Contains(metrics, `onair_hls_listeners{mount="/stream"} 2`) {
		t.Errorf("metrics lack the HLS listeners:\n%s", metrics)
	}
}

func TestHLSExpiryAndDiscontinuity(t *testing.T) {
	ts := hlsServer(t)
	base := "http://" + ts.http
	src := startIcecastSource(t, ts, "/stream", "")
	src.send(t, 77*2+1)
	var first []string
	testenv.WaitFor(t, "two segments", func() bool {
		_, b := httpGet(t, base+"/stream.m3u8")
		first = segmentURLs(b)
		return len(first) == 2
	})
	// A reconnect: the source's last frame makes a short segment 2,
	// and segment 3 follows a discontinuity.
	src.conn.Close()
	testenv.WaitFor(t, "the source to leave", func() bool { return !ts.Mount("/stream").OnAir() })
	src = startIcecastSource(t, ts, "/stream", "")
	src.send(t, 77+1)
	var body string
	testenv.WaitFor(t, "segment 3", func() bool {
		_, body = httpGet(t, base+"/stream.m3u8")
		return strings.Contains(body, "-3.mp3")
	})
	if !strings.Contains(body, "#EXT-X-MEDIA-SEQUENCE:1\n") || !strings.Contains(body, "-2.mp3\n#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:") ||
		strings.Contains(body, "#EXT-X-DISCONTINUITY-SEQUENCE") {
		t.Fatalf("playlist after a reconnect:\n%s", body)
	}
	seg3 := segmentURLs(body)[2]
	src.send(t, 77*3)
	testenv.WaitFor(t, "segment 6", func() bool {
		_, body = httpGet(t, base+"/stream.m3u8")
		return strings.Contains(body, "-6.mp3")
	})
	if !strings.Contains(body, "#EXT-X-MEDIA-SEQUENCE:4\n#EXT-X-DISCONTINUITY-SEQUENCE:1\n") || strings.Contains(body, "#EXT-X-DISCONTINUITY\n") {
		t.Fatalf("playlist:\n%s", body)
	}
	// Segment 1 left the list when 4 was cut: two segment times later it
	// is gone. Segment 3 left it when 6 was cut and is still there.
	for url, want := range map[string]int{first[0]: http.StatusNotFound, first[1]: http.StatusNotFound, seg3: http.StatusOK} {
		if resp, _ := httpGet(t, base+url); resp.StatusCode != want {
			t.Errorf("%s: %d, want %d", url, resp.StatusCode, want)
		}
	}
	// The source leaves for good: once its grace is over, the stream has
	// ended for HLS players too.
	src.conn.Close()
	testenv.WaitFor(t, "the playlist to go", func() bool {
		resp, _ := httpGet(t, base+"/stream.m3u8")
		return resp.StatusCode == http.StatusNotFound
	})
	if resp, _ := httpGet(t, base+"/nosuch.m3u8"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown mount's playlist: %d", resp.StatusCode)
	}
}

func TestHLSAAC(t *testing.T) {
	ts := hlsServer(t)
	c := dial(t, ts.http)
	req := "SOURCE /aac HTTP/1.0\r\nAuthorization: Basic " + basic("source", testSourcePass) + "\r\nContent-Type: audio/aac\r\n\r\n"
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	// 48 kHz, 1024 samples a frame: 94 frames make 2 s.
	h := adts.Header{Profile: 1, SampleRateIndex: 3, ChannelConfig: 2, Length: 300, BufferFullness: 0x7FF, RawBlocks: 1}
	frame, err := h.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	frame = append(frame, make([]byte, 300-len(frame))...)
	if _, err := c.Write(bytes.Repeat(frame, 95)); err != nil {
		t.Fatal(err)
	}
	var body string
	testenv.WaitFor(t, "an AAC segment", func() bool {
		_, body = httpGet(t, "http://"+ts.http+"/aac.m3u8")
		return len(segmentURLs(body)) == 1
	})
	resp, data := httpGet(t, "http://"+ts.http+segmentURLs(body)[0])
	if !strings.HasSuffix(segmentURLs(body)[0], ".aac") || resp.Header.Get("Content-Type") != "audio/aac" ||
		!strings.HasPrefix(data, "ID3") || !strings.HasSuffix(data, string(frame)) || !strings.Contains(body, "#EXTINF:2.00533,") {
		t.Fatalf("AAC segment %q (%s), playlist:\n%s", segmentURLs(body)[0], resp.Header.Get("Content-Type"), body)
	}
}

func TestHLSPathsAreNoMounts(t *testing.T) {
	for _, p := range []string{"/stream.m3u8", "/hls", "/hls/stream/x-1.mp3"} {
		if validMountPath(p) {
			t.Errorf("a source may make the mount %q, which HLS serves", p)
		}
	}
}

// TestHLSStationOutput feeds a mount as a station's encoder does, through
// Publish and WriteFrame, and finds it on HLS with its title.
func TestHLSStationOutput(t *testing.T) {
	ts := hlsServer(t)
	m, release, err := ts.Publish("/stream", StreamInfo{ContentType: "audio/mpeg", SampleRate: 44100, Channels: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	now := time.Now()
	m.SetTitle("Artist - Song", "", now)
	for n := range 77 * 2 {
		m.WriteFrame(mp3Frame(n), now)
	}
	_, body := httpGet(t, "http://"+ts.http+"/stream.m3u8")
	urls := segmentURLs(body)
	if len(urls) != 2 {
		t.Fatalf("playlist:\n%s", body)
	}
	_, data := httpGet(t, "http://"+ts.http+urls[0])
	if !strings.Contains(data, "Artist - Song") || !strings.HasSuffix(data, string(mp3Frame(76))) {
		t.Fatalf("segment of %d bytes without the title or frame 76 last", len(data))
	}
}
