package live

import (
	"math/rand/v2"
	"os/exec"
	"testing"
	"time"
)

// FuzzDecoder pushes arbitrary bytes in arbitrary chunks: no panic, no
// hang, and output that is whole stereo frames in [−1, 1]. Seeds are the
// first KiB of small ffmpeg-made streams, when ffmpeg is there, and the
// hand-made cases below.
func FuzzDecoder(f *testing.F) {
	f.Add([]byte{}, uint64(0))
	f.Add([]byte("ID3\x04\x00\x00\x00\x00\x00\x10\xff\xfb\x90\xc4"), uint64(1))
	frame := append([]byte{0xff, 0xfb, 0x90, 0x04}, make([]byte, 413)...)
	f.Add(append(append(append([]byte(nil), frame...), frame...), frame...), uint64(2))
	f.Add([]byte("OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x1e\x01vorbis"), uint64(3))
	f.Add(oggPage(2, 7, 0, []byte("OpusHead\x01\x02")), uint64(4))
	f.Add(oggPage(2, 7, 0, flacHead(44100, 2, 16)), uint64(5))
	if _, err := exec.LookPath("ffmpeg"); err == nil {
		for i, opts := range [][]string{mp3CBR128, mp3Mono64, vorbisQ5, flacOgg} {
			s := sine3k(22050, 1+i%2, 0.2)
			data := encode(f, s, opts...)
			f.Add(data[:min(len(data), 4096)], uint64(10+i))
			f.Add(data, uint64(20+i))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, seed uint64) {
		fuzzDecode(t, data, seed)
	})
}

// checkSink fails the test on output that is not stereo in [−1, 1].
type checkSink struct {
	t      *testing.T
	frames int
}

func (s *checkSink) Write(pcm []float32) int {
	if len(pcm)%2 != 0 {
		s.t.Fatalf("odd number of samples: %d", len(pcm))
	}
	for _, v := range pcm {
		if !(v >= -1 && v <= 1) {
			s.t.Fatalf("sample %g outside [-1, 1]", v)
		}
	}
	s.frames += len(pcm) / 2
	return len(pcm) / 2
}

func fuzzDecode(t *testing.T, data []byte, seed uint64) {
	d := NewDecoder(Options{Rate: testRate}, &checkSink{t: t})
	defer d.Close()
	r := rand.New(rand.NewPCG(seed, seed>>32))
	start := time.Now()
	for len(data) > 0 {
		n := min(len(data), 1+r.IntN(4096))
		if _, err := d.Write(data[:n]); err != nil {
			return
		}
		data = data[n:]
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("decoding took %v", took)
	}
}
