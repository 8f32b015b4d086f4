package decode

import (
	"bufio"
	"io"
	"os"
	"runtime"
	"testing"

	"github.com/hajimehoshi/go-mp3"
	"github.com/jfreymuth/oggvorbis"
)

// The codecs allocate as they decode: go-mp3 about 140 times per MPEG
// frame, oggvorbis a few times per Ogg page and packet. Read itself must
// add nothing, which two tests pin down: a Read served from audio already
// decoded allocates nothing at all, and decoding a whole file through
// Read costs no more allocations than the codec alone, however many Read
// calls it takes.

// TestReadAllocsBuffered: a Read that the codec's or our own buffer can
// serve allocates nothing (testing.AllocsPerRun is exactly 0).
func TestReadAllocsBuffered(t *testing.T) {
	dir := t.TempDir()
	stereo := tone{rate: 44100, freqs: []float64{440, 660}, seconds: 3, amp: 0.5}
	mono := tone{rate: 44100, freqs: []float64{440}, seconds: 3, amp: 0.5}
	for _, path := range []string{
		makeTone(t, dir, "cbr.mp3", stereo, cbr128...),
		makeTone(t, dir, "vbr.mp3", stereo, vbrQ4...),
		makeTone(t, dir, "stereo.ogg", stereo, vorbisQ5...),
		makeTone(t, dir, "mono.ogg", mono, vorbisQ5...), // goes through the mix
	} {
		t.Run(path[len(dir)+1:], func(t *testing.T) {
			d, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			block := make([]float32, 4096)
			for range 20 { // well into the file: steady state
				if _, err := d.Read(block); err != nil {
					t.Fatal(err)
				}
			}
			one := make([]float32, 2)
			if m, ok := d.(*mp3Decoder); ok {
				// Make sure the next 101 frames are decoded already.
				for m.tail-m.head-2*m.hold < 2*101 {
					d.Read(one)
				}
			} else {
				// oggvorbis keeps the rest of a packet (1024 frames for
				// this tone's long blocks) after a short read.
				d.Read(one)
			}
			if allocs := testing.AllocsPerRun(100, func() { d.Read(one) }); allocs != 0 {
				t.Errorf("Read of buffered audio: %v allocations per call, want 0", allocs)
			}
		})
	}
}

// TestReadAllocsSteadyState decodes a whole file through Read and with
// the codec alone, and checks Read adds less than one allocation per
// call, which with a few hundred calls means none per call.
func TestReadAllocsSteadyState(t *testing.T) {
	dir := t.TempDir()
	s := tone{rate: 44100, freqs: []float64{440, 660}, seconds: 10, amp: 0.5}
	mono := tone{rate: 44100, freqs: []float64{440}, seconds: 10, amp: 0.5}
	tests := []struct {
		name string
		path string
		raw  func(t *testing.T, path string) // decodes path with the codec alone
	}{
		{"mp3", makeTone(t, dir, "steady.mp3", s, vbrQ4...), rawMP3},
		{"vorbis", makeTone(t, dir, "steady.ogg", s, vorbisQ5...), rawVorbis},
		{"vorbis-mono", makeTone(t, dir, "steady-mono.ogg", mono, vorbisQ5...), rawVorbis},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var reads int
			ours := mallocs(func() {
				d, err := Open(tt.path)
				if err != nil {
					t.Fatal(err)
				}
				defer d.Close()
				buf := make([]float32, 1024)
				for {
					reads++
					if _, err := d.Read(buf); err != nil {
						break
					}
				}
			})
			codec := mallocs(func() { tt.raw(t, tt.path) })
			t.Logf("%d Read calls: %d allocations, the codec alone %d", reads, ours, codec)
			if extra := int(ours) - int(codec); extra >= reads/2 {
				t.Errorf("decoding through Read made %d allocations more than the codec alone over %d calls", extra, reads)
			}
		})
	}
}

// mallocs counts the heap allocations fn makes.
func mallocs(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.Mallocs - before.Mallocs
}

// rawMP3 decodes path with go-mp3 alone, from a buffered non-seekable
// reader as openMP3 gives it.
func rawMP3(t *testing.T, path string) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := mp3.NewDecoder(bufio.NewReaderSize(struct{ io.Reader }{f}, 16<<10))
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4608)
	for {
		if _, err := d.Read(buf); err != nil {
			break
		}
	}
}

// rawVorbis decodes path with oggvorbis alone.
func rawVorbis(t *testing.T, path string) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	r, err := oggvorbis.NewReader(io.NewSectionReader(f, 0, fi.Size()))
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]float32, 4096)
	for {
		if _, err := r.Read(buf); err != nil {
			break
		}
	}
}
