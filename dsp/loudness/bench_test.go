package loudness

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"onair/internal/testenv"
)

// BenchmarkMeter measures 44.1 kHz stereo noise in the engine's blocks
// of 1152 frames, with and without true peak. The true-peak meter skips
// only blocks well under the peak so far (by the interpolator's gain
// bound), so steady noise is interpolated throughout; in the rising case
// every block is louder than the last, which shows the same. x-realtime is seconds of audio per second of one core;
// 0 allocs/op is the goal.
func BenchmarkMeter(b *testing.B) {
	for _, c := range []struct {
		name           string
		truePeak, rise bool
	}{{"integrated+true-peak", true, false}, {"integrated+true-peak/rising", true, true}, {"integrated", false, false}} {
		b.Run(c.name, func(b *testing.B) {
			const rate, block = 44100, 1152
			m := NewMeter(rate, 2)
			m.SetTruePeak(c.truePeak)
			amp := 0.5
			if c.rise {
				amp = 1e-6
			}
			x := noise(9, block, 2, amp)
			b.SetBytes(block * 2 * 4)
			b.ReportAllocs()
			for b.Loop() {
				if c.rise {
					for i := range x {
						x[i] *= 1.001
					}
				}
				m.Write(x)
			}
			b.ReportMetric(float64(b.N)*block/rate/b.Elapsed().Seconds(), "x-realtime")
		})
	}
}

// BenchmarkAgainstFFmpeg analyses one 10-minute 44.1 kHz stereo WAV file
// of pink noise (swelling, as in TestAgainstFFmpeg) with the meter and
// with ffmpeg's ebur128 filter, in the same run. An op is the whole
// file. For ffmpeg, x-realtime is by wall time, as a user would time it,
// and cpu-x-realtime by its CPU time (user and system); the meter's two
// are the same, on one core. Run it with -benchtime 3x.
func BenchmarkAgainstFFmpeg(b *testing.B) {
	ffmpeg := testenv.RequireTool(b, "ffmpeg", "ffmpeg")
	const rate, seconds = 44100, 600
	wav := filepath.Join(b.TempDir(), "music.wav")
	run(b, ffmpeg, append(append([]string{"-nostdin", "-v", "error", "-y"},
		lavfi("anoisesrc=color=pink:amplitude=0.5:seed=1:r=44100:d=600,volume='0.1+0.9*abs(sin(t/4))':eval=frame", 2)...),
		"-c:a", "pcm_s16le", wav)...)
	x := readWAV16(b, wav)
	if len(x) != 2*rate*seconds {
		b.Fatalf("%d samples in the file, want %d", len(x), 2*rate*seconds)
	}
	for _, c := range []struct {
		name     string
		truePeak bool
	}{{"onair/integrated+true-peak", true}, {"onair/integrated", false}} {
		b.Run(c.name, func(b *testing.B) {
			m := NewMeter(rate, 2)
			m.SetTruePeak(c.truePeak)
			for b.Loop() {
				m.Reset()
				m.Write(x)
			}
			b.ReportMetric(float64(b.N)*seconds/b.Elapsed().Seconds(), "x-realtime")
			b.ReportMetric(m.Integrated(), "LUFS")
		})
	}
	b.Run("ffmpeg-ebur128/peak=true", func(b *testing.B) {
		var cpu time.Duration
		for b.Loop() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			var out bytes.Buffer
			cmd := exec.CommandContext(ctx, ffmpeg, "-nostdin", "-nostats", "-i", wav, "-filter_complex", "ebur128=peak=true", "-f", "null", "-")
			cmd.Stdout, cmd.Stderr = &out, &out
			err := cmd.Run()
			cancel()
			if err != nil {
				b.Fatalf("ffmpeg: %v\n%s", err, out.Bytes())
			}
			cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		}
		b.ReportMetric(float64(b.N)*seconds/b.Elapsed().Seconds(), "x-realtime")
		b.ReportMetric(float64(b.N)*seconds/cpu.Seconds(), "cpu-x-realtime")
	})
}

// readWAV16 reads a 16-bit PCM WAV file's samples, scaled to [−1, 1).
func readWAV16(b *testing.B, path string) []float32 {
	b.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	if len(raw) < 12 || string(raw[:4]) != "RIFF" || string(raw[8:12]) != "WAVE" {
		b.Fatalf("%s: not a WAV file", path)
	}
	// Walk the chunks to "data": ffmpeg puts a LIST chunk before it.
	for p := 12; p+8 <= len(raw); {
		id, size := string(raw[p:p+4]), int(binary.LittleEndian.Uint32(raw[p+4:]))
		p += 8
		if id != "data" {
			p += size + size&1
			continue
		}
		data := raw[p:min(p+size, len(raw))]
		x := make([]float32, len(data)/2)
		for i := range x {
			x[i] = float32(int16(binary.LittleEndian.Uint16(data[2*i:]))) / 32768
		}
		return x
	}
	b.Fatalf("%s: no data chunk", path)
	return nil
}
