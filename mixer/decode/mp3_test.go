package decode

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hajimehoshi/go-mp3"
)

// clickAt is where the click fixtures have their one non-zero sample.
const clickAt = 10000

// makeClick encodes one second of silence with a single 0.9 sample at
// clickAt: where it comes out measures the delays exactly.
func makeClick(t testing.TB, dir, name string, rate int, opts ...string) string {
	t.Helper()
	src := fmt.Sprintf("aevalsrc=if(eq(n\\,%d)\\,0.9\\,0):s=%d:d=1", clickAt, rate)
	return makeSource(t, dir, name, src, opts...)
}

// layoutOf locates the audio of the MP3 file at path.
func layoutOf(t testing.TB, path string) mp3Layout {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	l, err := locateMP3(f, fi.Size())
	if err != nil {
		t.Fatalf("locateMP3: %v", err)
	}
	return l
}

// goMP3Left decodes the whole file at path with go-mp3 alone, as it
// would play without this package: the left channel as float64.
func goMP3Left(t testing.TB, path string) []float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := mp3.NewDecoder(bufio.NewReader(f))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(d)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float64, len(b)/4)
	for i := range out {
		out[i] = float64(int16(binary.LittleEndian.Uint16(b[4*i:]))) / 32768
	}
	return out
}

// TestMP3DecoderDelay measures go-mp3's decoder delay, the constant the
// gapless trim relies on: a click encoded at clickAt comes out of go-mp3
// at clickAt + the Info frame (which go-mp3 plays as a frame of silence)
// + the encoder delay from the LAME tag + decoderDelay.
func TestMP3DecoderDelay(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		rate int
		opts []string
	}{
		{44100, cbr128},
		{48000, vbrQ4},
		{32000, cbr128},
		{22050, with(cbr128, "-b:a", "64k")},
	} {
		t.Run(fmt.Sprint(tt.rate), func(t *testing.T) {
			path := makeClick(t, dir, fmt.Sprintf("click%d.mp3", tt.rate), tt.rate, tt.opts...)
			l := layoutOf(t, path)
			if !l.hasInfo || !l.info.gapless {
				t.Fatalf("no LAME/Lavc Info tag found: %+v", l)
			}
			x := goMP3Left(t, path)
			spf := l.first.samplesPerFrame()
			if want := (l.info.frames + 1) * spf; len(x) != want {
				t.Errorf("go-mp3 gave %d samples, want %d: the %d frames and the Info frame", len(x), want, l.info.frames)
			}
			for i, v := range x[:spf] {
				if v != 0 {
					t.Fatalf("go-mp3's output of the Info frame is not silent: sample %d = %g", i, v)
				}
			}
			delay := peakAt(x) - clickAt - spf - l.info.delay
			t.Logf("%d Hz: encoder delay %d, padding %d, go-mp3 decoder delay %d", tt.rate, l.info.delay, l.info.padding, delay)
			if delay != decoderDelay {
				t.Errorf("measured go-mp3 decoder delay %d, decoderDelay is %d", delay, decoderDelay)
			}
		})
	}
}

// TestMP3Gapless checks the trim: a one-second file gives exactly one
// second, with the click where it was encoded.
func TestMP3Gapless(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name string
		rate int
		opts []string
	}{
		{"cbr-44k", 44100, cbr128},
		{"vbr-44k", 44100, vbrQ4},
		{"cbr-48k", 48000, cbr128},
		{"vbr-32k", 32000, vbrQ4},
		{"mpeg2-22k", 22050, with(cbr128, "-b:a", "64k")},
		{"mono-24k", 24000, with(vbrQ4, "-ac", "1")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := makeClick(t, dir, tt.name+".mp3", tt.rate, tt.opts...)
			pcm, d := decodeAll(t, path)
			if n := len(pcm) / 2; n < tt.rate-2 || n > tt.rate+2 {
				t.Errorf("1 s file decoded to %d frames, want %d ± 2", n, tt.rate)
			}
			if at := peakAt(channel(pcm, 0)); at < clickAt-1 || at > clickAt+1 {
				t.Errorf("click at frame %d, want %d", at, clickAt)
			}
			if got := d.Duration(); got < time.Second-2*time.Millisecond || got > time.Second+2*time.Millisecond {
				t.Errorf("Duration = %v, want 1s", got)
			}
		})
	}
}

// TestMP3WithoutInfoTag: without a LAME tag there is nothing to go by,
// so nothing is trimmed: every frame comes out, the click late by the
// encoder and decoder delays.
func TestMP3WithoutInfoTag(t *testing.T) {
	path := makeClick(t, t.TempDir(), "noinfo.mp3", 44100, with(cbr128, "-write_xing", "0")...)
	l := layoutOf(t, path)
	if l.hasInfo {
		t.Fatalf("fixture has an Info frame: %+v", l.info)
	}
	pcm, d := decodeAll(t, path)
	frames := countFrames(t, path)
	if n := len(pcm) / 2; n != frames*1152 {
		t.Errorf("decoded %d frames, want all %d MP3 frames × 1152 = %d", n, frames, frames*1152)
	}
	// LAME's delay at 44.1 kHz is 576.
	if at, want := peakAt(channel(pcm, 0)), clickAt+576+decoderDelay; at < want-1 || at > want+1 {
		t.Errorf("click at %d, want %d (untrimmed)", at, want)
	}
	if got, want := d.Duration(), time.Duration(frames*1152)*time.Second/44100; got < want-30*time.Millisecond || got > want+30*time.Millisecond {
		t.Errorf("Duration = %v, want about %v", got, want)
	}
}

