package broadcast

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"onair/internal/leakcheck"
	"onair/internal/testenv"
)

func TestIcecastSourceToListenerWithTitles(t *testing.T) {
	ts := startServer(t, nil)
	src := startIcecastSource(t, ts, "/live", "ice-name: Test FM\r\nice-genre: Jazz\r\nice-bitrate: 128\r\nice-public: 1\r\n")
	src.send(t, 200) // about 83 KiB: more than a burst
	testenv.WaitFor(t, "frames in", func() bool { return ts.Mount("/live").head.Load() >= 19 })

	l := listen(t, ts, "/live", true)
	if l.status != "HTTP/1.0 200 OK" {
		t.Fatalf("status %q", l.status)
	}
	for k, want := range map[string]string{
		"content-type": "audio/mpeg", "icy-name": "Test FM", "icy-genre": "Jazz", "icy-br": "128",
		"icy-pub": "1", "icy-metaint": "16000", "access-control-allow-origin": "*",
		"cache-control": "no-cache, no-store",
	} {
		if got := l.headers[k]; got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
	if _, ok := l.headers["content-length"]; ok {
		t.Error("a stream must not carry Content-Length")
	}
	// The burst starts on a frame boundary and is about 64 KiB.
	nums := l.readFrames(t, 150)
	first := nums[0]
	if burst := (190 - first) * 417; burst < 60<<10 || burst > 80<<10 {
		t.Errorf("burst of %d bytes, want about 64 KiB", burst)
	}
	for i, n := range nums {
		if n != first+i {
			t.Fatalf("frame %d is number %d, want %d", i, n, first+i)
		}
	}
	// A title set now reaches this listener at the position where it
	// arrived: after all frames sent so far.
	setTitle(t, ts, "/live", "Ærtist - Song ';drop")
	src.send(t, 100)
	markAt := src.next - 100
	var after []int
	for len(l.titles) == 0 {
		after = append(after, l.readFrames(t, 1)...)
	}
	if got := l.titles[0]; !strings.HasPrefix(got, "Ærtist - Song") || strings.Contains(got, "';") {
		t.Errorf("title %q", got)
	}
	lastBefore := nums[len(nums)-1]
	if len(after) > 0 {
		lastBefore = after[len(after)-1]
	}
	// The block came before the first frame at or after the mark, and no
	// earlier than one metaint before it.
	if lastBefore+1 < markAt || (lastBefore+1-markAt)*417 > 16000+417 {
		t.Errorf("title arrived after frame %d; it was set at frame %d", lastBefore, markAt)
	}
}

func setTitle(t *testing.T, ts *testServer, mount, song string) {
	t.Helper()
	u := "http://" + ts.http + "/admin/metadata?mode=updinfo&mount=" + url.QueryEscape(mount) + "&song=" + url.QueryEscape(song)
	req, _ := http.NewRequest("GET", u, nil)
	req.SetBasicAuth("source", testSourcePass)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "<return>1</return>") {
		t.Fatalf("metadata update: %d %s", resp.StatusCode, b)
	}
}

func TestSourceRequestForms(t *testing.T) {
	cases := []struct {
		name    string
		request string
		chunked bool
		want    string // first response line
	}{
		{"SOURCE HTTP/1.0", "SOURCE /a HTTP/1.0\r\nAuthorization: Basic %s\r\nContent-Type: audio/mpeg\r\n\r\n", false, "HTTP/1.0 200 OK"},
		{"SOURCE ICE/1.0 LF only", "SOURCE /b ICE/1.0\nAuthorization: Basic %s\ncontent-type: audio/mpeg\nice-name: x\n\n", false, "HTTP/1.0 200 OK"},
		{"PUT expect chunked", "PUT /c HTTP/1.1\r\nHost: x\r\nAuthorization: Basic %s\r\nContent-Type: audio/mpeg\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n", true, "HTTP/1.1 100 Continue"},
		{"PUT plain", "PUT /d HTTP/1.1\r\nHost: x\r\nAuthorization: Basic %s\r\nContent-Type: audio/mpeg\r\n\r\n", false, "HTTP/1.0 200 OK"},
	}
	ts := startServer(t, nil)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, ts.http)
			fmt.Fprintf(c, tc.request, basic("source", testSourcePass))
			br := bufio.NewReader(c)
			line, err := br.ReadString('\n')
			if err != nil || strings.TrimRight(line, "\r\n") != tc.want {
				t.Fatalf("got %q, %v; want %q", line, err, tc.want)
			}
			mount := strings.Fields(tc.request)[1]
			for i := range 120 {
				f := mp3Frame(i)
				if tc.chunked {
					fmt.Fprintf(c, "%x\r\n%s\r\n", len(f), f)
				} else {
					c.Write(f)
				}
			}
			testenv.WaitFor(t, "mount on air", func() bool { m := ts.Mount(mount); return m != nil && m.HasAudio() })
			l := listen(t, ts, mount, false)
			nums := l.readFrames(t, 20)
			for i := 1; i < len(nums); i++ {
				if nums[i] != nums[i-1]+1 {
					t.Fatalf("frames out of order: %v", nums)
				}
			}
		})
	}
}

