package library

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"onair/internal/testenv"
)

// fakeMeter measures each file as loud as its table says, and counts the
// measurements.
type fakeMeter struct {
	mu    sync.Mutex
	lufs  map[string]float64 // by base name; missing = cannot decode
	calls map[string]int
}

func (m *fakeMeter) measure(ctx context.Context, path string) (float64, float64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls[filepath.Base(path)]++
	v, ok := m.lufs[filepath.Base(path)]
	if !ok {
		return 0, 0, errors.New("cannot decode")
	}
	return v, v + 10, nil
}

func (m *fakeMeter) count(name string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls[name]
}

func TestLoudnessStored(t *testing.T) {
	fx := makeProbeFixtures(t, t.TempDir())
	dir := t.TempDir()
	for _, n := range []string{"cbr44.mp3", "vbr44.mp3", "tone.ogg"} {
		copyFixture(t, fx, n, dir, "")
	}
	l, st := newTestLibrary(t, dir)
	m := &fakeMeter{lufs: map[string]float64{"cbr44.mp3": -20.5, "tone.ogg": -9}, calls: map[string]int{}}
	l.Measure = m.measure
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); l.Run(ctx, 0) }()
	defer func() { cancel(); <-done }()

	// The background measuring gets to every file after the scan.
	cbr := filepath.Join(dir, "cbr44.mp3")
	deadline := time.Now().Add(10 * time.Second)
	for m.count("vbr44.mp3") == 0 || trackAt(t, st, l, filepath.Join(dir, "tone.ogg")).LoudnessSource != LoudnessMeasured {
		if time.Now().After(deadline) {
			t.Fatal("the background measuring did not reach every file in 10 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	tr := trackAt(t, st, l, cbr)
	if tr.LoudnessLUFS == nil || *tr.LoudnessLUFS != -20.5 || tr.TruePeakDBTP == nil || *tr.TruePeakDBTP != -10.5 ||
		tr.LoudnessSource != LoudnessMeasured {
		t.Errorf("stored loudness %v LUFS, %v dBTP, %q; want -20.5, -10.5, measured", tr.LoudnessLUFS, tr.TruePeakDBTP, tr.LoudnessSource)
	}
	// A file that does not decode is marked, not measured over and over.
	if tr := trackAt(t, st, l, filepath.Join(dir, "vbr44.mp3")); tr.LoudnessLUFS != nil || tr.LoudnessSource != loudnessFailed {
		t.Errorf("undecodable file stored as %v, %q", tr.LoudnessLUFS, tr.LoudnessSource)
	}
	if ld, ok, err := l.Loudness(ctx, filepath.Join(dir, "vbr44.mp3")); err != nil || ok {
		t.Errorf("Loudness of an undecodable file = %v, %v, %v; want not known", ld, ok, err)
	}

	// A measured track is not measured again before it plays.
	n := m.count("cbr44.mp3")
	ld, ok, err := l.Loudness(ctx, cbr)
	if err != nil || !ok || ld.LUFS != -20.5 || ld.Source != LoudnessMeasured {
		t.Errorf("Loudness = %+v, %v, %v", ld, ok, err)
	}
	if m.count("cbr44.mp3") != n {
		t.Error("Loudness measured a measured track again")
	}

	// A changed file loses its measurement; Loudness measures it on
	// demand, before the background does.
	cancel()
	<-done
	m.lufs["cbr44.mp3"] = -30
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(cbr, later, later); err != nil {
		t.Fatal(err)
	}
	mustScan(t, l)
	if tr := trackAt(t, st, l, cbr); tr.LoudnessLUFS != nil || tr.LoudnessSource != "" {
		t.Errorf("a changed file keeps its loudness: %v, %q", *tr.LoudnessLUFS, tr.LoudnessSource)
	}
	ld, ok, err = l.Loudness(context.Background(), cbr)
	if err != nil || !ok || ld.LUFS != -30 {
		t.Errorf("Loudness of the changed file = %+v, %v, %v; want -30 LUFS", ld, ok, err)
	}
	if tr := trackAt(t, st, l, cbr); tr.LoudnessLUFS == nil || *tr.LoudnessLUFS != -30 {
		t.Error("the measurement on demand is not stored")
	}
	// Silence is stored at the absolute gate, which JSON can carry.
	m.lufs["tone.ogg"] = negInf()
	if err := os.Chtimes(filepath.Join(dir, "tone.ogg"), later, later); err != nil {
		t.Fatal(err)
	}
	mustScan(t, l)
	if ld, _, _ := l.Loudness(context.Background(), filepath.Join(dir, "tone.ogg")); ld.LUFS != loudnessFloor {
		t.Errorf("silence stored as %v LUFS, want %v", ld.LUFS, loudnessFloor)
	}
	// Without a meter, nothing is measured and nothing is known.
	l.Measure = nil
	if _, ok, err := l.Loudness(context.Background(), filepath.Join(dir, "nothere.mp3")); ok || err != nil {
		t.Errorf("Loudness of a file not in the library: %v, %v", ok, err)
	}
}

func negInf() float64 { return math.Inf(-1) }

// TestLoudnessTagsUntilMeasured: a file's ReplayGain tag gives its
// loudness at the scan; our measurement replaces it once made.
func TestLoudnessTagsUntilMeasured(t *testing.T) {
	ffmpeg := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	dir := t.TempDir()
	path := filepath.Join(dir, "tagged.mp3")
	if out, err := exec.Command(ffmpeg, "-v", "error", "-f", "lavfi", "-i", "sine=duration=1",
		"-c:a", "libmp3lame", "-metadata", "REPLAYGAIN_TRACK_GAIN=-4.00 dB",
		"-metadata", "REPLAYGAIN_TRACK_PEAK=0.5", path).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	l, st := newTestLibrary(t, dir)
	mustScan(t, l)
	tr := trackAt(t, st, l, path)
	if tr.LoudnessLUFS == nil || *tr.LoudnessLUFS != -14 || tr.TruePeakDBTP == nil ||
		math.Abs(*tr.TruePeakDBTP+6.02) > 0.01 || tr.LoudnessSource != LoudnessTag {
		t.Fatalf("scanned loudness %v, %v, %q; want -14 LUFS, -6.02 dB from the tag", tr.LoudnessLUFS, tr.TruePeakDBTP, tr.LoudnessSource)
	}
	if ld, ok, err := l.Loudness(context.Background(), path); err != nil || !ok || ld.LUFS != -14 || ld.Source != LoudnessTag {
		t.Errorf("without a meter, Loudness = %+v, %v, %v; want the tag's", ld, ok, err)
	}
	m := &fakeMeter{lufs: map[string]float64{"tagged.mp3": -19}, calls: map[string]int{}}
	l.Measure = m.measure
	if ld, ok, err := l.Loudness(context.Background(), path); err != nil || !ok || ld.LUFS != -19 || ld.Source != LoudnessMeasured {
		t.Errorf("with a meter, Loudness = %+v, %v, %v; want the measurement", ld, ok, err)
	}
	if tr := trackAt(t, st, l, path); tr.LoudnessSource != LoudnessMeasured {
		t.Errorf("the measurement did not replace the tag in the store: %q", tr.LoudnessSource)
	}
}

// TestLoudnessTagsWhenMeasuringFails: a file the meter cannot decode still
// plays by its tags.
func TestLoudnessTagsWhenMeasuringFails(t *testing.T) {
	ffmpeg := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	dir := t.TempDir()
	path := filepath.Join(dir, "tagged.mp3")
	if out, err := exec.Command(ffmpeg, "-v", "error", "-f", "lavfi", "-i", "sine=duration=1",
		"-c:a", "libmp3lame", "-metadata", "REPLAYGAIN_TRACK_GAIN=+2.00 dB", path).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	l, _ := newTestLibrary(t, dir)
	mustScan(t, l)
	m := &fakeMeter{lufs: map[string]float64{}, calls: map[string]int{}}
	l.Measure = m.measure
	for range 2 {
		if ld, ok, err := l.Loudness(context.Background(), path); err != nil || !ok || ld.LUFS != -20 || ld.Source != LoudnessTag {
			t.Errorf("Loudness = %+v, %v, %v; want -20 LUFS from the tag", ld, ok, err)
		}
	}
	if n := m.count("tagged.mp3"); n != 1 {
		t.Errorf("measured %d times; a file that failed is not tried again until it changes", n)
	}
}

// TestTrackLoudnessJSON pins the API's names: null until known.
func TestTrackLoudnessJSON(t *testing.T) {
	lufs, peak := -14.25, -1.5
	for _, tt := range []struct {
		tr   Track
		want string
	}{
		{Track{}, `"loudness_lufs":null,"true_peak_dbtp":null,"loudness_source":""`},
		{Track{LoudnessLUFS: &lufs, TruePeakDBTP: &peak, LoudnessSource: LoudnessMeasured},
			`"loudness_lufs":-14.25,"true_peak_dbtp":-1.5,"loudness_source":"measured"`},
	} {
		b, err := json.Marshal(tt.tr)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), tt.want) {
			t.Errorf("JSON %s lacks %s", b, tt.want)
		}
	}
}
