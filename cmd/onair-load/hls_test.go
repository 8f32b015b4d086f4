package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"onair/hls"
	"onair/internal/leakcheck"
)

// fakeHLS serves a live playlist whose segments come every period: the
// last window of them, numbered from the server's start, each an ID3 tag
// and ten 128 kbps frames.
type fakeHLS struct {
	*httptest.Server
	start      time.Time
	period     time.Duration
	window     int
	cutFrames  bool // segments end inside a frame
	noPlaylist bool // the playlist answers 404

	playlists, segments atomic.Int64
}

func startFakeHLS(t *testing.T, period time.Duration, window int) *fakeHLS {
	f := &fakeHLS{start: time.Now(), period: period, window: window}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

// last is the newest segment's number.
func (f *fakeHLS) last() int64 { return int64(time.Since(f.start) / f.period) }

func (f *fakeHLS) serve(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/live.m3u8":
		f.playlists.Add(1)
		if f.noPlaylist {
			http.NotFound(w, r)
			return
		}
		last := f.last()
		first := max(0, last-int64(f.window)+1)
		var b strings.Builder
		fmt.Fprintf(&b, "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:%d\n", first)
		for n := first; n <= last; n++ {
			fmt.Fprintf(&b, "#EXTINF:0.261,\nhls/live/abc-%d.mp3\n", n)
		}
		w.Header().Set("Content-Type", "application/vnd.apple.mpegurl")
		w.Write([]byte(b.String()))
	case strings.HasPrefix(r.URL.Path, "/hls/live/abc-"):
		f.segments.Add(1)
		seg := segmentBytes(10)
		if f.cutFrames {
			seg = seg[:len(seg)-100]
		}
		w.Header().Set("Content-Type", "audio/mpeg")
		w.Write(seg)
	default:
		http.NotFound(w, r)
	}
}

// segmentBytes is a packed-audio segment: an ID3 tag and n frames.
func segmentBytes(n int) []byte {
	b := hls.AppendTag(nil, 90000, "Fake - Tone")
	for range n {
		b = append(b, fakeFrame...)
	}
	return b
}

func hlsConfig(url string, n int, d time.Duration) Config {
	return Config{URL: url + "/live.m3u8", Listeners: n, Duration: d, ConnectTimeout: 5 * time.Second}
}

func TestHLSListenersPlay(t *testing.T) {
	leakcheck.Check(t)
	srv := startFakeHLS(t, 500*time.Millisecond, 6)
	time.Sleep(1100 * time.Millisecond) // three segments to start from
	rep, err := RunHLS(context.Background(), hlsConfig(srv.URL, 20, 2500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Steady
	if rep.Started != 20 || rep.Failed != 0 || rep.Playing != 20 || rep.TargetDuration != 1 {
		t.Fatalf("started %d failed %d playing %d target %d, want 20, 0, 20, 1 (%v)",
			rep.Started, rep.Failed, rep.Playing, rep.TargetDuration, rep.Examples)
	}
	if s.Errors != 0 || s.BadSegments != 0 || s.Missed != 0 {
		t.Fatalf("errors %d bad %d missed %d: %v", s.Errors, s.BadSegments, s.Missed, rep.Examples)
	}
	// A segment every 0.5 s for 2.5 s: about 5 each, and never one twice.
	if s.SegmentsPerList < 3 || s.SegmentsPerList > 7 {
		t.Fatalf("%.1f segments per listener in 2.5 s of 0.5 s segments", s.SegmentsPerList)
	}
	// The playlist every target duration when it was new (1 s here), every
	// half when it was not: 2 to 6 in 2.5 s.
	if per := float64(s.Playlists) / 20; per < 2 || per > 6 {
		t.Fatalf("%.1f playlists per listener in 2.5 s", per)
	}
	if s.RequestsPerSec <= 0 || s.Bytes != s.Segments*int64(len(segmentBytes(10))) {
		t.Fatalf("requests/s %.1f, bytes %d for %d segments", s.RequestsPerSec, s.Bytes, s.Segments)
	}
	// Each started three segments from the live edge and then took each
	// new one once: the server saw no more than that.
	if got, most := srv.segments.Load(), int64(20*(3+2500/500+2)); got > most {
		t.Fatalf("the server served %d segments, more than %d", got, most)
	}
}

func TestHLSBadSegments(t *testing.T) {
	leakcheck.Check(t)
	srv := startFakeHLS(t, 500*time.Millisecond, 6)
	srv.cutFrames = true
	var stdout, stderr bytes.Buffer
	code := realMain([]string{"-hls", "-url", srv.URL + "/live.m3u8", "-n", "3", "-duration", "600ms", "-json", "-quiet"}, &stdout, &stderr)
	if code != 1 {
		t.Fatalf("exit code %d, want 1; stderr %s", code, stderr.String())
	}
	var rep HLSReport
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout.String())
	}
	if rep.Reasons["frames"] == 0 || len(rep.Examples) == 0 || !strings.Contains(rep.Examples[0], "inside a frame") {
		t.Fatalf("reasons %v examples %v", rep.Reasons, rep.Examples)
	}
}