// countFrames counts the MPEG frames in the file at path by walking the
// headers from the first.
func countFrames(t testing.TB, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	l := layoutOf(t, path)
	n := 0
	for p := int(l.start); p+4 <= int(l.end); n++ {
		h, ok := parseFrameHeader(b[p:])
		if !ok {
			t.Fatalf("no frame header at %d", p)
		}
		p += h.frameLen()
	}
	return n
}

// TestMP3LyingHeaders: headers that say the wrong thing neither hang nor
// panic, and the audio still plays to its real end.
func TestMP3LyingHeaders(t *testing.T) {
	dir := t.TempDir()
	orig := makeTone(t, dir, "orig.mp3", tone{rate: 44100, freqs: []float64{440}, seconds: 1, amp: 0.5},
		with(cbr128, "-id3v2_version", "0")...)
	good, err := os.ReadFile(orig)
	if err != nil {
		t.Fatal(err)
	}
	// The frame count follows "Info" and its flags; the delay and padding
	// are at 0x15 into the LAME tag.
	xingFrames := bytes.Index(good, []byte("Info")) + 8
	lame := bytes.Index(good, []byte("Lavc")) + 0x15
	if xingFrames < 8 || lame < 0x15 {
		t.Fatal("fixture has no Info frame with a Lavc tag")
	}

	tests := []struct {
		name  string
		edit  func(b []byte) []byte
		exact bool // the gapless trim still applies
	}{
		{"ID3 size past the end", func(b []byte) []byte {
			return append([]byte("ID3\x04\x00\x00\x7f\x7f\x7f\x7f"), b...)
		}, true},
		{"ID3 size past the end with junk", func(b []byte) []byte {
			return append([]byte("ID3\x03\x00\x00\x7f\x7f\x7f\x7fTIT2\xff\xfb\x00junk"), b...)
		}, true},
		{"Xing frame count huge", func(b []byte) []byte {
			binary.BigEndian.PutUint32(b[xingFrames:], 0x7fffffff)
			return b
		}, true},
		{"Xing frame count 1", func(b []byte) []byte {
			binary.BigEndian.PutUint32(b[xingFrames:], 1)
			return b
		}, true},
		{"LAME delay and padding at maximum", func(b []byte) []byte {
			b[lame], b[lame+1], b[lame+2] = 0xff, 0xff, 0xff
			return b
		}, false},
		{"APE footer size huge", func(b []byte) []byte {
			foot := make([]byte, 32)
			copy(foot, "APETAGEX")
			binary.LittleEndian.PutUint32(foot[12:], 0xfffffff0)
			return append(b, foot...)
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "lying.mp3")
			if err := os.WriteFile(path, tt.edit(bytes.Clone(good)), 0o644); err != nil {
				t.Fatal(err)
			}
			d, err := Open(path)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer d.Close()
			pcm, err := readAll(d, 10*44100*2)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			n := len(pcm) / 2
			if tt.exact && (n < 44100-2 || n > 44100+2) {
				t.Errorf("decoded %d frames, want 44100 ± 2", n)
			}
			if !tt.exact && (n < 30000 || n > 44100+2*1152) {
				t.Errorf("decoded %d frames, want about 44100", n)
			}
			if dur := d.Duration(); dur < 0 || dur > 2*time.Second {
				t.Errorf("Duration = %v, want a sane estimate", dur)
			}
		})
	}
}

// TestMP3Concatenated plays two MP3 files joined with cat, tags, Info
// frame and all, as radio libraries hold: the second one's header bytes
// are skipped over and both play.
func TestMP3Concatenated(t *testing.T) {
	dir := t.TempDir()
	a := makeTone(t, dir, "a.mp3", tone{rate: 44100, freqs: []float64{440}, seconds: 1, amp: 0.5},
		with(cbr128, "-metadata", "title=A")...)
	b := makeTone(t, dir, "b.mp3", tone{rate: 44100, freqs: []float64{880}, seconds: 1, amp: 0.5},
		with(cbr128, "-metadata", "title=B")...)
	pcm, _ := decodeAll(t, concat(t, dir, "ab.mp3", a, b))
	if n := len(pcm) / 2; n < 88200 || n > 88200+4*1152 {
		t.Errorf("decoded %d frames, want 88200 and a few frames of gap", n)
	}
	x := channel(pcm, 0)
	if amp := amplitude(x[88200-44100/2:88200], 880, 44100); amp < 0.45 {
		t.Errorf("second file's 880 Hz at amplitude %.3f", amp)
	}
}

// TestDeletedWhileOpen: on Unix a file removed while it plays stays
// readable through the open descriptor, and the track plays out.
func TestDeletedWhileOpen(t *testing.T) {
	dir := t.TempDir()
	s := tone{rate: 44100, freqs: []float64{440, 660}, seconds: 2, amp: 0.5}
	for _, name := range []string{"deleted.mp3", "deleted.ogg"} {
		t.Run(name, func(t *testing.T) {
			opts := cbr128
			if filepath.Ext(name) == ".ogg" {
				opts = vorbisQ5
			}
			path := makeTone(t, dir, name, s, opts...)
			d, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			buf := make([]float32, 2*4410)
			if n, err := d.Read(buf); err != nil || n != len(buf) {
				t.Fatalf("Read = %d, %v", n, err)
			}
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			rest, err := readAll(d, 1<<24)
			if err != nil {
				t.Fatalf("Read after remove: %v", err)
			}
			if n := (len(buf) + len(rest)) / 2; n < s.frames()-2 || n > s.frames()+2 {
				t.Errorf("decoded %d frames, want %d", n, s.frames())
			}
		})
	}
}
