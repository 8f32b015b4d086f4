package decode

import (
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"testing"

	"github.com/jfreymuth/oggvorbis"
)

// Our MP3 decoder (layer3) allocates nothing as it decodes: a whole MP3
// file costs the handful of allocations Open makes, however long it is.
// oggvorbis allocates a few times per Ogg page and packet. Read itself
// must add nothing, which the tests pin down: a Read served from audio
// already decoded allocates nothing at all, decoding an MP3 through Read
// allocates nothing per frame, and decoding Vorbis through Read costs no
// more allocations than the codec alone, however many Read calls it
// takes.

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

// TestReadAllocsMP3: decoding a whole MP3 file through Read allocates as
// much as Open and the first Read do, whatever the length: nothing per
// frame or per Read call.
func TestReadAllocsMP3(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name string
		tone tone
		opts []string
	}{
		{"vbr-stereo", tone{rate: 44100, freqs: []float64{440, 660}, amp: 0.5}, vbrQ4},
		{"cbr-joint", tone{rate: 48000, freqs: []float64{440, 440}, amp: 0.5}, cbr128},
		{"mono-22k", tone{rate: 22050, freqs: []float64{440}, amp: 0.5}, vbrQ4},
		{"mpeg25-11k", tone{rate: 11025, freqs: []float64{440, 660}, amp: 0.5}, with(cbr128, "-b:a", "32k")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// The least of three runs: the runtime allocates now and then
			// on its own, which mallocs counts too.
			count := func(seconds float64) (allocs uint64, reads int) {
				s := tt.tone
				s.seconds = seconds
				path := makeTone(t, dir, fmt.Sprintf("%s-%g.mp3", tt.name, seconds), s, tt.opts...)
				allocs = math.MaxUint64
				for range 3 {
					reads = 0
					allocs = min(allocs, mallocs(func() {
						d, err := Open(path)
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
					}))
				}
				return allocs, reads
			}
			short, shortReads := count(1)
			long, longReads := count(10)
			t.Logf("1 s: %d allocations over %d Read calls; 10 s: %d over %d", short, shortReads, long, longReads)
			if long > short {
				t.Errorf("10 s took %d allocations, 1 s %d: decoding allocates per frame or per Read", long, short)
			}
			if short > 32 {
				t.Errorf("%d allocations to open and play a 1 s file, want a handful", short)
			}
		})
	}
}

// TestReadAllocsSteadyState decodes a whole Vorbis file through Read and
// with the codec alone, and checks Read adds less than one allocation per
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
