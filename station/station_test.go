package station

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"onair/broadcast"
	"onair/config"
	"onair/internal/leakcheck"
	"onair/internal/testaudio"
	"onair/internal/testenv"
	"onair/library"
	"onair/mixer"
	"onair/playlist"
	"onair/store"
)

// tone is a fixture track: a sine at freq for secs seconds.
type tone struct {
	file  string
	freq  int
	secs  float64
	rate  int
	codec string // "libmp3lame" or "libvorbis"
}

// makeTone writes a tagged tone file with ffmpeg.
func makeTone(t *testing.T, ffmpeg, dir string, tn tone) {
	t.Helper()
	args := []string{"-v", "error", "-f", "lavfi",
		"-i", fmt.Sprintf("sine=frequency=%d:duration=%g:sample_rate=%d", tn.freq, tn.secs, tn.rate),
		"-af", "volume=3", "-ac", "2", "-c:a", tn.codec,
		"-metadata", "artist=Tester", "-metadata", fmt.Sprintf("title=Tone %d", tn.freq)}
	if tn.codec == "libmp3lame" {
		args = append(args, "-b:a", "128k")
	}
	args = append(args, "-y", filepath.Join(dir, tn.file))
	if out, err := exec.Command(ffmpeg, args...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %s: %v\n%s", tn.file, err, out)
	}
}

// startStation runs a broadcast server and one station playing dir.
func startStation(t *testing.T, dir string, crossfade time.Duration) (addr string, st *Station) {
	t.Helper()
	addr, st, run := newStation(t, dir, crossfade)
	run()
	return addr, st
}

// programs are the test's stations as its server asks about them, given
// once the station is built: it publishes into the server.
type programs struct{ set atomic.Pointer[Set] }

func (p *programs) Program(mount string) (broadcast.Program, bool) {
	if s := p.set.Load(); s != nil {
		return s.Program(mount)
	}
	return broadcast.Program{}, false
}

func (p *programs) Played(mount string, limit int) ([]broadcast.Played, bool) {
	if s := p.set.Load(); s != nil {
		return s.Played(mount, limit)
	}
	return nil, false
}

// newStation prepares a broadcast server and one station playing dir,
// its mount claimed; run puts it on air.
func newStation(t *testing.T, dir string, crossfade time.Duration) (addr string, st *Station, run func()) {
	t.Helper()
	cfg := config.Default().Stations[0]
	cfg.MediaDirs = []string{dir}
	cfg.CrossfadeMS = int(crossfade / time.Millisecond)
	// These tests follow tones of one amplitude through crossfades and
	// start-up against fixed levels; matching loudness would give each
	// frequency its own level (K-weighting), so it is off here and
	// tested on its own (loudness_test.go).
	cfg.LoudnessTarget = config.LoudnessOff
	return newStationOf(t, cfg)
}

