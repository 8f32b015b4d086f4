package broadcast

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"onair/internal/testaudio"
	"onair/internal/testenv"
)

// hlsTones are the tones the source plays, one a second, in this order
// and then again.
var hlsTones = []float64{500, 700, 900, 1100, 1300, 1500, 1700, 1900}

// TestHLSFFmpeg has ffmpeg push tones at real time and a second ffmpeg
// play /stream.m3u8, and checks that what it decodes holds the tones in
// order with no gap at the segment joins. It reads 20 s of 2 s segments by
// default, so as to cross several joins quickly; ONAIR_HLS_SECONDS=60
// runs the full minute, and ONAIR_HLS_SEGMENT_SECONDS=6 the
// default segment length.
func TestHLSFFmpeg(t *testing.T) {
	ffmpeg := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	seconds := 20
	if s, err := strconv.Atoi(os.Getenv("ONAIR_HLS_SECONDS")); err == nil && s > 0 {
		seconds = s
	}
	segment := 2
	if s, err := strconv.Atoi(os.Getenv("ONAIR_HLS_SEGMENT_SECONDS")); err == nil && s >= 2 && s <= 10 {
		segment = s
	}
	ts := hlsServerCutting(t, time.Duration(segment)*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(seconds+60)*time.Second)
	defer cancel()

	expr := fmt.Sprintf("0.5*sin(2*PI*(%g+%g*mod(floor(t)\\,%d))*t)", hlsTones[0], hlsTones[1]-hlsTones[0], len(hlsTones))
	src := exec.CommandContext(ctx, ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin", "-re",
		"-f", "lavfi", "-i", "aevalsrc=exprs='"+expr+"':s=44100:c=mono",
		"-c:a", "libmp3lame", "-b:a", "128k", "-f", "mp3", "-content_type", "audio/mpeg",
		"icecast://source:"+testSourcePass+"@"+ts.http+"/stream")
	var srcErr bytes.Buffer
	src.Stderr = &srcErr
	if err := src.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = src.Wait(); close(done) }()
	// stopSource stops the source and returns what it said, which is
	// only safe to read once it has exited.
	stopSource := func() string {
		_ = src.Process.Kill()
		<-done
		return srcErr.String()
	}
	defer stopSource()

	base := "http://" + ts.http
	// Three segments' time, with room for a slow start.
	if !testenv.Poll(time.Duration(3*segment+15)*time.Second, func() bool {
		_, b := httpGet(t, base+"/stream.m3u8")
		return len(segmentURLs(b)) == 3
	}) {
		t.Fatalf("no three segments in the playlist; source: %s", stopSource())
	}
	play := exec.CommandContext(ctx, ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin",
		"-i", base+"/stream.m3u8", "-t", strconv.Itoa(seconds), "-f", "s16le", "-ac", "1", "-ar", "44100", "-")
	var playErr bytes.Buffer
	play.Stderr = &playErr
	raw, err := play.Output()
	if err != nil {
		t.Fatalf("ffmpeg reading HLS: %v\n%s\nsource: %s", err, playErr.String(), stopSource())
	}
	pcm := testaudio.DecodeS16LE(raw, 1)[0]
	if got := float64(len(pcm)) / 44100; got < float64(seconds)-0.1 {
		t.Fatalf("decoded %.2f s, want %d s", got, seconds)
	}
	checkHLSTones(t, pcm, 44100)
}

// checkHLSTones finds the tone of each 20 ms window, and fails on tones
// out of order, a tone that lasts far from a second (audio lost or
// doubled) or a silence over 30 ms.
func checkHLSTones(t *testing.T, pcm []float64, rate int) {
	t.Helper()
	const win = 882 // 20 ms
	type run struct{ tone, start, windows int }
	var runs []run
	for start := 0; start+win <= len(pcm); start += win {
		x := pcm[start : start+win]
		best, level := -1, 0.0
		for i, f := range hlsTones {
			if l := testaudio.HannLevel(x, float64(rate), f); l > level {
				best, level = i, l
			}
		}
		if level < 0.1 {
			best = -1
		}
		if n := len(runs); n > 0 && runs[n-1].tone == best {
			runs[n-1].windows++
		} else {
			runs = append(runs, run{best, start / win, 1})
		}
	}
	// Where one tone turns into the next a window may hold both: runs
	// of one window are that, not a tone.
	var tones []run
	for _, r := range runs {
		if r.windows < 2 {
			continue
		}
		if n := len(tones); n > 0 && tones[n-1].tone == r.tone {
			// Windows skipped between count with the tone.
			r.windows += r.start - (tones[n-1].start + tones[n-1].windows)
			tones[n-1].windows += r.windows
			continue
		}
		tones = append(tones, r)
	}
	var seq strings.Builder
	for _, r := range tones {
		fmt.Fprintf(&seq, " %d:%d", r.tone, r.windows)
	}
	for i, r := range tones {
		if r.tone < 0 {
			t.Fatalf("a silence of %d ms at tone %d of%s", r.windows*20, i, seq.String())
		}
		if i > 0 && r.tone != (tones[i-1].tone+1)%len(hlsTones) {
			t.Fatalf("tone %d out of order:%s", i, seq.String())
		}
		// A whole second is 50 windows; the first and last are cut. Each
		// tone starts a whole number of seconds after the second one, so
		// that audio lost or doubled at joins adds up and shows.
		if i > 0 && i < len(tones)-1 && (r.windows < 48 || r.windows > 52) {
			t.Fatalf("tone %d lasts %d ms:%s", i, r.windows*20, seq.String())
		}
		if i > 1 {
			if off := r.start - tones[1].start - (i-1)*50; off < -2 || off > 2 {
				t.Fatalf("tone %d starts %d ms off its second:%s", i, off*20, seq.String())
			}
		}
	}
	// Gaps: 5 ms windows of silence in a row, past the decoder's start.
	const small = 220
	quiet := 0
	for start := rate / 10; start+small <= len(pcm); start += small {
		if testaudio.RMS(pcm[start:start+small]) < 0.05 {
			quiet++
			if quiet*5 > 30 {
				t.Fatalf("a gap of over 30 ms at %.3f s", float64(start)/float64(rate))
			}
		} else {
			quiet = 0
		}
	}
	t.Logf("%d tones in order:%s", len(tones), seq.String())
}
