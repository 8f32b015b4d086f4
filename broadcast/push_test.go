package broadcast

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"onair/internal/testenv"
)

// feedFrames writes test frames to a source connection until the test
// ends, at about 100 frames a second.
func feedFrames(t *testing.T, src *sourceClient) {
	t.Helper()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if _, err := src.conn.Write(mp3Frame(src.next)); err != nil {
				return
			}
			src.next++
		}
	})
	t.Cleanup(func() {
		close(stop)
		src.conn.Close()
		wg.Wait()
	})
}

func startPushes(t *testing.T, ts *testServer, targets ...PushTarget) *Pushes {
	t.Helper()
	p := NewPushes(ts.Server, targets, nil)
	p.Start()
	t.Cleanup(func() { p.Close() })
	return p
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestPushToOnAir pushes one OnAir's mount to another over both source
// protocols, with the station's description and titles, before and after
// a change.
func TestPushToOnAir(t *testing.T) {
	start := time.Now()
	remote := startServer(t, nil)
	local := startServer(t, nil)
	t.Cleanup(func() { remote.Close() }) // before local's leak check
	src := startIcecastSource(t, local, "/stream", "Ice-Name: Push Radio\r\nIce-Genre: Tests\r\n")
	src.send(t, 50)
	feedFrames(t, src)
	setTitle(t, local, "/stream", "Push - First")

	p := startPushes(t, local,
		PushTarget{Mount: "/stream", URL: mustURL(t, "icecast://source:"+testSourcePass+"@"+remote.http+"/pushed")},
		PushTarget{Mount: "/stream", URL: mustURL(t, "shoutcast://"+testSourcePass+"@"+remote.shoutcast)},
	)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("push status: %+v", p.Status())
		}
	})
	for _, path := range []string{"/pushed", "/live"} {
		testenv.WaitFor(t, path+" on the remote with the first title", func() bool {
			m := remote.Mount(path)
			return m != nil && m.OnAir() && m.HasAudio() && m.Title() != nil && m.Title().Title == "Push - First"
		})
		if info := remote.Mount(path).Info(); info == nil || info.Name != "Push Radio" || info.Genre != "Tests" {
			t.Errorf("%s: remote stream info %+v", path, info)
		}
	}
	setTitle(t, local, "/stream", "Push - Second")
	for _, path := range []string{"/pushed", "/live"} {
		testenv.WaitFor(t, path+" with the second title", func() bool {
			return remote.Mount(path).Title().Title == "Push - Second"
		})
	}
	for _, st := range p.Status() {
		if st.State != PushConnected || st.BytesOut == 0 || strings.Contains(st.Target, testSourcePass) {
			t.Errorf("status %+v", st)
		}
	}

	// The remote drops the push: it comes back, and the title with it.
	remote.Mount("/pushed").mu.Lock()
	remote.Mount("/pushed").source.conn.Close()
	remote.Mount("/pushed").mu.Unlock()
	testenv.WaitFor(t, "the push back with its title", func() bool {
		m := remote.Mount("/pushed")
		return m != nil && m.OnAir() && m.Title() != nil && m.Title().Title == "Push - Second" && p.Status()[0].Attempts >= 2
	})
	t.Logf("%.1f s", time.Since(start).Seconds())
}

// TestPushRefusedBacksOff pushes with a wrong password: the state says the
// remote refused and what it answered, and the retries back off.
func TestPushRefusedBacksOff(t *testing.T) {
	remote := startServer(t, nil)
	local := startServer(t, nil)
	t.Cleanup(func() { remote.Close() }) // before local's leak check
	src := startIcecastSource(t, local, "/stream", "")
	src.send(t, 50)
	feedFrames(t, src)

	p := startPushes(t, local,
		PushTarget{Mount: "/stream", URL: mustURL(t, "icecast://source:wrong@"+remote.http+"/pushed")},
		PushTarget{Mount: "/stream", URL: mustURL(t, "shoutcast://wrong@"+remote.shoutcast)},
	)
	const window = 4 * time.Second
	time.Sleep(window)
	for _, st := range p.Status() {
		if st.State != PushFailed || !strings.Contains(st.Remote, "invalid password") && !strings.Contains(st.Remote, "401") {
			t.Errorf("status %+v", st)
		}
		// 1 s doubling with jitter from half: at most 4 tries in 4 s.
		if st.Attempts < 2 || st.Attempts > 4 {
			t.Errorf("%d attempts in %v: %+v", st.Attempts, window, st)
		}
		if strings.Contains(st.Target, "wrong") {
			t.Errorf("password in target %q", st.Target)
		}
		t.Logf("%s: %s after %d attempts: %s", st.Target, st.State, st.Attempts, st.Remote)
	}
}