func TestSourceRefusals(t *testing.T) {
	ts := startServer(t, func(o *Options) { o.AllowUnlisted = false })
	statusOf := func(req string) string {
		c := dial(t, ts.http)
		io.WriteString(c, req)
		line, _ := bufio.NewReader(c).ReadString('\n')
		return strings.TrimRight(line, "\r\n")
	}
	good := basic("source", testSourcePass)
	if got := statusOf("SOURCE /live HTTP/1.0\r\nContent-Length: 0\r\n\r\n"); !strings.Contains(got, "401") {
		t.Errorf("no credentials: %q, want 401 (libshout's probe)", got)
	}
	if got := statusOf("SOURCE /live HTTP/1.0\r\nAuthorization: Basic " + basic("source", "wrong") + "\r\n\r\n"); !strings.Contains(got, "401") {
		t.Errorf("wrong password: %q", got)
	}
	if got := statusOf("SOURCE /unlisted HTTP/1.0\r\nAuthorization: Basic " + good + "\r\n\r\n"); !strings.Contains(got, "403") {
		t.Errorf("unlisted mount: %q", got)
	}
	if got := statusOf("SOURCE /live HTTP/1.0\r\nAuthorization: Basic " + good + "\r\nContent-Type: video/mp4\r\n\r\n"); !strings.Contains(got, "415") {
		t.Errorf("mp4: %q", got)
	}
	startIcecastSource(t, ts, "/live", "")
	if got := statusOf("SOURCE /live HTTP/1.0\r\nAuthorization: Basic " + good + "\r\nContent-Type: audio/mpeg\r\n\r\n"); !strings.Contains(got, "403") {
		t.Errorf("busy mount: %q, want 403", got)
	}
}

func TestSourceIdleTimeoutKeepsListenersThroughReconnect(t *testing.T) {
	ts := startServer(t, func(o *Options) {
		o.SourceTimeout = 300 * time.Millisecond
		o.Defaults.Grace = 3 * time.Second
	})
	src := startIcecastSource(t, ts, "/live", "")
	src.send(t, 50)
	l := listen(t, ts, "/live", true)
	l.readFrames(t, 40)
	m := ts.Mount("/live")
	testenv.WaitFor(t, "idle source dropped", func() bool { return !m.OnAir() })
	// A new source takes over; the listener carries on with intact framing.
	src2 := startIcecastSource(t, ts, "/live", "")
	src2.next = 1000
	src2.send(t, 50)
	nums := l.readFrames(t, 45)
	if nums[len(nums)-1] < 1000 {
		t.Fatalf("listener did not get the new source's frames: %v", nums)
	}
}

