package broadcast

import (
	"context"
	"testing"
	"time"

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
	waitOnAirFrom(t, ts, "/backup.ogg", backup)
	main := ffmpegOggSource(t, ctx, vorbis.encoder, vorbis.rate, vorbis.extra, url("/main.ogg"), "application/ogg", 440, 30*time.Second)
	waitOnAirFrom(t, ts, "/main.ogg", main)

	type result struct {
		pcm  []byte
		said string
	}
	done := make(chan result, 1)
	const d = 8 * time.Second
	go func() {
		pcm, said := decodeOggWarnings(ctx, "http://"+ts.http+"/main.ogg", d)
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
