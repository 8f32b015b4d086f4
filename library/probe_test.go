package library

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"onair/codec/mpeg"
	"onair/codec/ogg"
	"onair/internal/testenv"
)

// probeFixture is a file the tests make, and what probing it must find.
type probeFixture struct {
	name   string
	opts   []string // ffmpeg output options; nil for files made in Go
	format string   // "" when not audio
	rate   int
	artist string
	title  string
	broken bool   // Error must be set
	warn   string // a substring of the warning; "" for none
}

// probeFixtures are made by one ffmpeg run (one output each) and a few Go
// edits of its files; every test that needs audio starts from them.
var probeFixtures = []probeFixture{
	{name: "cbr44.mp3", opts: []string{"-ar", "44100", "-c:a", "libmp3lame", "-b:a", "128k",
		"-metadata", "artist=The Testers", "-metadata", "title=Constant Tone", "-metadata", "album=Fixtures", "-f", "mp3"},
		format: "mp3", rate: 44100, artist: "The Testers", title: "Constant Tone"},
	{name: "vbr44.mp3", opts: []string{"-ar", "44100", "-c:a", "libmp3lame", "-q:a", "4",
		"-metadata", "artist=Ünïcode Bänd", "-metadata", "title=Variable Tone", "-f", "mp3"},
		format: "mp3", rate: 44100, artist: "Ünïcode Bänd", title: "Variable Tone"},
	{name: "vbr22.mp3", opts: []string{"-ar", "22050", "-c:a", "libmp3lame", "-q:a", "4",
		"-metadata", "title=Low Rate", "-f", "mp3"}, format: "mp3", rate: 22050, title: "Low Rate"},
	{name: "vbr48.mp3", opts: []string{"-ar", "48000", "-c:a", "libmp3lame", "-q:a", "4", "-f", "mp3"},
		format: "mp3", rate: 48000},
	{name: "tone.ogg", opts: []string{"-ar", "44100", "-c:a", "libvorbis", "-q:a", "4",
		"-metadata", "artist=Vorbis Band", "-metadata", "title=Ogg Tone", "-f", "ogg"},
		format: "ogg", rate: 44100, artist: "Vorbis Band", title: "Ogg Tone"},
	{name: "opus.ogg", opts: []string{"-ar", "48000", "-c:a", "libopus", "-f", "ogg"}, format: "ogg", broken: true},
	{name: "text.mp3", format: "", broken: true},
	{name: "garbage.mp3", broken: true},
	{name: "truncated.mp3", format: "mp3", rate: 44100, warn: "truncated"},
	{name: "lying.mp3", format: "mp3", rate: 44100, warn: "says"},
	{name: "glitch.mp3", format: "mp3", rate: 44100, warn: "damaged"},
	{name: "mostlyjunk.mp3", format: "mp3", broken: true},
	{name: "badtail.mp3", format: "mp3", broken: true},                                    // sound headers, noise inside the last frames
	{name: "concat.mp3", format: "mp3", rate: 44100, artist: "The Testers", warn: "says"}, // two files, a tag between
	{name: "cut.ogg", format: "ogg", rate: 44100, warn: "truncated"},
	{name: "junk.ogg", format: "ogg", rate: 44100, warn: "damaged"},
	{name: "badcrc.ogg", format: "ogg", rate: 44100, warn: "CRC"},
}

// probeFixtureSeconds is the fixtures' length.
const probeFixtureSeconds = 3