func TestShoutcastV1Source(t *testing.T) {
	for _, viaHTTPPort := range []bool{false, true} {
		t.Run(fmt.Sprintf("http_port=%v", viaHTTPPort), func(t *testing.T) {
			ts := startServer(t, nil)
			addr := ts.shoutcast
			if viaHTTPPort {
				addr = ts.http
			}
			// Wrong password, and libshout's probe.
			for _, pw := range []string{"nope", "!POKE"} {
				c := dial(t, addr)
				io.WriteString(c, pw+"\n")
				line, _ := bufio.NewReader(c).ReadString('\n')
				if line != "invalid password\r\n" {
					t.Errorf("password %q: got %q", pw, line)
				}
			}
			c := dial(t, addr)
			io.WriteString(c, "dj:"+testSourcePass+"\n")
			reply := make([]byte, len("OK2\r\nicy-caps:11\r\n\r\n"))
			if _, err := io.ReadFull(c, reply); err != nil || string(reply) != "OK2\r\nicy-caps:11\r\n\r\n" {
				t.Fatalf("reply %q, %v", reply, err)
			}
			io.WriteString(c, "content-type:audio/mpeg\nicy-name:Winamp \x93DJ\x94\nicy-br:128\nicy-pub:0\n\n")
			src := &sourceClient{conn: c}
			src.send(t, 100)
			testenv.WaitFor(t, "audio", func() bool { return ts.Mount("/live").HasAudio() })
			l := listen(t, ts, "/live", true)
			if got := l.headers["icy-name"]; got != "Winamp “DJ”" {
				t.Errorf("icy-name %q: Windows-1252 not decoded", got)
			}
			// SHOUTcast titles come through admin.cgi, Windows-1252 encoded.
			resp, body := httpGet(t, "http://"+ts.http+"/admin.cgi?pass="+testSourcePass+"&mode=updinfo&song=Beyonc%E9+-+Halo")
			if resp.StatusCode != 200 {
				t.Fatalf("admin.cgi: %d %s", resp.StatusCode, body)
			}
			src.send(t, 100)
			for len(l.titles) == 0 {
				l.readFrames(t, 1)
			}
			if l.titles[0] != "Beyoncé - Halo" {
				t.Errorf("title %q", l.titles[0])
			}
		})
	}
}

func TestShoutcastV2IsClosedAtOnce(t *testing.T) {
	ts := startServer(t, nil)
	c := dial(t, ts.http)
	c.Write([]byte{0x5A, 0x00, 0x10, 0x01, 0x00, 0x00})
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, err := c.Read(make([]byte, 16))
	if n != 0 || err == nil {
		t.Fatalf("want the connection closed, got %d bytes, %v", n, err)
	}
}

