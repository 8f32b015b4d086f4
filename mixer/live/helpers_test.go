package live

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"onair/internal/testaudio"
	"onair/internal/testenv"
)

// testRate is the station rate of the tests.
const testRate = 44100

// recSink records everything written to it, taking all of it.
type recSink struct {
	mu  sync.Mutex
	pcm []float32
}

func (s *recSink) Write(pcm []float32) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pcm = append(s.pcm, pcm[:len(pcm)&^1]...)
	return len(pcm) / 2
}

// frames returns a copy of what was written.
func (s *recSink) samples() []float32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]float32(nil), s.pcm...)
}

// nullSink takes everything and keeps nothing.
type nullSink struct{ frames int }

func (s *nullSink) Write(pcm []float32) int {
	s.frames += len(pcm) / 2
	return len(pcm) / 2
}

// tone describes a sine test signal.
type tone struct {
	freq     float64 // Hz
	amp      float64
	rate     int
	channels int
	seconds  float64
}

// lavfi is the tone as an ffmpeg aevalsrc source.
func (s tone) lavfi() string {
	ch := make([]string, s.channels)
	for i := range ch {
		ch[i] = fmt.Sprintf("%g*sin(2*PI*%g*t)", s.amp, s.freq)
	}
	return fmt.Sprintf("aevalsrc=%s:s=%d:d=%g", strings.Join(ch, "|"), s.rate, s.seconds)
}

// sine3k is the tone of most tests: 3 kHz at half amplitude.
func sine3k(rate, channels int, seconds float64) tone {
	return tone{freq: 3000, amp: 0.5, rate: rate, channels: channels, seconds: seconds}
}

// Encoder options for the fixtures.
var (
	mp3CBR128 = []string{"-c:a", "libmp3lame", "-b:a", "128k", "-f", "mp3"}
	mp3Mono64 = []string{"-c:a", "libmp3lame", "-b:a", "64k", "-f", "mp3"}
	vorbisQ5  = []string{"-c:a", "libvorbis", "-q:a", "5", "-f", "ogg"}
)

// encode makes s with ffmpeg using the output options opts and returns
// the file's bytes. Without ffmpeg the test is skipped (fails in CI).
func encode(t testing.TB, s tone, opts ...string) []byte {
	t.Helper()
	return encodeSource(t, s.lavfi(), opts...)
}

// encodeSource encodes the ffmpeg lavfi source src.
func encodeSource(t testing.TB, src string, opts ...string) []byte {
	t.Helper()
	bin := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	path := filepath.Join(t.TempDir(), "out")
	args := []string{"-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "lavfi", "-i", src}
	args = append(append(args, opts...), path)
	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// feed writes data to d in random chunks of 1 to 4096 bytes (seeded) and
// returns the first error.
func feed(d *Decoder, data []byte, seed uint64) error {
	r := rand.New(rand.NewPCG(seed, 1))
	for len(data) > 0 {
		n := min(len(data), 1+r.IntN(4096))
		if _, err := d.Write(data[:n]); err != nil {
			return err
		}
		data = data[n:]
	}
	return nil
}

// decodeAll decodes data through a new Decoder at testRate in random
// chunks and returns the output, failing the test on an error.
func decodeAll(t *testing.T, data []byte, o Options) []float32 {
	t.Helper()
	sink := &recSink{}
	o.Rate = testRate
	d := NewDecoder(o, sink)
	defer d.Close()
	if err := feed(d, data, 7); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return sink.samples()
}

// checkTone checks that x (at testRate) is a sine of freq Hz at amplitude
// amp: the Goertzel amplitude at freq within ±1 dB of amp, the RMS within
// ±1 dB of a sine's, and every other probe frequency 40 dB down.
func checkTone(t *testing.T, what string, x []float64, freq, amp float64) {
	t.Helper()
	// A whole number of cycles of every probe: multiples of 100 Hz.
	n := len(x) / (testRate / 100) * (testRate / 100)
	if n < testRate/10 {
		t.Fatalf("%s: %d samples, too few to analyse", what, len(x))
	}
	x = x[:n]
	a := testaudio.Level(x, testRate, freq)
	if d := testaudio.DB(a / amp); math.Abs(d) > 1 {
		t.Errorf("%s: %g Hz at amplitude %.4f, %+.2f dB from %.2f", what, freq, a, d, amp)
	}
	if d := testaudio.DB(testaudio.RMS(x) / (amp / math.Sqrt2)); math.Abs(d) > 1 {
		t.Errorf("%s: RMS %.4f, %+.2f dB from a sine of amplitude %.2f", what, testaudio.RMS(x), d, amp)
	}
	for _, f := range []float64{500, 1000, 2000, 2500, 3000, 3500, 4000, 6000, 9000, 12000} {
		if f == freq {
			continue
		}
		if o := testaudio.Level(x, testRate, f); testaudio.DB(o/a) > -40 {
			t.Errorf("%s: %g Hz at %.4f, only %.1f dB below %g Hz: not a clean %g Hz tone", what, f, o, testaudio.DB(o/a), freq, freq)
		}
	}
}

// middle returns x without its first and last margin seconds.
func middle(x []float64, margin float64) []float64 {
	m := int(margin * testRate)
	if len(x) <= 2*m {
		return nil
	}
	return x[m : len(x)-m]
}

// writeWithin runs d.Write(p) and fails the test if it takes longer than
// limit.
func writeWithin(t *testing.T, d *Decoder, p []byte, limit time.Duration) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := d.Write(p)
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(limit):
		d.Close()
		<-done
		t.Fatalf("Write took over %v", limit)
		return errors.New("timeout")
	}
}
