package broadcast

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"onair/internal/testenv"
)

// nginxHLSCache is the README's nginx snippet: playlists and segments
// cached as OnAir's headers say, everything else passed through.
const nginxHLSCache = `
proxy_cache_path %[1]s/cache levels=1:2 keys_zone=onair_hls:10m max_size=1g inactive=10m use_temp_path=off;
server {
    listen 127.0.0.1:%[2]d;
    location ~ ^/hls/|\.m3u8$ {
        proxy_pass http://%[3]s;
        proxy_cache onair_hls;
        proxy_cache_lock on;          # one fetch per segment, however many ask
        proxy_cache_revalidate on;    # an expired playlist is checked with its ETag
        proxy_cache_use_stale updating;
        add_header X-Cache-Status $upstream_cache_status;
    }
    location / {
        proxy_pass http://%[3]s;
        proxy_buffering off;          # streams go out as they come
        proxy_read_timeout 1h;
    }
}
`

// startNginx runs nginx in front of upstream with nginxHLSCache and
// returns its address.
func startNginx(t *testing.T, upstream string) string {
	t.Helper()
	nginx := testenv.RequireTool(t, "nginx", "nginx-light")
	dir := t.TempDir()
	port, _ := testenv.AdjacentPorts(t)
	conf := fmt.Sprintf(`daemon off;
master_process off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
`+nginxHLSCache+"}\n", dir, port, upstream)
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(nginx, "-p", dir, "-c", path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Logf("nginx: %s\n%s", stderr.String(), log)
		}
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	testenv.WaitFor(t, "nginx to listen", func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return addr
}

// TestHLSBehindNginx checks that nginx's proxy_cache, configured as the
// README says, keeps segments and serves them again without asking OnAir,
// keeps the playlist no longer than OnAir allows, and passes Range on.
func TestHLSBehindNginx(t *testing.T) {
	ts := hlsServer(t)
	proxy := "http://" + startNginx(t, ts.http)
	src := startIcecastSource(t, ts, "/stream", "")
	src.send(t, 77*2+1)
	var body string
	testenv.WaitFor(t, "two segments", func() bool {
		resp, b := httpGet(t, proxy+"/stream.m3u8")
		body = b
		return resp.StatusCode == http.StatusOK && len(segmentURLs(b)) == 2
	})

	seg := segmentURLs(body)[1]
	_, direct := httpGet(t, "http://"+ts.http+seg)
	first, data := httpGet(t, proxy+seg)
	again, data2 := httpGet(t, proxy+seg)
	if first.Header.Get("X-Cache-Status") != "MISS" || again.Header.Get("X-Cache-Status") != "HIT" || data != direct || data2 != direct {
		t.Errorf("segment through nginx: %s then %s, same bytes %v %v", first.Header.Get("X-Cache-Status"),
			again.Header.Get("X-Cache-Status"), data == direct, data2 == direct)
	}
	part, pdata := httpGet(t, proxy+seg, "Range", "bytes=4-9")
	if part.StatusCode != http.StatusPartialContent || pdata != direct[4:10] {
		t.Errorf("a range of a cached segment: %d %q", part.StatusCode, pdata)
	}

	// The playlist: cached for half a segment (1 s), then checked with
	// OnAir again, and new once a segment was cut.
	if r, _ := httpGet(t, proxy+"/stream.m3u8"); r.Header.Get("X-Cache-Status") != "HIT" && r.Header.Get("X-Cache-Status") != "REVALIDATED" {
		t.Errorf("the playlist again at once: %s", r.Header.Get("X-Cache-Status"))
	}
	if !testenv.Poll(5*time.Second, func() bool {
		r, _ := httpGet(t, proxy+"/stream.m3u8")
		return r.Header.Get("X-Cache-Status") == "REVALIDATED"
	}) {
		t.Error("the playlist was never revalidated with its ETag")
	}
	src.send(t, 77)
	if !testenv.Poll(5*time.Second, func() bool {
		_, b := httpGet(t, proxy+"/stream.m3u8")
		return strings.Contains(b, "-2.mp3")
	}) {
		t.Error("the playlist through nginx never showed the new segment")
	}
}

// TestHLSBehindNginxServesMany: 500 HLS listeners behind nginx, each
// reading the playlist every half second and every segment it lists,
// for four seconds while segments are cut. Every answer is whole, and
// OnAir sees about one playlist request per refresh (its max-age, 1 s
// here) and each segment about once, however many listeners ask.
func TestHLSBehindNginxServesMany(t *testing.T) {
	const listeners, run = 500, 4 * time.Second
	rec := &accessRecorder{}
	ts := startServer(t, func(o *Options) {
		o.AccessLog = rec
		o.Defaults.HLSSegment, o.Defaults.HLSSegments = 2*time.Second, 3
	})
	proxy := "http://" + startNginx(t, ts.http)
	src := startIcecastSource(t, ts, "/stream", "")
	src.send(t, 77+1)
	testenv.WaitFor(t, "a segment", func() bool {
		resp, b := httpGet(t, proxy+"/stream.m3u8")
		return resp.StatusCode == http.StatusOK && len(segmentURLs(b)) > 0
	})
	feed(t, src, 78) // segments keep coming while the listeners read

	// Few connections to nginx, as the listeners were many players
	// behind a handful of cache nodes' keep-alive connections.
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxConnsPerHost: 32, MaxIdleConnsPerHost: 32}}
	defer client.CloseIdleConnections()
	get := func(url string) (int, []byte, error) {
		resp, err := client.Get(url)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, b, err
	}
	var asked, bad atomic.Int64
	var problem atomic.Pointer[string]
	fail := func(format string, args ...any) {
		bad.Add(1)
		msg := fmt.Sprintf(format, args...)
		problem.CompareAndSwap(nil, &msg)
	}
	start := time.Now()
	var wg sync.WaitGroup
	for i := range listeners {
		wg.Go(func() {
			seen := map[string]bool{}
			tick := time.NewTicker(500 * time.Millisecond)
			defer tick.Stop()
			// Spread the listeners over the first tick.
			time.Sleep(time.Duration(i) * time.Millisecond)
			for time.Since(start) < run {
				status, body, err := get(proxy + "/stream.m3u8")
				asked.Add(1)
				if err != nil || status != http.StatusOK {
					fail("playlist: %d %v", status, err)
					return
				}
				for _, u := range segmentURLs(string(body)) {
					if seen[u] {
						continue
					}
					seen[u] = true
					status, seg, err := get(proxy + u)
					asked.Add(1)
					if err != nil || status != http.StatusOK || !bytes.HasPrefix(seg, []byte("ID3")) || len(seg) < 77*417 {
						fail("segment %s: %d, %d bytes, %v", u, status, len(seg), err)
						return
					}
				}
				<-tick.C
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if p := problem.Load(); p != nil {
		t.Fatalf("%d listeners failed; the first: %s", bad.Load(), *p)
	}
	var playlists, segments int
	segs := map[string]int{}
	rec.mu.Lock()
	for _, e := range rec.entries {
		switch {
		case e.URI == "/stream.m3u8":
			playlists++
		case strings.HasPrefix(e.URI, "/hls/"):
			segments++
			segs[e.URI]++
		}
	}
	rec.mu.Unlock()
	t.Logf("%d listeners made %d requests to nginx in %v; OnAir answered %d playlist and %d segment requests (%d segments)",
		listeners, asked.Load(), elapsed.Round(time.Millisecond), playlists, segments, len(segs))
	// One refresh a second, with a few more where a revalidation and an
	// expiry meet, and the ones made before the listeners started.
	if limit := int(elapsed/time.Second) + 6; playlists > limit {
		t.Errorf("OnAir answered %d playlist requests in %v, want at most %d", playlists, elapsed, limit)
	}
	for u, n := range segs {
		if n > 2 {
			t.Errorf("OnAir answered %s %d times", u, n)
		}
	}
	if asked.Load() < listeners*int64(run/time.Second) {
		t.Errorf("the listeners made only %d requests", asked.Load())
	}
}
