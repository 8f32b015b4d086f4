package hls

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestTagBytes(t *testing.T) {
	tag := AppendTag(nil, 1<<33+90000, "Café – Ünïcode")
	want := []byte{'I', 'D', '3', 4, 0, 0}
	if !bytes.HasPrefix(tag, want) {
		t.Fatalf("header % x", tag[:10])
	}
	size := int(tag[6])<<21 | int(tag[7])<<14 | int(tag[8])<<7 | int(tag[9])
	if size != len(tag)-10 {
		t.Fatalf("tag size %d, body %d", size, len(tag)-10)
	}
	body := tag[10:]
	if string(body[:4]) != "PRIV" || body[7] != byte(len(privOwner)+9) {
		t.Fatalf("PRIV frame header % x", body[:10])
	}
	priv := body[10 : 10+len(privOwner)+9]
	if string(priv[:len(privOwner)]) != privOwner || priv[len(privOwner)] != 0 {
		t.Fatalf("PRIV owner %q", priv)
	}
	// 33 bits: the 2^33 wraps away.
	if ts := binary.BigEndian.Uint64(priv[len(privOwner)+1:]); ts != 90000 {
		t.Fatalf("timestamp %d, want 90000", ts)
	}
	tit := body[10+len(priv):]
	if string(tit[:4]) != "TIT2" || tit[10] != 3 {
		t.Fatalf("TIT2 frame % x", tit[:11])
	}
	if got := string(tit[11 : len(tit)-1]); got != "Café – Ünïcode" || tit[len(tit)-1] != 0 {
		t.Fatalf("title %q", got)
	}
	if n := int(tit[7]); n != len(tit)-10 {
		t.Fatalf("TIT2 size %d, want %d", n, len(tit)-10)
	}
	if untitled := AppendTag(nil, 0, ""); bytes.Contains(untitled, []byte("TIT2")) {
		t.Fatal("an empty title still wrote TIT2")
	}
}

// feed writes n frames of 1152 samples at 44.1 kHz.
func feed(s *Segmenter, n int, gen uint64, title string, now time.Time) {
	frame := bytes.Repeat([]byte{0xAB}, 417)
	for range n {
		s.Write(frame, 1152, 44100, "mp3", gen, title, 2*time.Second, 3, now)
	}
}

func ptsOf(t *testing.T, seg *Segment) uint64 {
	t.Helper()
	i := bytes.Index(seg.Data, []byte(privOwner))
	if i < 0 {
		t.Fatal("no PRIV frame")
	}
	return binary.BigEndian.Uint64(seg.Data[i+len(privOwner)+1:])
}

func TestSegmentsAndTimestamps(t *testing.T) {
	s := NewSegmenter("/x/")
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	feed(s, 200, 1, "One", now) // 200 frames = 5.22 s: two 2 s segments cut
	snap := s.Snapshot()
	if len(snap.Segments) != 2 {
		t.Fatalf("%d segments, want 2", len(snap.Segments))
	}
	// 2 s = 76.56 frames: 77 frames, the first boundary at or past it.
	for _, g := range snap.Segments {
		if g.Samples != 77*1152 || len(g.Data) != len(AppendTag(nil, 0, "One"))+77*417 {
			t.Fatalf("segment %d: %d samples, %d bytes", g.Seq, g.Samples, len(g.Data))
		}
	}
	if a, b := ptsOf(t, snap.Segments[0]), ptsOf(t, snap.Segments[1]); a != 0 || b != 77*1152*90000/44100 {
		t.Fatalf("timestamps %d, %d", a, b)
	}
	if d := snap.Segments[1].Date.Sub(snap.Segments[0].Date); d != snap.Segments[0].Duration {
		t.Fatalf("dates %v apart, duration %v", d, snap.Segments[0].Duration)
	}
	// A writer back from a pause longer than a segment: the date follows
	// the clock again.
	paused := NewSegmenter("/x/")
	feed(paused, 77, 1, "", now)
	later := now.Add(time.Hour)
	feed(paused, 77, 1, "", later)
	if got := paused.Snapshot().Segments[1].Date; !got.Equal(later) {
		t.Fatalf("date after a pause %v, want %v", got, later)
	}
	// A new session: the open segment is cut, the next follows a
	// discontinuity, and the clock runs on.
	feed(s, 100, 2, "Two", now.Add(time.Minute))
	snap = s.Snapshot()
	if len(snap.Segments) != 4 || !snap.Segments[3].Disc || snap.Segments[3].DiscSeq != 1 || snap.Segments[2].Disc {
		t.Fatalf("segments after a reconnect: %+v", snap.Segments)
	}
	if got, want := ptsOf(t, snap.Segments[3]), uint64((154+46)*1152*90000/44100); got != want {
		t.Fatalf("timestamp after the reconnect %d, want %d", got, want)
	}
	if !snap.Segments[3].Date.Equal(now.Add(time.Minute)) {
		t.Fatalf("date after a reconnect %v", snap.Segments[3].Date)
	}
	if !bytes.Contains(snap.Segments[3].Data[:200], []byte("Two")) {
		t.Fatal("new title missing")
	}
}

