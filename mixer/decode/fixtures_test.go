package decode

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"onair/internal/testenv"
)

// tone describes a test signal: a sine per channel at amplitude amp.
// testdata/make-fixtures.sh makes the same files for listening.
type tone struct {
	rate    int
	freqs   []float64 // one per channel
	seconds float64
	amp     float64
}

// expr is the tone as an ffmpeg aevalsrc source.
func (s tone) expr() string {
	ch := make([]string, len(s.freqs))
	for i, f := range s.freqs {
		ch[i] = fmt.Sprintf("%g*sin(2*PI*%g*t)", s.amp, f)
		if f == 0 {
			ch[i] = "0"
		}
	}
	return fmt.Sprintf("aevalsrc=%s:s=%d:d=%g", strings.Join(ch, "|"), s.rate, s.seconds)
}

// frames is the tone's length in samples per channel.
func (s tone) frames() int { return int(math.Round(s.seconds * float64(s.rate))) }

// ffmpeg runs ffmpeg with args (quiet, overwriting), failing the test on
// an error. Without ffmpeg the test is skipped, or fails in CI.
func ffmpeg(t testing.TB, args ...string) {
	t.Helper()
	bin := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	args = append([]string{"-hide_banner", "-loglevel", "error", "-nostdin", "-y"}, args...)
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// makeTone encodes s into dir/name with the ffmpeg output options opts
// (which name the muxer: the extension may be wrong on purpose) and
// returns the file's path.
func makeTone(t testing.TB, dir, name string, s tone, opts ...string) string {
	t.Helper()
	return makeSource(t, dir, name, s.expr(), opts...)
}

// makeSource encodes the ffmpeg lavfi source src into dir/name.
func makeSource(t testing.TB, dir, name, src string, opts ...string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	args := append([]string{"-f", "lavfi", "-i", src}, opts...)
	ffmpeg(t, append(args, path)...)
	return path
}

// Encoder and muxer options for the fixtures.
var (
	cbr128   = []string{"-c:a", "libmp3lame", "-b:a", "128k", "-f", "mp3"}
	vbrQ4    = []string{"-c:a", "libmp3lame", "-q:a", "4", "-f", "mp3"}
	vorbisQ5 = []string{"-c:a", "libvorbis", "-q:a", "5", "-f", "ogg"}
)

// with returns opts followed by more, without sharing opts' array.
func with(opts []string, more ...string) []string {
	return append(append([]string(nil), opts...), more...)
}

// decodeAll opens path and reads it to the end in blocks of 4096 values.
func decodeAll(t testing.TB, path string) ([]float32, Decoder) {
	t.Helper()
	d, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	pcm, err := readAll(d, 1<<26)
	if err != nil {
		t.Fatalf("Read %s: %v", path, err)
	}
	return pcm, d
}

// readAll reads d to io.EOF, at most max values.
func readAll(d Decoder, max int) ([]float32, error) {
	var pcm []float32
	buf := make([]float32, 4096)
	for len(pcm) < max {
		n, err := d.Read(buf)
		if n%2 != 0 {
			return pcm, fmt.Errorf("Read returned %d values: not whole stereo frames", n)
		}
		pcm = append(pcm, buf[:n]...)
		if errors.Is(err, io.EOF) {
			return pcm, nil
		}
		if err != nil {
			return pcm, err
		}
		if n == 0 {
			return pcm, errors.New("Read returned 0, nil")
		}
	}
	return pcm, nil
}

// channel returns one channel (0 left, 1 right) of interleaved stereo.
func channel(pcm []float32, c int) []float64 {
	out := make([]float64, len(pcm)/2)
	for i := range out {
		out[i] = float64(pcm[2*i+c])
	}
	return out
}

// amplitude estimates the amplitude of the sine at freq in x with the
// Goertzel algorithm. x should hold a whole number of its periods.
func amplitude(x []float64, freq float64, rate int) float64 {
	w := 2 * math.Pi * freq / float64(rate)
	coeff := 2 * math.Cos(w)
	var s1, s2 float64
	for _, v := range x {
		s1, s2 = v+coeff*s1-s2, s1
	}
	power := s1*s1 + s2*s2 - coeff*s1*s2
	return 2 * math.Sqrt(math.Max(power, 0)) / float64(len(x))
}

// peakAt returns the index of the largest magnitude in x.
func peakAt(x []float64) int {
	best, at := -1.0, -1
	for i, v := range x {
		if math.Abs(v) > best {
			best, at = math.Abs(v), i
		}
	}
	return at
}

// truncate writes the first frac of src's bytes to dst.
func truncate(t testing.TB, src, dst string, frac float64) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b[:int(float64(len(b))*frac)], 0o644); err != nil {
		t.Fatal(err)
	}
}

// concat writes the files srcs one after the other into dir/name.
func concat(t testing.TB, dir, name string, srcs ...string) string {
	t.Helper()
	var all []byte
	for _, s := range srcs {
		b, err := os.ReadFile(s)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, all, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