func TestHLSMissedSegments(t *testing.T) {
	leakcheck.Check(t)
	// A segment every 100 ms, one listed: a listener polling every half
	// second misses most of them, and says so.
	srv := startFakeHLS(t, 100*time.Millisecond, 1)
	rep, err := RunHLS(context.Background(), hlsConfig(srv.URL, 2, 1500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Steady.Missed < 4 || rep.Steady.Errors != 0 {
		t.Fatalf("missed %d errors %d, want several missed and no errors", rep.Steady.Missed, rep.Steady.Errors)
	}
}

func TestHLSNoPlaylist(t *testing.T) {
	leakcheck.Check(t)
	srv := startFakeHLS(t, time.Second, 6)
	srv.noPlaylist = true
	cfg := hlsConfig(srv.URL, 3, 100*time.Millisecond)
	cfg.ConnectTimeout = 700 * time.Millisecond
	rep, err := RunHLS(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Started != 0 || rep.Failed != 3 || rep.Reasons["404 Not Found"] != 3 {
		t.Fatalf("started %d failed %d reasons %v, want 3 failed on 404", rep.Started, rep.Failed, rep.Reasons)
	}
	// It retried as a player waiting for the stream does, then gave up.
	if srv.playlists.Load() < 6 {
		t.Fatalf("%d playlist requests for 3 listeners over 0.7 s", srv.playlists.Load())
	}
	if _, err := RunHLS(context.Background(), hlsConfig("ftp://x", 1, time.Second)); err == nil {
		t.Fatal("an ftp URL was taken")
	}
}

func TestCheckSegment(t *testing.T) {
	good := segmentBytes(3)
	footer := append([]byte(nil), good...)
	footer[5] |= 0x10 // a footer: ten more bytes before the audio
	footer = append(footer[:10+footerTagSize(good)], append(make([]byte, 10), good[10+footerTagSize(good):]...)...)
	cases := []struct {
		name string
		seg  []byte
		want error
	}{
		{"good", good, nil},
		{"with a footer", footer, nil},
		{"no ID3", fakeFrame, ErrNoID3},
		{"tag longer than the segment", good[:12], ErrNoID3},
		{"tag only", good[:10+footerTagSize(good)], ErrNoFrames},
		{"cut in a frame", good[:len(good)-1], ErrSegmentCut},
		{"cut in a header", good[:len(good)-len(fakeFrame)+2], ErrSegmentCut},
		{"garbage after a frame", append(append([]byte(nil), good...), bytes.Repeat([]byte{1}, 8)...), ErrFrameSync},
		{"48 kHz after 44.1", append(append([]byte(nil), good...), fakeFrame48...), ErrFormatChange},
	}
	for _, c := range cases {
		err := checkSegment(c.seg)
		if (c.want == nil) != (err == nil) || (c.want != nil && !errors.Is(err, c.want)) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

// footerTagSize is the size field of a segment's ID3 tag.
func footerTagSize(b []byte) int {
	return int(b[6])<<21 | int(b[7])<<14 | int(b[8])<<7 | int(b[9])
}

func TestParsePlaylist(t *testing.T) {
	base, _ := url.Parse("http://cache.example/radio/live.m3u8")
	pl, err := parsePlaylist(base, []byte("#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:41\n"+
		"#EXT-X-PROGRAM-DATE-TIME:2026-12-07T19:00:00Z\n#EXTINF:6.0,\nseg-41.mp3\n#EXTINF:6.0,\n/hls/live/x-42.mp3\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"http://cache.example/radio/seg-41.mp3", "http://cache.example/hls/live/x-42.mp3"}
	if pl.target != 6 || pl.seq != 41 || strings.Join(pl.uris, " ") != strings.Join(want, " ") {
		t.Fatalf("got %+v", pl)
	}
	for body, want := range map[string]error{
		"<html>":                             ErrPlaylist,
		"#EXTM3U\n#EXT-X-TARGETDURATION:6\n": ErrPlaylist,
		"#EXTM3U\n#EXTINF:6,\na.mp3\n":       ErrPlaylist,
		"#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXTINF:6,\na.mp3\n#EXT-X-ENDLIST\n": ErrEnded,
	} {
		if _, err := parsePlaylist(base, []byte(body)); !errors.Is(err, want) {
			t.Errorf("%q: %v, want %v", body, err, want)
		}
	}
}

func TestCountLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.log")
	before := `127.0.0.1 - - [07/Dec/2026:19:00:00 +0000] "GET /live.m3u8 HTTP/1.0" 200 400 "-" "nginx" 0` + "\n"
	after := before +
		`127.0.0.1 - - [07/Dec/2026:19:00:01 +0000] "GET /hls/live/x-1.mp3 HTTP/1.0" 200 96000 "-" "nginx" 0` + "\n" +
		`127.0.0.1 - - [07/Dec/2026:19:00:02 +0000] "GET /live HTTP/1.0" 200 96000 "-" "mpg123" 6` + "\n" +
		`127.0.0.1 - - [07/Dec/2026:19:00:03 +0000] "GET /live.m3u8 HTTP/1.0" 304 0 "-" "nginx" 0` + "\n" +
		`127.0.0.1 - - [07/Dec/2026:19:00:04 +0000] "GET /hls/live/x-2.mp3` // not yet ended
	if err := os.WriteFile(path, []byte(before+after[len(before):]), 0o644); err != nil {
		t.Fatal(err)
	}
	c := countLog(path, int64(len(before)))
	if c.Lines != 3 || c.Playlists != 1 || c.Segments != 1 || c.Other != 1 {
		t.Fatalf("got %+v, want 3 lines: 1 playlist, 1 segment, 1 other", c)
	}
	if c := countLog(filepath.Join(t.TempDir(), "none"), 0); c.Lines != 0 {
		t.Fatalf("a missing log counted %d lines", c.Lines)
	}
}

func TestWatchFlags(t *testing.T) {
	var p namedPIDs
	if err := p.Set("origin=123"); err != nil || len(p) != 1 || p[0] != (namedPID{"origin", 123}) {
		t.Fatalf("%v %v", p, err)
	}
	for _, bad := range []string{"origin", "=1", "x=0", "x=y"} {
		if err := p.Set(bad); err == nil {
			t.Errorf("-watch %q was taken", bad)
		}
	}
	var f namedFiles
	if err := f.Set("onair=/tmp/a.log"); err != nil || f[0] != (namedFile{"onair", "/tmp/a.log"}) {
		t.Fatalf("%v %v", f, err)
	}
	if err := f.Set("onair="); err == nil {
		t.Error("-count-log with no file was taken")
	}
	// A watched process and a log, sampled over a window.
	w, err := newWatchers(namedPIDs{{"self", os.Getpid()}}, namedFiles{{"log", filepath.Join(t.TempDir(), "none")}})
	if err != nil {
		t.Fatal(err)
	}
	w.begin()
	procs, logs := w.end(time.Second, 1, 1)
	if procs["self"] == nil || procs["self"].RSSLoadKiB <= 0 || logs["log"] == nil {
		t.Fatalf("procs %v logs %v", procs, logs)
	}
	if _, err := newWatchers(namedPIDs{{"gone", 1 << 30}}, nil); err == nil {
		t.Error("a process that is not there was taken")
	}
}