// makeProbeFixtures makes every probeFixtures file in dir and returns dir.
// Without ffmpeg the test is skipped, or fails in CI.
func makeProbeFixtures(t testing.TB, dir string) string {
	t.Helper()
	bin := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	args := []string{"-hide_banner", "-loglevel", "error", "-nostdin", "-y",
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=" + strconv.Itoa(probeFixtureSeconds)}
	for _, f := range probeFixtures {
		if f.opts != nil {
			args = append(append(args, f.opts...), filepath.Join(dir, f.name))
		}
	}
	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	noise := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	write("text.mp3", []byte(strings.Repeat("This is not music, just a text file named .mp3.\n", 200)))
	write("garbage.mp3", noise(200_000))
	cbr, vbr, ogg := read("cbr44.mp3"), read("vbr44.mp3"), read("tone.ogg")
	write("truncated.mp3", cbr[:len(cbr)*6/10+7])
	write("lying.mp3", probeLieXing(t, vbr, 3))
	mid := probeFrameStart(t, cbr, len(cbr)/2)
	write("glitch.mp3", concatBytes(cbr[:mid+5], noise(700), cbr[mid+5:]))
	var junky []byte
	for i := 0; i < len(cbr); i += 4000 {
		junky = append(junky, cbr[i:min(i+4000, len(cbr))]...)
		junky = append(junky, noise(2000)...)
	}
	write("mostlyjunk.mp3", junky)
	write("concat.mp3", concatBytes(cbr, vbr))
	// The walk sees a sound chain of headers; only decoding the end finds
	// that the last frames hold noise.
	badTail := bytes.Clone(cbr)
	for off := probeFrameStart(t, cbr, len(cbr)*6/10); off+4 < len(badTail); {
		h, err := mpeg.ParseHeader(badTail[off:])
		if err != nil {
			break
		}
		end := min(off+h.FrameSize(), len(badTail))
		copy(badTail[off+4:end], noise(end-off-4))
		off = end
	}
	write("badtail.mp3", badTail)
	write("cut.ogg", ogg[:len(ogg)-500])
	page := len(ogg)/2 + bytes.Index(ogg[len(ogg)/2:], []byte("OggS"))
	write("junk.ogg", concatBytes(ogg[:page], noise(300), ogg[page:]))
	bad := bytes.Clone(ogg)
	if i := bytes.Index(bad[len(bad)/2:], []byte("OggS")); i >= 0 {
		bad[len(bad)/2+i+100] ^= 0x55 // a flipped bit in one page's payload
	}
	write("badcrc.ogg", bad)
	return dir
}

func concatBytes(parts ...[]byte) []byte {
	return bytes.Join(parts, nil)
}

// probeFrameStart returns the offset of the first MP3 frame header at or
// after off whose frame another header follows.
func probeFrameStart(t testing.TB, b []byte, off int) int {
	t.Helper()
	for i := off; i+4 < len(b); i++ {
		h, err := mpeg.ParseHeader(b[i:])
		if err != nil {
			continue
		}
		if n := i + h.FrameSize(); n+4 < len(b) {
			if _, err := mpeg.ParseHeader(b[n:]); err == nil {
				return i
			}
		}
	}
	t.Fatal("no frame found")
	return 0
}

// probeLieXing returns a copy of the MP3 file b whose Xing frame count is
// multiplied by factor.
func probeLieXing(t testing.TB, b []byte, factor uint32) []byte {
	t.Helper()
	b = bytes.Clone(b)
	i := bytes.Index(b, []byte("Xing"))
	if i < 0 {
		i = bytes.Index(b, []byte("Info"))
	}
	if i < 0 || binary.BigEndian.Uint32(b[i+4:])&1 == 0 {
		t.Fatal("no Xing frame count to patch")
	}
	n := binary.BigEndian.Uint32(b[i+8:])
	binary.BigEndian.PutUint32(b[i+8:], n*factor)
	return b
}

// ffprobeDuration is what ffprobe says of the file's duration and start
// time in seconds.
func ffprobeDuration(t testing.TB, path string) (dur, start float64) {
	t.Helper()
	bin := testenv.RequireTool(t, "ffprobe", "ffmpeg")
	out, err := exec.Command(bin, "-v", "error", "-show_entries", "format=duration,start_time",
		"-of", "default=noprint_wrappers=1", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	for _, line := range strings.Fields(string(out)) {
		k, v, _ := strings.Cut(line, "=")
		f, _ := strconv.ParseFloat(v, 64)
		switch k {
		case "duration":
			dur = f
		case "start_time":
			start = f
		}
	}
	return dur, start
}

// ffmpegSamples is how many samples ffmpeg decodes from the file (it drops
// the encoder delay and padding, as our decoder does).
func ffmpegSamples(t testing.TB, path string) int {
	t.Helper()
	bin := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	out, err := exec.Command(bin, "-v", "error", "-i", path, "-f", "s16le", "-ac", "1", "-").Output()
	if err != nil {
		t.Fatalf("ffmpeg decode %s: %v", path, err)
	}
	return len(out) / 2
}

func TestProbeFixtures(t *testing.T) {
	dir := makeProbeFixtures(t, t.TempDir())
	p := newProber()
	for _, f := range probeFixtures {
		t.Run(f.name, func(t *testing.T) {
			path := filepath.Join(dir, f.name)
			r, err := p.probe(path)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%+v", r)
			if r.Format != f.format {
				t.Errorf("format %q, want %q", r.Format, f.format)
			}
			if f.broken {
				if r.Error == "" {
					t.Errorf("no error for a broken file")
				}
				return
			}
			if r.Error != "" {
				t.Fatalf("error %q", r.Error)
			}
			if r.SampleRate != f.rate {
				t.Errorf("sample rate %d, want %d", r.SampleRate, f.rate)
			}
			if f.artist != "" && r.Artist != f.artist || f.title != "" && r.Title != f.title {
				t.Errorf("tags %q / %q, want %q / %q", r.Artist, r.Title, f.artist, f.title)
			}
			if f.warn == "" && r.Warning != "" || !strings.Contains(r.Warning, f.warn) {
				t.Errorf("warning %q, want one with %q", r.Warning, f.warn)
			}
			if r.DurationMS <= 0 || r.Bitrate <= 0 {
				t.Errorf("duration %d ms, bitrate %d kbps", r.DurationMS, r.Bitrate)
			}
			if f.name == "concat.mp3" && (r.DurationMS < 5950 || r.DurationMS > 6100) {
				t.Errorf("two 3 s files last %d ms", r.DurationMS)
			}
		})
	}
}

// TestProbeDurationExact compares durations with what FFmpeg makes of the
// same files: within 30 ms of ffprobe's duration (less its start time, the
// encoder delay it reports apart), and within a millisecond or two of the
// samples ffmpeg decodes (which, like our decoder, drops the encoder delay
// and padding).
func TestProbeDurationExact(t *testing.T) {
	dir := makeProbeFixtures(t, t.TempDir())
	p := newProber()
	for _, name := range []string{"cbr44.mp3", "vbr44.mp3", "vbr22.mp3", "vbr48.mp3", "tone.ogg", "lying.mp3"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			r, err := p.probe(path)
			if err != nil || r.Error != "" {
				t.Fatalf("probe: %v %q", err, r.Error)
			}
			got := float64(r.DurationMS) / 1000
			dur, start := ffprobeDuration(t, path)
			if name == "lying.mp3" {
				// ffprobe believes the header; the decoded samples tell.
				dur, start = ffprobeDuration(t, filepath.Join(dir, "vbr44.mp3"))
			}
			if d := math.Abs(got - (dur - start)); d > 0.030 {
				t.Errorf("duration %.3f s, ffprobe %.3f s (start %.3f): %.0f ms apart", got, dur, start, d*1000)
			}
			decodedPath := path
			if name == "lying.mp3" {
				// ffmpeg trusts the header to find the padding at the end.
				decodedPath = filepath.Join(dir, "vbr44.mp3")
			}
			decoded := float64(ffmpegSamples(t, decodedPath)) / float64(r.SampleRate)
			if d := math.Abs(got - decoded); d > 0.002 {
				t.Errorf("duration %.4f s, ffmpeg decodes %.4f s", got, decoded)
			}
			if d := math.Abs(got - probeFixtureSeconds); d > 0.002 {
				t.Errorf("duration %.4f s of a %d s tone", got, probeFixtureSeconds)
			}
		})
	}
}

