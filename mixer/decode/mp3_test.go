package decode

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"onair/codec/layer3"
	"onair/codec/mpeg"
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

// rawLeft decodes the audio frames of the MP3 file at path (the
// Xing/Info frame left out) with a bare layer3.Decoder, untrimmed: the
// left channel as float64.
func rawLeft(t testing.TB, path string) []float64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	l := layoutOf(t, path)
	var dec layer3.Decoder
	buf := make([]float32, 2*1152)
	var out []float64
	for p := int(l.start); p+4 <= int(l.end); {
		h, ok := mpeg.ParseLayer3(b[p:])
		if !ok || p+h.FrameSize() > int(l.end) {
			t.Fatalf("no whole frame at %d", p)
		}
		n, err := dec.Decode(b[p:p+h.FrameSize()], buf)
		if err != nil {
			t.Fatalf("frame at %d: %v", p, err)
		}
		for i := range n {
			out = append(out, float64(buf[2*i]))
		}
		p += h.FrameSize()
	}
	return out
}

// TestMP3DecoderDelay measures the Layer III decoder's delay, the
// constant the gapless trim relies on: a click encoded at clickAt comes
// out of the audio frames at clickAt + the encoder delay from the LAME
// tag + decoderDelay.
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
		{11025, with(cbr128, "-b:a", "32k")},
	} {
		t.Run(fmt.Sprint(tt.rate), func(t *testing.T) {
			path := makeClick(t, dir, fmt.Sprintf("click%d.mp3", tt.rate), tt.rate, tt.opts...)
			l := layoutOf(t, path)
			if !l.hasInfo || !l.info.Gapless {
				t.Fatalf("no LAME/Lavc Info tag found: %+v", l)
			}
			x := rawLeft(t, path)
			if want := int(l.info.Frames) * l.first.Samples(); len(x) != want {
				t.Errorf("decoded %d samples, want %d: the %d frames the Info tag counts", len(x), want, l.info.Frames)
			}
			delay := peakAt(x) - clickAt - l.info.Delay
			t.Logf("%d Hz: encoder delay %d, padding %d, decoder delay %d", tt.rate, l.info.Delay, l.info.Padding, delay)
			if delay != decoderDelay {
				t.Errorf("measured decoder delay %d, decoderDelay is %d", delay, decoderDelay)
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
		{"mpeg25-11k", 11025, with(cbr128, "-b:a", "32k")},
		{"mpeg25-mono-12k", 12000, with(vbrQ4, "-ac", "1")},
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
		h, ok := mpeg.ParseLayer3(b[p:])
		if !ok {
			t.Fatalf("no frame header at %d", p)
		}
		p += h.FrameSize()
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

// TestMP3EndTags: the tags writers append after the audio are no part
// of it, Lyrics3 included: a Lyrics3 block sits between the audio and an
// ID3v1 tag (id3.org, Lyrics3 and Lyrics3 v2.00). Without an Info frame
// the duration comes from the audio's size, so a tag taken for audio
// makes it longer.
func TestMP3EndTags(t *testing.T) {
	dir := t.TempDir()
	bare := makeTone(t, dir, "bare.mp3", tone{rate: 44100, freqs: []float64{440}, seconds: 1, amp: 0.5},
		with(cbr128, "-write_xing", "0", "-id3v2_version", "0")...)
	audio, err := os.ReadFile(bare)
	if err != nil {
		t.Fatal(err)
	}
	_, want := decodeAll(t, bare)
	id3v1 := append([]byte("TAG"), make([]byte, 125)...)
	text := strings.Repeat("la la la\r\n", 200)
	field := fmt.Sprintf("LYR%06d%s", len(text), text)
	v2 := fmt.Sprintf("LYRICSBEGIN%s%06dLYRICS200", field, len("LYRICSBEGIN")+len(field))
	for name, tail := range map[string]string{
		"Lyrics3 v2": v2,
		"Lyrics3 v1": "LYRICSBEGIN" + text + "LYRICSEND",
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, "lyrics.mp3")
			b := append(append(bytes.Clone(audio), tail...), id3v1...)
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			pcm, d := decodeAll(t, path)
			if d.Duration() != want.Duration() {
				t.Errorf("Duration = %v, want %v as without the tags", d.Duration(), want.Duration())
			}
			if n := len(pcm) / 2; n != countFrames(t, bare)*1152 {
				t.Errorf("decoded %d frames, want %d", n, countFrames(t, bare)*1152)
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

// TestMP3Damage: damage inside the audio costs what it spans and no
// more. A stretch of junk is skipped (the reservoir and filter memory go
// with it, so a frame or two after it are muted); a frame the decoder
// refuses fades out to silence, keeping the length exact; a long run of
// refused frames ends the stream with ErrCorrupt, naming the file.
func TestMP3Damage(t *testing.T) {
	dir := t.TempDir()
	s := tone{rate: 44100, freqs: []float64{440, 660}, seconds: 4, amp: 0.5}
	orig := makeTone(t, dir, "orig.mp3", s, cbr128...)
	good, err := os.ReadFile(orig)
	if err != nil {
		t.Fatal(err)
	}
	// The offsets of the audio frames.
	l := layoutOf(t, orig)
	var starts []int
	for p := int(l.start); p+4 <= int(l.end); {
		h, ok := mpeg.ParseLayer3(good[p:])
		if !ok {
			t.Fatalf("no frame at %d", p)
		}
		starts = append(starts, p)
		p += h.FrameSize()
	}
	// refuse makes frame i invalid: window switching with block type 0
	// in granule 0, channel 0 (bits 53-55 of the stereo side info).
	refuse := func(b []byte, i int) {
		si := b[starts[i]+4:]
		si[6] = si[6]&^0x07 | 0x04
	}
	mid := len(starts) / 2

	tests := []struct {
		name    string
		edit    func(b []byte) []byte
		frames  int    // decoded length exactly, or -1: about the tone's
		corrupt bool   // Read ends with ErrCorrupt
		silent  [2]int // a stretch of frames that must be silent (the LAME delay is 576)
	}{
		{"junk inside", func(b []byte) []byte {
			junk := make([]byte, 5000)
			for i := range junk {
				junk[i] = byte(i * 7919 >> 3)
			}
			at := starts[mid] + 100
			return append(append(b[:at:at], junk...), b[at:]...)
		}, -1, false, [2]int{}},
		{"one refused frame", func(b []byte) []byte {
			refuse(b, mid)
			return b
		}, s.frames(), false, [2]int{(mid+1)*1152 - 64 - 576 - decoderDelay, (mid+1)*1152 - 576 - decoderDelay}},
		{"refused frames past maxBadFrames", func(b []byte) []byte {
			for i := mid; i <= mid+maxBadFrames; i++ {
				refuse(b, i)
			}
			return b
		}, -1, true, [2]int{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "damaged.mp3")
			if err := os.WriteFile(path, tt.edit(bytes.Clone(good)), 0o644); err != nil {
				t.Fatal(err)
			}
			d, err := Open(path)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer d.Close()
			pcm, err := readAll(d, 1<<24)
			n := len(pcm) / 2
			if tt.corrupt {
				if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), path) {
					t.Errorf("Read error %v, want ErrCorrupt naming the file", err)
				}
				if want := mid * 1152; n < want-2*1152 || n > want+maxBadFrames*1152 {
					t.Errorf("played %d frames before giving up, want about %d", n, want)
				}
				return
			}
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if tt.frames >= 0 && n != tt.frames {
				t.Errorf("decoded %d frames, want %d", n, tt.frames)
			}
			if tt.frames < 0 && (n < s.frames()-4*1152 || n > s.frames()+4*1152) {
				t.Errorf("decoded %d frames, want about %d", n, s.frames())
			}
			for i := tt.silent[0]; i < tt.silent[1]; i++ {
				if pcm[2*i] != 0 || pcm[2*i+1] != 0 {
					t.Fatalf("frame %d = %g, %g: the refused frame is not silent", i, pcm[2*i], pcm[2*i+1])
				}
			}
			// No burst of garbage where the damage was: frames that lost
			// their main data are muted, not decoded from the wrong bytes.
			for i, v := range pcm {
				if v > 0.6 || v < -0.6 {
					t.Fatalf("sample %d = %g: louder than the tone", i/2, v)
				}
			}
			// The tone is back at the end.
			x := channel(pcm, 0)
			if a := amplitude(x[n-44100:n-22050], 440, 44100); a < 0.45 {
				t.Errorf("440 Hz at %.3f at the end", a)
			}
		})
	}
}
