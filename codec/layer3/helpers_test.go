package layer3

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"onair/codec/mpeg"
	"onair/internal/testenv"
)

// frameLen is the length of the frame whose header starts b, or 0 when b
// does not start a Layer III header with a bitrate.
func frameLen(b []byte) int {
	h, err := mpeg.ParseHeader(b)
	if err != nil || h.Layer != 3 {
		return 0
	}
	return h.FrameSize()
}

// splitFrames returns the frames of an MP3 file, past an ID3v2 tag and
// without the Xing/Info frame, if any.
func splitFrames(t testing.TB, b []byte) [][]byte {
	t.Helper()
	p := 0
	if len(b) >= 10 && string(b[:3]) == "ID3" {
		p = 10 + int(b[6])<<21 | int(b[7])<<14 | int(b[8])<<7 | int(b[9])
	}
	var frames [][]byte
	for p+4 <= len(b) {
		n := frameLen(b[p:])
		if n == 0 {
			if len(frames) == 0 {
				p++
				continue
			}
			break // trailing tag
		}
		if p+n > len(b) {
			break
		}
		frames = append(frames, b[p:p+n])
		p += n
	}
	if len(frames) == 0 {
		t.Fatal("no MPEG frames")
	}
	if f := frames[0]; bytes.Contains(f, []byte("Xing")) || bytes.Contains(f, []byte("Info")) {
		frames = frames[1:]
	}
	return frames
}

// decodeFrames decodes frames with a new Decoder: interleaved stereo.
func decodeFrames(t testing.TB, frames [][]byte) []float32 {
	t.Helper()
	var d Decoder
	buf := make([]float32, 2*1152)
	var pcm []float32
	for i, f := range frames {
		n, err := d.Decode(f, buf)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		pcm = append(pcm, buf[:2*n]...)
	}
	return pcm
}

// run runs a program the test needs (skipped without it, a failure in CI)
// and returns its standard output.
func run(t testing.TB, name string, args ...string) []byte {
	t.Helper()
	bin := testenv.RequireTool(t, name, name)
	var stderr bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// encode makes dir/name from the ffmpeg lavfi source src with the
// libmp3lame options opts.
func encode(t testing.TB, dir, name, src string, opts ...string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	args := []string{"-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "lavfi", "-i", src, "-c:a", "libmp3lame"}
	args = append(append(args, opts...), "-f", "mp3", path)
	run(t, "ffmpeg", args...)
	return path
}

// float32s reads raw little-endian float32 samples.
func float32s(b []byte) []float32 {
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

// mpg123Ref decodes path with mpg123 to interleaved stereo float32,
// every frame (no gapless trimming), the Info frame left out.
func mpg123Ref(t testing.TB, path string) []float32 {
	return float32s(run(t, "mpg123", "-q", "--no-gapless", "--stereo", "-e", "f32", "-s", path))
}

// ffmpegRef decodes path with FFmpeg's float MP3 decoder, untrimmed, to
// interleaved stereo (mono duplicated here: FFmpeg's own upmix is 3 dB
// down).
func ffmpegRef(t testing.TB, path string) []float32 {
	pcm := float32s(run(t, "ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin",
		"-flags2", "+skip_manual", "-c:a", "mp3float", "-i", path, "-f", "f32le", "-"))
	if b := readFile(t, path); len(b) > 0 && splitFrames(t, b)[0][3]>>6 == modeMono {
		stereo := make([]float32, 2*len(pcm))
		for i, v := range pcm {
			stereo[2*i], stereo[2*i+1] = v, v
		}
		return stereo
	}
	return pcm
}

// align finds the lag (in stereo frames, |lag| ≤ maxLag) at which
// ref[i+lag] best matches got[i], by least squared error over a stretch
// of loud enough audio.
func align(got, ref []float32, maxLag int) int {
	n := min(len(got), len(ref))/2 - 2*maxLag
	from, length := maxLag, min(8192, n-maxLag)
	if length <= 0 {
		return 0
	}
	best, bestErr := 0, math.Inf(1)
	for lag := -maxLag; lag <= maxLag; lag++ {
		var e float64
		for i := from; i < from+length; i++ {
			d := float64(got[2*i]) - float64(ref[2*(i+lag)])
			e += d * d
			if e >= bestErr {
				break
			}
		}
		if e < bestErr {
			best, bestErr = lag, e
		}
	}
	return best
}

// snr is the signal-to-noise ratio in dB of got against ref[lag:], both
// channels, over their common length.
func snr(got, ref []float32, lag int) float64 {
	var sig, noise float64
	for i := range got {
		j := i + 2*lag
		if j < 0 || j >= len(ref) {
			continue
		}
		r := float64(ref[j])
		d := float64(got[i]) - r
		sig += r * r
		noise += d * d
	}
	if noise == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(sig/noise)
}

// readFile reads path or fails the test.
func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