func TestListenerProbesAndPages(t *testing.T) {
	ts := startServer(t, nil)
	if resp, _ := httpGet(t, "http://"+ts.http+"/live"); resp.StatusCode != 404 {
		t.Errorf("off-air mount: %d, want 404", resp.StatusCode)
	}
	src := startIcecastSource(t, ts, "/stream", "ice-name: Main\r\n")
	src.send(t, 100)
	testenv.WaitFor(t, "audio", func() bool { return ts.Mount("/stream").HasAudio() })
	base := "http://" + ts.http

	// HEAD: headers only, not a listener.
	req, _ := http.NewRequest("HEAD", base+"/stream", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "audio/mpeg" {
		t.Fatalf("HEAD: %v %v", resp, err)
	}
	resp.Body.Close()

	// Safari's probe gets two bytes and is not counted.
	resp, body := httpGet(t, base+"/stream", "Range", "bytes=0-1")
	if resp.StatusCode != 206 || len(body) != 2 || body[0] != '\xff' {
		t.Fatalf("range probe: %d %q", resp.StatusCode, body)
	}
	if n := ts.Listeners(); n != 0 {
		t.Errorf("%d listeners counted after HEAD and a probe", n)
	}

	// "/" is the page for a browser navigating, the stream for a player.
	resp, body = httpGet(t, base+"/", "Accept", "text/html,application/xhtml+xml", "Sec-Fetch-Dest", "document")
	if !strings.Contains(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, "/stream") {
		t.Errorf("status page: %s %q", resp.Header.Get("Content-Type"), body)
	}
	for _, p := range []string{"/", "/;", "/;stream.mp3"} {
		l := listen(t, ts, p, false)
		if l.headers["icy-name"] != "Main" {
			t.Errorf("%s did not play the default mount: %v", p, l.headers)
		}
		l.readFrames(t, 3)
		l.conn.Close()
	}

	// status-json.xsl: icestats.source is always an array.
	_, body = httpGet(t, base+"/status-json.xsl")
	if !strings.Contains(body, `"source":[{`) || !strings.Contains(body, `"listenurl":"http://`+ts.http+`/stream"`) {
		t.Errorf("status-json: %s", body)
	}
}

func TestAdminRoutesNeedCredentials(t *testing.T) {
	ts := startServer(t, nil)
	resp, _ := httpGet(t, "http://"+ts.http+"/admin/stats")
	if resp.StatusCode != 401 {
		t.Errorf("/admin/stats without credentials: %d", resp.StatusCode)
	}
	resp, _ = httpGet(t, "http://"+ts.http+"/api/nowplaying")
	if resp.StatusCode != 200 {
		t.Errorf("/api/nowplaying is public: %d", resp.StatusCode)
	}
}

func TestNoGoroutineLeakWhenListenersLeave(t *testing.T) {
	ts := startServer(t, nil)
	src := startIcecastSource(t, ts, "/live", "")
	src.send(t, 100)
	before := leakcheck.Take()
	var ls []*icyListener
	for range 20 {
		l := listen(t, ts, "/live", true)
		l.readFrames(t, 5)
		ls = append(ls, l)
	}
	testenv.WaitFor(t, "20 listeners", func() bool { return ts.Listeners() == 20 })
	for _, l := range ls {
		l.conn.Close()
	}
	// Writes to closed sockets fail as the source goes on.
	for range 100 {
		src.send(t, 5)
		if ts.Listeners() == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	testenv.WaitFor(t, "listeners gone", func() bool { return ts.Listeners() == 0 })
	if left := before.Leaked(leakcheck.Limit); left != nil {
		t.Errorf("%d goroutines outlived the listeners:\n\n%s", len(left), strings.Join(left, "\n\n"))
	}
}

func TestHostileTitlesNeverBreakFraming(t *testing.T) {
	ts := startServer(t, nil)
	src := startIcecastSource(t, ts, "/live", "")
	src.send(t, 50)
	l := listen(t, ts, "/live", true)
	l.readFrames(t, 30)
	titles := []string{
		`He said "hi" and 'bye'`,
		"Rock';DROP TABLE--",
		strings.Repeat("long title ", 1000), // 11 KB
		"ctl\x00\x01\r\nbytes\x7f",
		"tail quote'",
	}
	for _, title := range titles {
		setTitle(t, ts, "/live", title)
		seen := len(l.titles)
		for range 400 {
			// The listener reads a little less than is sent, so it never
			// waits on a chunk the mount has not published yet.
			src.send(t, 10)
			l.readFrames(t, 8)
			if len(l.titles) > seen {
				break
			}
		}
		if len(l.titles) == seen {
			t.Fatalf("title %.30q never arrived", title)
		}
		got := l.titles[len(l.titles)-1]
		if strings.ContainsAny(got, "\x00\r\n\x7f") || strings.Contains(got, "';") || len(got) > 4080 {
			t.Errorf("title %.30q arrived as %.60q", title, got)
		}
		if !utf8Valid(got) {
			t.Errorf("title %q is not UTF-8", got)
		}
	}
	// The frames that follow still start on headers: framing intact.
	src.send(t, 20)
	l.readFrames(t, 20)
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

func TestOversizedHeadersRefused(t *testing.T) {
	ts := startServer(t, nil)
	c := dial(t, ts.http)
	io.WriteString(c, "GET /live HTTP/1.0\r\nX-Big: "+strings.Repeat("a", 9<<10)+"\r\n\r\n")
	line, _ := bufio.NewReader(c).ReadString('\n')
	if !strings.Contains(line, "431") {
		t.Errorf("9 KiB of headers: %q, want 431", line)
	}
}

func TestSourceGarbageAndMidFrameDisconnect(t *testing.T) {
	ts := startServer(t, func(o *Options) { o.Defaults.Grace = 5 * time.Second })
	src := startIcecastSource(t, ts, "/live", "")
	src.send(t, 30)
	// Junk between frames, as a broken encoder or an ID3 tag would send.
	src.conn.Write([]byte("ID3\x04\x00\x00\x00\x00\x00\x0ajunkjunkjunk"))
	src.conn.Write([]byte("garbage that is not audio \xff\xfe\x00"))
	src.send(t, 30)
	l := listen(t, ts, "/live", true)
	// Half a frame, then the source vanishes.
	half := mp3Frame(src.next)
	src.conn.Write(half[:200])
	src.conn.Close()
	testenv.WaitFor(t, "source gone", func() bool { return !ts.Mount("/live").OnAir() })
	src2 := startIcecastSource(t, ts, "/live", "")
	src2.next = 500
	src2.send(t, 40)
	nums := l.readFrames(t, 85)
	prev := -1
	for _, n := range nums {
		if n < 0 || (n >= 60 && n < 500) || n > 540 {
			t.Fatalf("unexpected frame number %d in %v", n, nums)
		}
		if prev >= 0 && n != prev+1 && n != 500 {
			t.Fatalf("frame %d after %d: frames lost or garbage passed on", n, prev)
		}
		prev = n
	}
	if prev < 520 {
		t.Fatalf("listener stopped at frame %d", prev)
	}
}

func TestICYStatusLineForConfiguredPlayers(t *testing.T) {
	ts := startServer(t, func(o *Options) { o.ICYStatusAgents = []string{"NSPlayer"} })
	src := startIcecastSource(t, ts, "/live", "")
	src.send(t, 30)
	testenv.WaitFor(t, "audio", func() bool { return ts.Mount("/live").HasAudio() })
	for ua, want := range map[string]string{"NSPlayer/12.0": "ICY 200 OK", "mpg123/1.31": "HTTP/1.0 200 OK"} {
		c := dial(t, ts.http)
		io.WriteString(c, "GET /live HTTP/1.0\r\nUser-Agent: "+ua+"\r\n\r\n")
		line, _ := bufio.NewReader(c).ReadString('\n')
		if got := strings.TrimRight(line, "\r\n"); got != want {
			t.Errorf("%s: status %q, want %q", ua, got, want)
		}
		c.Close()
	}
}

func TestVLCStylePlayCountsOnce(t *testing.T) {
	ts := startServer(t, func(o *Options) { o.CountAfter = 300 * time.Millisecond })
	src := startIcecastSource(t, ts, "/live", "")
	src.send(t, 50)
	testenv.WaitFor(t, "audio", func() bool { return ts.Mount("/live").HasAudio() })
	// VLC 3: an HTTP/1.1 GET without Icy-MetaData, dropped on seeing the
	// icy-* headers, then an HTTP/1.0 GET with Icy-MetaData.
	first := dial(t, ts.http)
	io.WriteString(first, "GET /live HTTP/1.1\r\nHost: x\r\nRange: bytes=0-\r\nUser-Agent: VLC/3.0.18 LibVLC/3.0.18\r\n\r\n")
	bufio.NewReader(first).ReadString('\n')
	first.Close()
	l := listen(t, ts, "/live", true)
	for range 20 {
		src.send(t, 10)
		l.readFrames(t, 8)
		time.Sleep(30 * time.Millisecond)
	}
	if n := ts.Listeners(); n != 1 {
		t.Errorf("one VLC play counts %d listeners", n)
	}
	if p := ts.Mount("/live").PeakListeners(); p != 1 {
		t.Errorf("peak %d, want 1", p)
	}
}

func TestShoutcastStreamIDs(t *testing.T) {
	ts := startServer(t, func(o *Options) {
		o.Mounts = append(o.Mounts, MountConfig{Path: "/second"})
	})
	// "/stream" and "/live" are listed first in the harness: #1 is
	// shoutcast_mount (/live), #2 and on the other listed mounts in order.
	for login, mount := range map[string]string{testSourcePass + ":#1": "/live", "dj:" + testSourcePass + ":#3": "/second"} {
		c := dial(t, ts.shoutcast)
		io.WriteString(c, login+"\r\n")
		reply := make([]byte, 4)
		if _, err := io.ReadFull(c, reply); err != nil || string(reply) != "OK2\r" {
			t.Fatalf("%s: reply %q, %v", login, reply, err)
		}
		io.WriteString(c, "icy-name:x\r\n\r\n")
		src := &sourceClient{conn: c}
		src.send(t, 30)
		testenv.WaitFor(t, login+" on "+mount, func() bool { return ts.Mount(mount).HasAudio() })
	}
}
