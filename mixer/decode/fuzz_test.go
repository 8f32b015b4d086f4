package decode

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzOpenMP3 opens and plays arbitrary bytes named .mp3: no panic, no
// hang, no endless output, errors that name the file. Seeds are tiny
// ffmpeg-made files in testdata/fuzz/FuzzOpenMP3 and the cases below.
func FuzzOpenMP3(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("ID3\x04\x00\x00\x7f\x7f\x7f\x7f"))
	f.Add([]byte("ID3\x04\x00\x10\x00\x00\x00\x00\xff\xfb\x90\xc4"))
	// Two silent MPEG-1 128 kbit/s frames: header, zero side info and data.
	frame := append([]byte{0xff, 0xfb, 0x90, 0x04}, make([]byte, 413)...)
	f.Add(append(append([]byte(nil), frame...), frame...))
	// The same with an Info tag lying about everything.
	info := append([]byte(nil), frame...)
	copy(info[36:], "Info\x00\x00\x00\x0f\xff\xff\xff\xff\xff\xff\xff\xff")
	copy(info[156:], "LAME3.100")
	info[156+0x15], info[156+0x16], info[156+0x17] = 0xff, 0xff, 0xff
	f.Add(append(info, frame...))
	path := filepath.Join(f.TempDir(), "fuzz.mp3")
	f.Fuzz(func(t *testing.T, b []byte) { fuzzOpen(t, b, path) })
}

// FuzzOpenVorbis is FuzzOpenMP3 for Ogg: the seeds steer it there.
func FuzzOpenVorbis(f *testing.F) {
	f.Add([]byte("OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x1e\x01vorbis"))
	path := filepath.Join(f.TempDir(), "fuzz.ogg")
	f.Fuzz(func(t *testing.T, b []byte) { fuzzOpen(t, b, path) })
}

// fuzzOpen writes b to path (one file per fuzzing process, which runs
// one input at a time) and plays it.
func fuzzOpen(t *testing.T, b []byte, path string) {
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := Open(path)
	if err != nil {
		if !strings.Contains(err.Error(), path) {
			t.Errorf("Open error %q does not name the file", err)
		}
		return
	}
	defer d.Close()
	if r := d.SampleRate(); r < 8000 || r > 192000 {
		t.Errorf("SampleRate = %d", r)
	}
	// The smallest Layer III frame (MPEG-2, 8 kbit/s at 24 kHz) is 24
	// bytes for 576 samples: 48 stereo values a byte. Vorbis can do more
	// from a tiny packet, so allow a generous multiple, but not endless.
	limit := 64*len(b) + 1<<20
	buf := make([]float32, 4096)
	total := 0
	for {
		n, err := d.Read(buf)
		if n%2 != 0 || n < 0 || n > len(buf) {
			t.Fatalf("Read = %d", n)
		}
		for i, v := range buf[:n] {
			if !(v >= -1 && v <= 1) || math.IsNaN(float64(v)) {
				t.Fatalf("sample %d = %g", total+i, v)
			}
		}
		total += n
		if err != nil {
			if !strings.Contains(err.Error(), "EOF") && !strings.Contains(err.Error(), path) {
				t.Errorf("Read error %q does not name the file", err)
			}
			return
		}
		if n == 0 {
			t.Fatal("Read returned 0, nil")
		}
		if total > limit {
			t.Fatalf("%d values from %d bytes and still going", total, len(b))
		}
	}
}
