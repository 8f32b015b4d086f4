package broadcast

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"onair/codec/ogg"
	"onair/internal/testenv"
)

// tonePart measures freq in the windows of 100 ms of pcm from second a
// to second b.
func tonePart(pcm []byte, freq int, a, b float64) float64 {
	from, to := int(a*44100)*4, min(int(b*44100)*4, len(pcm))
	if from >= to {
		return 0
	}
	return median(toneWindows(pcm[from:to], float64(freq)))
}

// TestOggFallbackKeepsDecoding: the source of an Ogg Vorbis mount leaves;
// its ffmpeg listener moves to the fallback, another Ogg Vorbis mount
// (whose source calls its stream audio/ogg where the first said
// application/ogg, as liquidsoap and ffmpeg do), starting on the
// fallback's chain headers, and goes on decoding: first the main tone,
// then the fallback's.
func TestOggFallbackKeepsDecoding(t *testing.T) {
	ts := startServer(t, func(o *Options) {
		// A small burst: libvorbis codes the tone in some 3 KB a second,
		// and a listener is to hear the main mount live when it ends.
		o.Defaults.BurstSize = 4 << 10
		o.Mounts = append(o.Mounts, MountConfig{Path: "/main.ogg", Settings: MountSettings{Fallback: "/backup.ogg"}})
	})
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	vorbis := oggCodecs[0]
	url := func(m string) string { return "icecast://source:" + testSourcePass + "@" + ts.http + m }
	backup := ffmpegOggSource(t, ctx, vorbis.encoder, vorbis.rate, vorbis.extra, url("/backup.ogg"), "audio/ogg", 660, 30*time.Second)
	main := ffmpegOggSource(t, ctx, vorbis.encoder, vorbis.rate, vorbis.extra, url("/main.ogg"), "application/ogg", 440, 30*time.Second)
	waitOnAirFrom(t, ts, "/backup.ogg", backup)
	waitOnAirFrom(t, ts, "/main.ogg", main)

	type result struct {
		pcm  []byte
		said string
	}
	done := make(chan result, 1)
	const d = 8 * time.Second
	go func() {
		pcm, said := decodeOggLog(ctx, "http://"+ts.http+"/main.ogg", d, "warning")
		done <- result{pcm, said}
	}()
	m := ts.Mount("/main.ogg")
	testenv.WaitFor(t, "the listener on /main.ogg", func() bool { return m.bytesOut() > 0 })
	// About 2 s more.
	in := m.bytesIn.Load()
	testenv.WaitFor(t, "the listener 2 s into /main.ogg", func() bool { return m.bytesIn.Load() > in+6000 })
	main.stop()
	var r result
	select {
	case r = <-done:
	case <-ctx.Done():
		t.Fatal("ffmpeg did not finish")
	}
	if r.said != "" {
		t.Logf("ffmpeg across the fallback said:\n%s", r.said)
	}
	secs := float64(len(r.pcm)) / 44100 / 4
	if secs < d.Seconds()*0.9 {
		t.Fatalf("ffmpeg decoded %.1f s of %v: the listener was lost at the fallback", secs, d)
	}
	for i := 0.0; i < secs && t.Failed(); i++ {
		t.Logf("second %.0f: 440 Hz at %.3f, 660 Hz at %.3f", i, tonePart(r.pcm, 440, i, i+1), tonePart(r.pcm, 660, i, i+1))
	}
	if got := tonePart(r.pcm, 440, 0, 1); got < fixtureLevel*0.7 {
		t.Errorf("the first second: 440 Hz at %.3f, want %.3f", got, fixtureLevel)
	}
	if got := tonePart(r.pcm, 660, secs-2, secs); got < fixtureLevel*0.7 {
		t.Errorf("the last 2 s: 660 Hz (the fallback) at %.3f, want %.3f", got, fixtureLevel)
	}
	testenv.WaitFor(t, "the moved listener gone from the fallback once ffmpeg quit", func() bool {
		return ts.Mount("/backup.ogg").connections.Load() == 0
	})
}