func TestWindowGraceAndPlaylist(t *testing.T) {
	s := NewSegmenter("/x/")
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	feed(s, 77*4, 1, "", now)
	feed(s, 77*6, 2, "", now) // 10 segments in all, window 3, grace 2
	snap := s.Snapshot()
	if len(snap.Segments) != 3+Grace || snap.Segments[0].Seq != 5 {
		t.Fatalf("kept %d segments from %d", len(snap.Segments), snap.Segments[0].Seq)
	}
	if snap.Find(4) != nil || snap.Find(5) == nil || snap.Find(9) == nil || snap.Find(10) != nil {
		t.Fatal("Find disagrees with what is kept")
	}
	body, etag := snap.Playlist("/hls/stream/")
	want := "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:7\n" +
		"#EXT-X-DISCONTINUITY-SEQUENCE:1\n"
	if !strings.HasPrefix(string(body), want) {
		t.Fatalf("playlist:\n%s", body)
	}
	if n := strings.Count(string(body), "#EXTINF:2.01143,\n/hls/stream/"); n != 3 {
		t.Fatalf("%d EXTINF lines:\n%s", n, body)
	}
	if !strings.Contains(string(body), "#EXT-X-PROGRAM-DATE-TIME:2026-01-02T03:04:") || strings.Contains(string(body), "#EXT-X-DISCONTINUITY\n") {
		t.Fatalf("playlist:\n%s", body)
	}
	if !strings.HasSuffix(string(body), "/hls/stream/9.mp3\n") || etag == "" {
		t.Fatalf("playlist:\n%s", body)
	}
	// The discontinuity shows while its segment is listed after another.
	s2 := NewSegmenter("/x/")
	feed(s2, 77*2, 1, "", now)
	feed(s2, 77, 2, "", now)
	body2, etag2 := s2.Snapshot().Playlist("/x/")
	if !strings.Contains(string(body2), "#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME") || etag2 == etag {
		t.Fatalf("playlist:\n%s", body2)
	}
	if b, _ := NewSegmenter("/x/").Snapshot().Playlist("/x/"); b != nil {
		t.Fatal("an empty segmenter has a playlist")
	}
}

func TestMemoryBound(t *testing.T) {
	s := NewSegmenter("/x/")
	feed(s, 77*500, 1, "", time.Now())
	total := 0
	for _, g := range s.Snapshot().Segments {
		total += cap(g.Data)
	}
	if n := len(s.Snapshot().Segments); n != 3+Grace || total > (3+Grace)*2*77*417 {
		t.Fatalf("%d segments of %d bytes kept", n, total)
	}
}

func TestAudience(t *testing.T) {
	a := NewAudience()
	now := time.Now()
	a.Seen("1.2.3.4", "hls.js", now, 4*time.Second)
	a.Seen("1.2.3.4", "hls.js", now, 4*time.Second)
	a.Seen("1.2.3.4", "Safari", now, 4*time.Second)
	a.Seen("5.6.7.8", "hls.js", now.Add(3*time.Second), 4*time.Second)
	if n := a.Count(now.Add(3*time.Second), 4*time.Second); n != 3 {
		t.Fatalf("count %d, want 3", n)
	}
	if n := a.Count(now.Add(5*time.Second), 4*time.Second); n != 1 {
		t.Fatalf("count after expiry %d, want 1", n)
	}
}

func TestSteadyStateAllocs(t *testing.T) {
	s := NewSegmenter("/x/")
	frame := bytes.Repeat([]byte{0xAB}, 417)
	now := time.Now()
	for range 1000 {
		s.Write(frame, 1152, 44100, "mp3", 1, "t", 6*time.Second, 6, now)
	}
	// 230 frames to a segment: a segment's few allocations spread thin.
	avg := testing.AllocsPerRun(230*4, func() { s.Write(frame, 1152, 44100, "mp3", 1, "t", 6*time.Second, 6, now) })
	if avg > 0.1 {
		t.Fatalf("%.3f allocations per frame", avg)
	}
}

func TestAudienceBound(t *testing.T) {
	a := NewAudience()
	now := time.Now()
	for i := range MaxAudience + 10 {
		a.Seen("10.0.0.1", strconv.Itoa(i), now, 4*time.Second)
	}
	if n := a.Count(now, 4*time.Second); n != MaxAudience {
		t.Fatalf("count %d, want the bound %d", n, MaxAudience)
	}
	// Once the old pairs expire, new ones are counted again.
	later := now.Add(5 * time.Second)
	a.Seen("10.0.0.2", "new", later, 4*time.Second)
	if n := a.Count(later, 4*time.Second); n != 1 {
		t.Fatalf("count after expiry %d, want 1", n)
	}
}

func TestRateChangeCutsAndTimestampsRunOn(t *testing.T) {
	s := NewSegmenter("/x/")
	now := time.Now()
	feed(s, 100, 1, "", now) // one 2 s segment (77 frames), 23 frames open
	aac := bytes.Repeat([]byte{0xCD}, 300)
	for range 94 { // 94 frames of 1024 at 48 kHz: 2.005 s
		s.Write(aac, 1024, 48000, "aac", 1, "", 2*time.Second, 3, now)
	}
	segs := s.Snapshot().Segments
	if len(segs) != 3 || segs[1].Samples != 23*1152 || !segs[2].Disc || segs[2].Ext != "aac" || segs[2].Samples != 94*1024 {
		t.Fatalf("segments: %+v", segs)
	}
	if got, want := ptsOf(t, segs[2]), uint64(100*1152*90000/44100); got != want {
		t.Fatalf("timestamp after the rate change %d, want %d", got, want)
	}
}