// newStationOf is newStation for a station configured as cfg; its
// outputs get mounts as its own mount does.
func newStationOf(t *testing.T, cfg config.Station) (addr string, st *Station, run func()) {
	t.Helper()
	leakcheck.Check(t) // the server, the station and its library stop with the test
	progs := &programs{}
	// A small metaint: a title can only reach a player at an ICY block,
	// and the tests measure where the server placed it.
	output := broadcast.MountSettings{Station: true, BurstSize: 16 << 10, Metaint: 2000,
		WriteTimeout: 5 * time.Second, Grace: time.Second}
	mounts := []broadcast.MountConfig{{Path: cfg.Mount, Settings: output},
		{Path: "/live", Settings: broadcast.MountSettings{Input: true, Listed: true}}}
	for _, o := range cfg.Outputs {
		mounts = append(mounts, broadcast.MountConfig{Path: o.Mount, Settings: output})
	}
	srv := broadcast.New(broadcast.Options{
		ServerID: "OnAir test", DefaultMount: cfg.Mount, Programs: progs,
		Mounts: mounts, WakeInterval: 20 * time.Millisecond,
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	ctx, cancel := context.WithCancel(context.Background())
	db, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	lib := library.New(db, cfg.MediaDirs, nil)
	if _, on := cfg.Loudness(); on {
		lib.Measure = mixer.MeasureFile // as the start-up wires it
	}
	if _, err := lib.Scan(ctx); err != nil {
		t.Fatal(err)
	}
	prog := Programming{Library: lib, Playlists: playlist.NewPlaylists(db, nil), History: playlist.NewHistory(db)}
	st, _, err = New(cfg, prog, srv, nil)
	if err != nil {
		t.Fatal(err)
	}
	progs.set.Store(NewSet(st))
	running := false
	t.Cleanup(func() {
		cancel()
		if running {
			<-st.Done()
		}
		srv.Close()
		db.Close()
	})
	return ln.Addr().String(), st, func() {
		running = true
		go st.Run(ctx)
	}
}

// titleChange is where in a listener's audio bytes a title arrived.
type titleChange struct {
	offset int
	title  string
}

// record listens to /stream for d, returning the audio bytes and where
// each title arrived in them.
func record(t *testing.T, addr string, d time.Duration) ([]byte, []titleChange) {
	t.Helper()
	audio, titles, err := recordMount(addr, "/stream", d)
	if err != nil {
		t.Fatal(err)
	}
	return audio, titles
}

// recordMount listens to mount for d, returning the audio bytes and where
// each title arrived in them.
func recordMount(addr, mount string, d time.Duration) ([]byte, []titleChange, error) {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return nil, nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(d + 10*time.Second))
	io.WriteString(c, "GET "+mount+" HTTP/1.0\r\nIcy-MetaData: 1\r\n\r\n")
	br := bufio.NewReader(c)
	metaint := 0
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, nil, fmt.Errorf("%s: headers: %w", mount, err)
		}
		line = strings.TrimSpace(line)
		if line == "" {
			break
		}
		if v, ok := strings.CutPrefix(strings.ToLower(line), "icy-metaint:"); ok {
			metaint, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	if metaint == 0 {
		return nil, nil, fmt.Errorf("%s: no icy-metaint", mount)
	}
	var audio []byte
	var titles []titleChange
	end := time.Now().Add(d)
	buf := make([]byte, metaint)
	for time.Now().Before(end) {
		if _, err := io.ReadFull(br, buf); err != nil {
			return nil, nil, fmt.Errorf("%s: audio: %w", mount, err)
		}
		audio = append(audio, buf...)
		n, err := br.ReadByte()
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", mount, err)
		}
		if n == 0 {
			continue
		}
		blk := make([]byte, int(n)*16)
		if _, err := io.ReadFull(br, blk); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", mount, err)
		}
		s := strings.TrimRight(string(blk), "\x00")
		s = strings.TrimPrefix(s, "StreamTitle='")
		s, _, _ = strings.Cut(s, "';")
		titles = append(titles, titleChange{len(audio), s})
	}
	return audio, titles, nil
}

// decodeMono decodes MP3 bytes to mono float samples at 44.1 kHz.
func decodeMono(t *testing.T, ffmpeg string, mp3 []byte) []float64 {
	t.Helper()
	cmd := exec.Command(ffmpeg, "-v", "error", "-f", "mp3", "-i", "pipe:0", "-f", "s16le", "-ac", "1", "-ar", "44100", "pipe:1")
	cmd.Stdin = bytes.NewReader(mp3)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("ffmpeg decode: %v\n%s", err, errb.String())
	}
	return testaudio.DecodeS16LE(out.Bytes(), 1)[0]
}