// opusChain is a synthetic Ogg Opus chain: OpusHead and OpusTags pages,
// then audio pages of one packet each.
func opusChain(serial uint32, audio int) [][]byte {
	head := []byte("OpusHead\x01\x02\x38\x01\x80\xbb\x00\x00\x00\x00\x00")
	tags := []byte("OpusTags\x04\x00\x00\x00test\x00\x00\x00\x00")
	pages := [][]byte{oggPage(ogg.BOS, serial, 0, 0, head), oggPage(0, serial, 1, 0, tags)}
	for i := range audio {
		pages = append(pages, oggPage(0, serial, uint32(2+i), int64(960*(i+1)), bytes.Repeat([]byte{0xfc, byte(i)}, 200)))
	}
	return pages
}

// TestOggMovesLimitsAndKicks: the admin move API refuses to move listeners
// between Ogg Opus and Ogg Vorbis, and between Ogg and MP3, and leaves
// them where they were; max_listeners holds on an Ogg mount; a kicked Ogg
// listener is disconnected and its place freed.
func TestOggMovesLimitsAndKicks(t *testing.T) {
	ts := startServer(t, func(o *Options) {
		o.Mounts = append(o.Mounts, MountConfig{Path: "/opus", Settings: MountSettings{MaxListeners: 2}})
	})
	opus := startOggSource(t, ts, "/opus", "audio/ogg")
	for _, p := range opusChain(1, 100) {
		opus.Write(p)
	}
	vorbis := startOggSource(t, ts, "/vorbis", "audio/ogg")
	heads, audio := oggChain(2, "V", 60)
	for _, p := range append(heads, audio...) {
		vorbis.Write(p)
	}
	mp3 := startIcecastSource(t, ts, "/mp3", "")
	mp3.send(t, 100)
	for _, m := range []string{"/opus", "/vorbis", "/mp3"} {
		waitOnAir(t, ts, m)
	}
	if c := ts.Mount("/opus").Codec(); c != "opus" {
		t.Fatalf("/opus carries %q", c)
	}

	ls := map[string]*oggListener{"/opus": listenOgg(t, ts, "/opus"), "/vorbis": listenOgg(t, ts, "/vorbis")}
	ml := listen(t, ts, "/mp3", false)
	ml.readFrames(t, 5)
	for _, mv := range [][2]string{{"/opus", "/vorbis"}, {"/vorbis", "/opus"}, {"/vorbis", "/mp3"}, {"/mp3", "/vorbis"}} {
		code, body := adminGet(t, "http://"+ts.http+"/admin/moveclients?mount="+mv[0]+"&destination="+mv[1], "admin", testAdminPass)
		if code != http.StatusBadRequest || !strings.Contains(body, "Cannot move") {
			t.Errorf("move %s to %s: %d %s", mv[0], mv[1], code, body)
		}
	}
	for _, m := range []string{"/opus", "/vorbis", "/mp3"} {
		if n := ts.Mount(m).connections.Load(); n != 1 {
			t.Errorf("%s has %d listeners after the refused moves, want its own 1", m, n)
		}
	}
	// The listeners still read their own streams.
	if p := ls["/opus"].page(t); p.Serial != 1 {
		t.Errorf("the /opus listener got a page of stream %d", p.Serial)
	}
	if p := ls["/vorbis"].page(t); p.Serial != 2 {
		t.Errorf("the /vorbis listener got a page of stream %d", p.Serial)
	}

	// max_listeners 2: a second listener joins, a third is refused.
	second := listenOgg(t, ts, "/opus")
	if p := second.page(t); describe(p) != "1/0" {
		t.Errorf("the second listener began with page %s, want the chain's first", describe(p))
	}
	resp, _ := httpGet(t, "http://"+ts.http+"/opus")
	if resp.StatusCode == http.StatusOK {
		t.Fatalf("a third listener of /opus (max_listeners 2) was let in")
	}

	// Kick the first: its connection ends, and there is room again.
	m := ts.Mount("/opus")
	var first uint64
	m.mu.Lock()
	for id := range m.clients {
		if first == 0 || id < first {
			first = id
		}
	}
	m.mu.Unlock()
	code, body := adminGet(t, fmt.Sprintf("http://%s/admin/killclient?mount=/opus&id=%d", ts.http, first), "admin", testAdminPass)
	if code != http.StatusOK {
		t.Fatalf("killclient: %d %s", code, body)
	}
	// The source sends nothing more: the listener's reads end with the
	// burst, at the close, or (not kicked) when the dial deadline passes.
	var err error
	for i := 0; i < 1<<20 && err == nil; i++ {
		_, err = ls["/opus"].br.ReadByte()
	}
	if err == nil || isTimeout(err) {
		t.Errorf("the kicked listener's connection stayed open: %v", err)
	}
	testenv.WaitFor(t, "the kicked listener's place freed", func() bool { return m.connections.Load() == 1 })
	third := listenOgg(t, ts, "/opus")
	if p := third.page(t); describe(p) != "1/0" {
		t.Errorf("a listener after the kick began with page %s", describe(p))
	}
}

