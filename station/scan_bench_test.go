package station

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"onair/internal/testenv"
	"onair/library"
	"onair/mixer"
	"onair/store"
)

// TestScanAndMeasure is a measurement, not a check: the library's scan
// of a corpus like library's TestScanTenThousand (N copies of a 2 s,
// 128 kbps MP3 in folders of 100), then the measuring of every track as
// the background does it after the scan (one worker), with the decoders
// the start-up gives the library. It lives here because the library's
// tests may not import the mixer.
//
//	ONAIR_SCAN_BENCH=1 go test ./station/ -run TestScanAndMeasure -v
//
// ONAIR_SCAN_FILES changes the count (default 10000) and
// ONAIR_SCAN_SECONDS the files' length (default 2).
func TestScanAndMeasure(t *testing.T) {
	if os.Getenv("ONAIR_SCAN_BENCH") == "" {
		t.Skip("a measurement: set ONAIR_SCAN_BENCH=1 to run it")
	}
	n := 10000
	if s := os.Getenv("ONAIR_SCAN_FILES"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	secs := os.Getenv("ONAIR_SCAN_SECONDS")
	if secs == "" {
		secs = "2"
	}
	ffmpeg := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	src := filepath.Join(t.TempDir(), "src.mp3")
	if out, err := exec.Command(ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
		"-f", "lavfi", "-i", "sine=frequency=523:sample_rate=44100:duration="+secs,
		"-ac", "2", "-c:a", "libmp3lame", "-b:a", "128k", "-write_id3v2", "0", src).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	audio, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for i := range n {
		sub := filepath.Join(dir, fmt.Sprintf("artist %03d", i/100))
		if i%100 == 0 {
			if err := os.MkdirAll(sub, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("%05d song.mp3", i)), audio, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	db, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	lib := library.New(db, []string{dir}, nil)
	start := time.Now()
	res, err := lib.Scan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	scan := time.Since(start)
	lib.Measure = mixer.MeasureFile
	start = time.Now()
	if err := lib.MeasurePending(ctx); err != nil {
		t.Fatal(err)
	}
	measure := time.Since(start)
	tracks, err := lib.Search(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	measured := 0
	for _, tr := range tracks {
		if tr.LoudnessSource == library.LoudnessMeasured {
			measured++
		}
	}
	if measured != n || res.Added != n {
		t.Errorf("%d files added, %d measured; want %d", res.Added, measured, n)
	}
	audioSecs, _ := strconv.ParseFloat(secs, 64)
	t.Logf("%d files of %s s: scan %v; measuring all after it %v (%.1f ms a file, %.0f× real time); scan + measuring = %.2f× the scan",
		n, secs, scan.Round(time.Millisecond), measure.Round(time.Millisecond),
		float64(measure.Milliseconds())/float64(n), float64(n)*audioSecs/measure.Seconds(), (scan+measure).Seconds()/scan.Seconds())
}