func TestStationPlaysFolderWithCrossfadesAndTitles(t *testing.T) {
	ffmpeg := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	dir := t.TempDir()
	tracks := []tone{
		{"a.mp3", 440, 3, 44100, "libmp3lame"},
		{"b.mp3", 1000, 3, 48000, "libmp3lame"}, // resampled
		{"c.ogg", 1800, 3, 44100, "libvorbis"},
		{"d.mp3", 2600, 3, 32000, "libmp3lame"}, // resampled
	}
	for _, tn := range tracks {
		makeTone(t, ffmpeg, dir, tn)
	}
	// Files that must be skipped without a break in the stream.
	os.WriteFile(filepath.Join(dir, "garbage.mp3"), bytes.Repeat([]byte("not audio "), 5000), 0o644)
	os.WriteFile(filepath.Join(dir, "empty.mp3"), nil, 0o644)

	addr, st := startStation(t, dir, time.Second)
	audio, titles := record(t, addr, 14*time.Second)
	pcm := decodeMono(t, ffmpeg, audio)
	t.Cleanup(func() {
		if keep := os.Getenv("ONAIR_TEST_KEEP"); keep != "" && t.Failed() {
			os.WriteFile(filepath.Join(keep, "station.mp3"), audio, 0o644)
			t.Logf("recording kept in %s/station.mp3; titles %v", keep, titles)
		}
	})

	freqOf := map[string]float64{}
	for _, tn := range tracks {
		freqOf[fmt.Sprintf("Tester - Tone %d", tn.freq)] = float64(tn.freq)
	}
	const win = 441 // 10 ms
	steady := 0.0
	loudest := func(i int) (float64, float64) {
		best, lv := 0.0, 0.0
		for _, tn := range tracks {
			if l := testaudio.HannLevel(pcm[i:i+win], 44100, float64(tn.freq)); l > lv {
				best, lv = float64(tn.freq), l
			}
		}
		return best, lv
	}
	for i := 0; i+win <= len(pcm); i += win {
		_, lv := loudest(i)
		steady = max(steady, lv)
	}

	// Each title change is heard within 0.5 s: the new tone is the loudest
	// 0.6 s after the title arrived (the crossfade is 1 s, so it starts
	// rising at the title and is dominant past the middle).
	heard := 0
	for _, tc := range titles {
		f, ok := freqOf[tc.title]
		if !ok {
			continue
		}
		at := float64(tc.offset) / 16000 // 128 kbps
		// Find where the tone first rises to a tenth of full level.
		// (An upward crossing: the same tone may be fading out from its
		// play a round earlier.)
		rise := -1.0
		below := false
		for i := max(0, int((at-1)*44100)); i+win <= len(pcm) && float64(i)/44100 < at+1.5; i += win {
			up := testaudio.HannLevel(pcm[i:i+win], 44100, f) > steady/10
			if up && below {
				rise = float64(i) / 44100
				break
			}
			below = !up
		}
		if rise < 0 {
			if at+1.5 < float64(len(pcm))/44100 {
				t.Errorf("title %q at %.2f s: its tone never heard", tc.title, at)
			}
			continue
		}
		// With an equal-power fade the tone reaches a tenth of its level
		// about 64 ms after the fade begins.
		if d := rise - 0.064 - at; math.Abs(d) > 0.5 {
			t.Errorf("title %q arrived at %.2f s, its tone began at %.2f s (%.2f s apart)", tc.title, at, rise, d)
		}
		heard++
	}
	if heard < 3 {
		t.Fatalf("only %d track changes heard in 14 s: titles %v", heard, titles)
	}

	// No silence anywhere once music started, and the crossfades keep the
	// level within 3 dB (equal power; the tones are uncorrelated).
	start := int(0.5 * 44100)
	for i := start; i+win <= len(pcm); i += win {
		var sum float64
		for _, v := range pcm[i : i+win] {
			sum += v * v
		}
		r := math.Sqrt(sum/win) * math.Sqrt2
		if r < steady/math.Sqrt2 {
			t.Fatalf("level dips to %.3f (of %.3f) at %.2f s", r, steady, float64(i)/44100)
		}
	}

	// Crossfade length: windows where two tones are both above 1/30 of
	// full level. An equal-power fade is under that for 2/π·asin(1/30) of
	// its length at each end, so a 1 s fade shows as 958 ms.
	overlaps, run := []int{}, 0
	for i := start; i+win <= len(pcm); i += win {
		both := 0
		for _, tn := range tracks {
			if testaudio.HannLevel(pcm[i:i+win], 44100, float64(tn.freq)) > steady/30 {
				both++
			}
		}
		if both >= 2 {
			run++
		} else if run > 0 {
			overlaps = append(overlaps, run)
			run = 0
		}
	}
	for _, o := range overlaps {
		want := time.Second - time.Duration(4/math.Pi*math.Asin(1.0/30)*float64(time.Second))
		if d := time.Duration(o) * 10 * time.Millisecond; d < want-50*time.Millisecond || d > want+50*time.Millisecond {
			t.Errorf("a crossfade lasted %v, want %v ± 50 ms (all: %v)", d, want, overlaps)
		}
	}
	if len(overlaps) < 3 {
		t.Errorf("only %d crossfades found", len(overlaps))
	}

	// The broken files were reported, not played.
	probs := strings.Join(st.Info(context.Background()).Problems, "\n")
	for _, f := range []string{"garbage.mp3", "empty.mp3"} {
		if !strings.Contains(probs, f) {
			t.Errorf("problems do not mention %s:\n%s", f, probs)
		}
	}
}

// TestStationKeepsTime: a listener reading for a minute receives the
// bitrate times the time, within 0.5 %: the engine is paced by the
// samples it produced, so it neither drifts nor rushes.
func TestStationKeepsTime(t *testing.T) {
	t.Parallel()
	ffmpeg := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	dir := t.TempDir()
	makeTone(t, ffmpeg, dir, tone{"long.mp3", 330, 90, 44100, "libmp3lame"})
	addr, _ := startStation(t, dir, 0)
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(90 * time.Second))
	io.WriteString(c, "GET /stream HTTP/1.0\r\n\r\n")
	br := bufio.NewReaderSize(c, 64<<10)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if line == "\r\n" {
			break
		}
	}
	var total int64
	buf := make([]byte, 32<<10)
	read := func(until time.Time) {
		for time.Now().Before(until) {
			n, err := br.Read(buf)
			total += int64(n)
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	read(time.Now().Add(5 * time.Second)) // past the burst
	from, start := total, time.Now()
	read(start.Add(60 * time.Second))
	rate := float64(total-from) / time.Since(start).Seconds()
	t.Logf("%.1f bytes/s over 60 s", rate)
	if math.Abs(rate/16000-1) > 0.005 {
		t.Errorf("received %.1f bytes/s over 60 s, want 16000 ± 0.5 %%", rate)
	}
}