// TestOggFallbackStartsOnHeaders: when an Ogg mount's source leaves, its
// listener, moved to the fallback, gets whole pages throughout: the last
// of the main mount's, then the fallback's chain header pages, then an
// audio page of that chain a decoder can start on.
func TestOggFallbackStartsOnHeaders(t *testing.T) {
	ts := startServer(t, func(o *Options) {
		o.Defaults.BurstSize = 4 << 10
		o.Mounts = append(o.Mounts, MountConfig{Path: "/main.ogg", Settings: MountSettings{Fallback: "/backup.ogg"}})
	})
	backup := startOggSource(t, ts, "/backup.ogg", "audio/ogg")
	bHeads, bAudio := oggChain(20, "Backup", 60)
	for _, p := range append(bHeads, bAudio[:45]...) {
		backup.Write(p)
	}
	main := startOggSource(t, ts, "/main.ogg", "application/ogg")
	mHeads, mAudio := oggChain(10, "Main", 40)
	for _, p := range append(mHeads, mAudio...) {
		main.Write(p)
	}
	waitOnAir(t, ts, "/backup.ogg")
	waitOnAir(t, ts, "/main.ogg")

	l := listenOgg(t, ts, "/main.ogg")
	if got := []string{describe(l.page(t)), describe(l.page(t))}; strings.Join(got, " ") != "10/0 10/1" {
		t.Fatalf("first pages %v, want the main chain's headers", got)
	}
	// Read what the main mount published, then end its source.
	p := l.page(t)
	for p.Serial == 10 && p.Sequence < 30 {
		p = l.page(t)
	}
	main.Close()
	m := ts.Mount("/main.ogg")
	testenv.WaitFor(t, "the main mount off air", func() bool { return !m.OnAir() })
	// More of the backup, so that chunks past the move are published.
	for _, p := range bAudio[45:] {
		backup.Write(p)
	}
	var seen []string
	last := p.Sequence
	for range 100 {
		p = l.page(t)
		seen = append(seen, describe(p))
		if p.Serial == 20 {
			break
		}
		if p.Sequence != last+1 {
			t.Fatalf("main chain: page %d after %d", p.Sequence, last)
		}
		last = p.Sequence
	}
	// (A listener moves to the fallback's live edge: what it had not
	// yet been sent of the main mount's last chunks, it does not get.)
	if p.Serial != 20 || p.Sequence != 0 {
		t.Fatalf("after the main chain, pages %v: want the fallback's first header page", seen)
	}
	if next := l.page(t); describe(next) != "20/1" {
		t.Fatalf("the fallback's second page %s, want its second header page", describe(next))
	}
	if next := l.page(t); next.Serial != 20 || next.Sequence < 2 || next.Flags&ogg.Continued != 0 {
		t.Fatalf("the fallback's first audio page %s: not one a decoder can start on", describe(next))
	}
}