func TestProbeBitrates(t *testing.T) {
	dir := makeProbeFixtures(t, t.TempDir())
	p := newProber()
	for _, c := range []struct {
		name   string
		lo, hi int
	}{
		{"cbr44.mp3", 128, 128},
		{"vbr44.mp3", 32, 200}, // a pure tone is cheap: far below q4's ~165 kbps for music
		{"tone.ogg", 20, 200},
	} {
		r, err := p.probe(filepath.Join(dir, c.name))
		if err != nil || r.Error != "" {
			t.Fatalf("%s: %v %q", c.name, err, r.Error)
		}
		size := fileSize(t, filepath.Join(dir, c.name))
		avg := float64(size) * 8 / float64(r.DurationMS) // kbps over the whole file
		if r.Bitrate < c.lo || r.Bitrate > c.hi || math.Abs(float64(r.Bitrate)-avg) > avg/4+2 {
			t.Errorf("%s: %d kbps; want %d..%d, near the file's %.0f", c.name, r.Bitrate, c.lo, c.hi, avg)
		}
	}
}

func fileSize(t testing.TB, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestProbeEndTags checks that tags and junk at the end of an MP3 are not
// taken for audio or damage.
func TestProbeEndTags(t *testing.T) {
	dir := makeProbeFixtures(t, t.TempDir())
	cbr, err := os.ReadFile(filepath.Join(dir, "cbr44.mp3"))
	if err != nil {
		t.Fatal(err)
	}
	id3v1 := append([]byte("TAG"), make([]byte, 125)...)
	copy(id3v1[3:], "V1 Title")
	ape := make([]byte, 32)
	copy(ape, "APETAGEX")
	binary.LittleEndian.PutUint32(ape[8:], 2000)
	binary.LittleEndian.PutUint32(ape[12:], 32)
	lyrics := []byte("LYRICSBEGINla la la" + "000019LYRICS200")
	p := newProber()
	want, err := p.probe(filepath.Join(dir, "cbr44.mp3"))
	if err != nil {
		t.Fatal(err)
	}
	for name, tail := range map[string][]byte{
		"id3v1":        id3v1,
		"ape+id3v1":    concatBytes(ape, id3v1),
		"lyrics+id3v1": concatBytes(lyrics, id3v1),
	} {
		path := filepath.Join(dir, "end-"+name+".mp3")
		if err := os.WriteFile(path, concatBytes(cbr, tail), 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := p.probe(path)
		if err != nil {
			t.Fatal(err)
		}
		if r.Error != "" || r.Warning != "" || r.DurationMS != want.DurationMS {
			t.Errorf("%s: %+v, want %d ms and no error or warning", name, r, want.DurationMS)
		}
	}
}

// TestProbeModeChange: a file joined from a stereo and a mono part at
// one sample rate is one stream to the decoder (the channel mode may
// change from frame to frame; mpeg.Header.SameStream), so the walk counts
// both parts and finds no damage where the mode changes.
func TestProbeModeChange(t *testing.T) {
	bin := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	dir := t.TempDir()
	var parts [][]byte
	for _, ch := range []string{"2", "1"} {
		path := filepath.Join(dir, "part"+ch+".mp3")
		out, err := exec.Command(bin, "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
			"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=2", "-ac", ch,
			"-c:a", "libmp3lame", "-b:a", "128k", "-write_xing", "0", "-id3v2_version", "0", "-f", "mp3", path).CombinedOutput()
		if err != nil {
			t.Fatalf("ffmpeg: %v\n%s", err, out)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, b)
	}
	path := filepath.Join(dir, "joined.mp3")
	if err := os.WriteFile(path, concatBytes(parts...), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := newProber().probe(path)
	if err != nil {
		t.Fatal(err)
	}
	if r.Error != "" || r.Warning != "" {
		t.Fatalf("error %q, warning %q; want none", r.Error, r.Warning)
	}
	if r.DurationMS < 4000 || r.DurationMS > 4200 {
		t.Errorf("duration %d ms, want both parts' 4 s and their padding", r.DurationMS)
	}
}

// TestProbeVorbisHeaders: an Ogg file whose pages are all sound but
// whose Vorbis setup header is damaged does not play, and the head decode
// says so.
func TestProbeVorbisHeaders(t *testing.T) {
	dir := makeProbeFixtures(t, t.TempDir())
	b, err := os.ReadFile(filepath.Join(dir, "tone.ogg"))
	if err != nil {
		t.Fatal(err)
	}
	setup := bytes.Index(b, []byte("\x05vorbis"))
	book := setup + bytes.Index(b[setup:], []byte("BCV"))
	if setup < 0 || book < setup {
		t.Fatal("no setup header in the fixture")
	}
	b[book] ^= 0xFF // the first codebook loses its sync pattern
	for off := 0; off < len(b); {
		p, err := ogg.ParseHeader(b[off:])
		if err != nil {
			t.Fatal(err)
		}
		if n := p.Size(); off <= book && book < off+n {
			binary.LittleEndian.PutUint32(b[off+22:], ogg.CRC(b[off:off+n]))
		}
		off += p.Size()
	}
	path := filepath.Join(dir, "badsetup.ogg")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := newProber().probe(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Error, "does not decode") || r.Warning != "" {
		t.Errorf("error %q, warning %q; want the decoder's refusal and no CRC warning", r.Error, r.Warning)
	}
}

// TestProbeRefusesWhatDoesNotDecode checks the head decode: a file whose
// frame chain is sound but whose frames are not Layer III audio the
// decoder plays.
func TestProbeRefusesWhatDoesNotDecode(t *testing.T) {
	// A chain of valid MPEG-1 Layer I headers with zero payload: the walk
	// is happy, the decoder is not.
	h := mpeg.Header{Version: mpeg.MPEG1, Layer: 1, Bitrate: 128, SampleRate: 44100, Mode: mpeg.Stereo}
	var b []byte
	for range 200 {
		hdr, err := h.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		frame := make([]byte, h.FrameSize())
		copy(frame, hdr)
		b = append(b, frame...)
	}
	path := filepath.Join(t.TempDir(), "layer1.mp3")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := newProber().probe(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Error, "does not decode") {
		t.Errorf("layer I file: error %q, want the decoder's refusal", r.Error)
	}
}

func TestProbeUnreadable(t *testing.T) {
	if _, err := newProber().probe(filepath.Join(t.TempDir(), "gone.mp3")); err == nil {
		t.Error("probing a missing file: no error")
	}
}

func TestProbeClean(t *testing.T) {
	for in, want := range map[string]string{
		"  Plain  ":         "Plain",
		"A\x00B":            "A B",
		"Line\r\nbreak":     "Line break",
		"bad\xffutf8":       "badutf8",
		"Ünïcode \u0085end": "Ünïcode end",
	} {
		if got := probeClean(in); got != want {
			t.Errorf("probeClean(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzProbe checks that no file, however mangled, makes the probe panic,
// hang or call a broken file playable without a duration.
func FuzzProbe(f *testing.F) {
	h := mpeg.Header{Version: mpeg.MPEG1, Layer: 3, Bitrate: 128, SampleRate: 44100, Mode: mpeg.JointStereo}
	hdr, _ := h.AppendBinary(nil)
	frame := append(hdr, make([]byte, h.FrameSize()-4)...)
	f.Add(bytes.Repeat(frame, 4))
	f.Add(append(id3v2("a", "b", "c"), bytes.Repeat(frame, 3)...))
	f.Add(append(bytes.Repeat(frame, 2), "TAG"...))
	page := []byte("OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x1e\x01vorbis\x00\x00\x00\x00\x02\x44\xac\x00\x00")
	f.Add(append(page, make([]byte, 16)...))
	f.Add([]byte("LYRICSBEGINxLYRICSEND"))
	dir := f.TempDir()
	p := newProber()
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(dir, "fuzz.mp3")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := p.probe(path)
		if err != nil {
			t.Fatal(err)
		}
		if r.Error == "" && (r.DurationMS <= 0 || r.SampleRate <= 0 || r.Format == "") {
			t.Errorf("playable without a duration: %+v", r)
		}
	})
}
