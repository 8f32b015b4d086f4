package decode

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestBrokenFiles: truncated, random, empty and foreign files give an
// error naming the file, or some audio and a clean end; never a panic.
func TestBrokenFiles(t *testing.T) {
	dir := t.TempDir()
	s := tone{rate: 44100, freqs: []float64{440, 660}, seconds: 2, amp: 0.5}
	mp3File := makeTone(t, dir, "good.mp3", s, cbr128...)
	vbrFile := makeTone(t, dir, "good-vbr.mp3", s, vbrQ4...)
	// libvorbis writes a page a second or so after 4 kB of headers: a
	// longer file puts 40 % well inside the audio.
	long := s
	long.seconds = 10
	oggFile := makeTone(t, dir, "good.ogg", long, vorbisQ5...)
	write := func(name string, b []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	random := make([]byte, 64<<10)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	cut := func(src, name string, frac float64) string {
		path := filepath.Join(dir, name)
		truncate(t, src, path, frac)
		return path
	}

	tests := []struct {
		name string
		path string
		// open: Open must succeed (and this much must play, in frames, at
		// least); else it must fail with want.
		open      bool
		minFrames int
		want      error
	}{
		{"truncated CBR MP3", cut(mp3File, "cut.mp3", 0.4), true, 30000, nil},
		{"truncated VBR MP3", cut(vbrFile, "cut-vbr.mp3", 0.4), true, 30000, nil},
		{"truncated Vorbis", cut(oggFile, "cut.ogg", 0.4), true, 3 * 44100, nil},
		{"MP3 cut inside its first audio frame", cut(mp3File, "stub.mp3", 0.02), false, 0, ErrCorrupt},
		{"Vorbis cut inside its headers", cut(oggFile, "stub.ogg", 0.01), false, 0, ErrCorrupt},
		{"random bytes", write("random.mp3", random), false, 0, ErrUnsupported},
		{"empty", write("empty.mp3", nil), false, 0, ErrUnsupported},
		{"empty ogg", write("empty.ogg", nil), false, 0, ErrUnsupported},
		{"text", write("notes.mp3", []byte("not audio at all\n")), false, 0, ErrUnsupported},
		{"ID3 header only", write("id3.mp3", []byte("ID3\x04\x00\x00\x00\x00\x00\x00")), false, 0, ErrUnsupported},
		{"Ogg page of garbage", write("garbage.ogg", append([]byte("OggS\x00\x02"), random[:4000]...)), false, 0, ErrUnsupported},
		{"WAV", makeTone(t, dir, "tone.wav", s, "-f", "wav"), false, 0, ErrUnsupported},
		{"Ogg FLAC", makeTone(t, dir, "flac.ogg", s, "-c:a", "flac", "-f", "ogg"), false, 0, ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Open(tt.path)
			if err != nil {
				if tt.open {
					t.Fatalf("Open: %v", err)
				}
				if !errors.Is(err, tt.want) {
					t.Errorf("Open error %q does not wrap %q", err, tt.want)
				}
				if !strings.Contains(err.Error(), tt.path) {
					t.Errorf("Open error %q does not name the file", err)
				}
				return
			}
			defer d.Close()
			pcm, err := readAll(d, 1<<24)
			if err != nil && !strings.Contains(err.Error(), tt.path) {
				t.Errorf("Read error %q does not name the file", err)
			}
			if !tt.open {
				t.Fatalf("Open succeeded (%d frames, %v), want %v", len(pcm)/2, err, tt.want)
			}
			if n := len(pcm) / 2; n < tt.minFrames || n > 10*44100 {
				t.Errorf("decoded %d frames, want %d or more", n, tt.minFrames)
			}
			if err != nil {
				t.Errorf("Read: %v, want the audio up to the cut and io.EOF", err)
			}
		})
	}
}

// TestReadBlockSizes: the output does not depend on how it is read, down
// to one frame at a time, and an odd or empty buffer is no trouble.
func TestReadBlockSizes(t *testing.T) {
	dir := t.TempDir()
	s := tone{rate: 44100, freqs: []float64{440, 660}, seconds: 1, amp: 0.5}
	for _, path := range []string{
		makeTone(t, dir, "blocks.mp3", s, vbrQ4...),
		makeTone(t, dir, "blocks.ogg", s, vorbisQ5...),
		makeTone(t, dir, "blocks-mono.ogg", tone{rate: 44100, freqs: []float64{440}, seconds: 1, amp: 0.5}, vorbisQ5...),
	} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			want, _ := decodeAll(t, path)
			for _, size := range []int{2, 3, 1000, 2304, 5000, 1 << 18} {
				d, err := Open(path)
				if err != nil {
					t.Fatal(err)
				}
				if n, err := d.Read(nil); n != 0 || err != nil {
					t.Errorf("Read(nil) = %d, %v", n, err)
				}
				var got []float32
				buf := make([]float32, size)
				for {
					n, err := d.Read(buf)
					got = append(got, buf[:n]...)
					if err != nil {
						break
					}
				}
				d.Close()
				if !slices.Equal(got, want) {
					t.Errorf("reading %d at a time: %d values, differ from reading 4096 at a time (%d)", size, len(got), len(want))
				}
			}
		})
	}
}

// TestReadAfterClose: a closed decoder says so.
func TestReadAfterClose(t *testing.T) {
	path := makeTone(t, t.TempDir(), "closed.mp3", tone{rate: 44100, freqs: []float64{440}, seconds: 1, amp: 0.5}, cbr128...)
	d, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Read(make([]float32, 64)); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Read after Close: %v, want os.ErrClosed", err)
	}
	if err := d.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