// TestPushToIcecast2 pushes to Debian's icecast2: a listener there hears
// OnAir's tone and reads OnAir's titles as they change.
func TestPushToIcecast2(t *testing.T) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	local := startServer(t, nil)
	ffmpegSource(t, ctx, 440, 60*time.Second, "icecast://source:"+testSourcePass+"@"+local.http+"/stream",
		"-ice_name", "Push Radio", "-ice_genre", "Tests")
	waitOnAir(t, local, "/stream")
	setTitle(t, local, "/stream", "Icecast Push - First")

	ice, _ := startIcecast(t, ctx, "")
	p := startPushes(t, local, PushTarget{Mount: "/stream", URL: mustURL(t, "icecast://source:slave-source@"+ice+"/pushed")})
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("push status: %+v", p.Status())
		}
	})
	if !testenv.Poll(20*time.Second, func() bool { return slices.Contains(icecastMounts(ice), "/pushed") }) {
		t.Fatalf("icecast2 lists %q, want /pushed", icecastMounts(ice))
	}
	t.Logf("icecast2 has /pushed %.1f s after the start", time.Since(start).Seconds())

	assertTone(t, ctx, "http://"+ice+"/pushed", 3*time.Second, 440, ffmpegSourceLevel)

	l := listen(t, &testServer{http: ice}, "/pushed", true)
	if !strings.Contains(l.status, "200") || l.metaint == 0 {
		t.Fatalf("listener on icecast2: %q %v", l.status, l.headers)
	}
	if got := l.headers["icy-name"]; got != "Push Radio" {
		t.Errorf("icecast2's icy-name %q", got)
	}
	waitTitles(t, l, 200_000, "Icecast Push - First")
	changed := time.Now()
	setTitle(t, local, "/stream", "Icecast Push - Second")
	waitTitles(t, l, 400_000, "Icecast Push - Second")
	t.Logf("a title change reached icecast2's listener in %.1f s; whole test %.1f s",
		time.Since(changed).Seconds(), time.Since(start).Seconds())
}

// TestPushFallsBackToSource pushes to a server that answers PUT as an
// Icecast older than 2.4 does: the push says SOURCE, and keeps to it.
func TestPushFallsBackToSource(t *testing.T) {
	local := startServer(t, nil)
	src := startIcecastSource(t, local, "/stream", "")
	src.send(t, 50)
	feedFrames(t, src)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var lines []string
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				br := bufio.NewReader(c)
				line, _ := br.ReadString('\n')
				mu.Lock()
				lines = append(lines, strings.TrimSpace(line))
				mu.Unlock()
				for {
					if h, err := br.ReadString('\n'); err != nil || h == "\r\n" {
						break
					}
				}
				if strings.HasPrefix(line, "PUT") {
					io.WriteString(c, "HTTP/1.0 405 Method Not Allowed\r\n\r\n")
					return
				}
				io.WriteString(c, "HTTP/1.0 200 OK\r\n\r\n")
				_, _ = io.Copy(io.Discard, br)
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	p := startPushes(t, local, PushTarget{Mount: "/stream", URL: mustURL(t, "icecast://source:x@"+ln.Addr().String()+"/old")})
	testenv.WaitFor(t, "audio sent with SOURCE", func() bool { return p.Status()[0].BytesOut > 10000 })
	mu.Lock()
	defer mu.Unlock()
	if len(lines) != 2 || lines[0] != "PUT /old HTTP/1.1" || lines[1] != "SOURCE /old HTTP/1.0" {
		t.Errorf("request lines %q", lines)
	}
}

// TestPushSeesAnIdleHangUp: with the local source quiet, the remote
// dropping the push is noticed at once (no write would show it) and the
// push connects again.
func TestPushSeesAnIdleHangUp(t *testing.T) {
	remote := startServer(t, nil)
	local := startServer(t, nil)
	t.Cleanup(func() { remote.Close() }) // before local's leak check
	src := startIcecastSource(t, local, "/stream", "")
	src.send(t, 50) // then nothing: the source stays connected, quiet
	p := startPushes(t, local, PushTarget{Mount: "/stream", URL: mustURL(t, "icecast://source:"+testSourcePass+"@"+remote.http+"/pushed")})
	testenv.WaitFor(t, "the push on the remote", func() bool {
		m := remote.Mount("/pushed")
		return m != nil && m.OnAir() && p.Status()[0].State == PushConnected
	})
	m := remote.Mount("/pushed")
	m.mu.Lock()
	m.source.conn.Close()
	m.mu.Unlock()
	testenv.WaitFor(t, "a second connection", func() bool {
		st := p.Status()[0]
		return st.Attempts == 2 && st.State == PushConnected
	})
	if st := p.Status()[0]; !strings.Contains(st.LastError, "closed the connection") {
		t.Errorf("last error %q", st.LastError)
	}
}

// TestPushShoutcastLoginLine: "?sid=2" logs in as "pass:#2", and the
// stream's description follows OK2 as icy-* lines.
func TestPushShoutcastLoginLine(t *testing.T) {
	local := startServer(t, nil)
	src := startIcecastSource(t, local, "/stream", "Ice-Name: Push Radio\r\nIce-Genre: Tests\r\n")
	src.send(t, 50)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan []string, 1)
	var wg sync.WaitGroup
	wg.Go(func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		br := bufio.NewReader(c)
		login, _ := br.ReadString('\n')
		io.WriteString(c, "OK2\r\nicy-caps:11\r\n\r\n")
		lines := []string{strings.TrimSpace(login)}
		for {
			l, err := br.ReadString('\n')
			if err != nil || l == "\r\n" {
				break
			}
			lines = append(lines, strings.TrimSpace(l))
		}
		got <- lines
		_, _ = io.Copy(io.Discard, br)
	})
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	startPushes(t, local, PushTarget{Mount: "/stream", URL: mustURL(t, "shoutcast://dj:pw@"+ln.Addr().String()+"?sid=2")})
	var lines []string
	select {
	case lines = <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("no SHOUTcast login within 10 s")
	}
	for _, want := range []string{"dj:pw:#2", "content-type:audio/mpeg", "icy-name:Push Radio", "icy-genre:Tests", "icy-pub:0"} {
		if !slices.Contains(lines, want) {
			t.Errorf("lines %q lack %q", lines, want)
		}
	}
	if lines[0] != "dj:pw:#2" {
		t.Errorf("login line %q", lines[0])
	}
}
