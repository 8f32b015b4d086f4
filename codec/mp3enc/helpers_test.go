package mp3enc

import (
	"bytes"
	"context"
	"math"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"onair/codec/frames"
	"onair/codec/mpeg"
	"onair/internal/testaudio"
	"onair/internal/testenv"
)

// needLAME returns the options for a LAME encoder, or skips the test where
// libmp3lame.so.0 does not load (and fails it in CI, which installs it).
func needLAME(t testing.TB, o Options) Options {
	t.Helper()
	o.Kind = KindLAME
	if !lameSupported {
		t.Skip("this build does not load LAME")
	}
	enc, _, err := New(o)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("LAME does not load in CI: %v", err)
		}
		t.Skipf("LAME does not load: %v", err)
	}
	enc.Close()
	return o
}

// encodeAll encodes pcm in blocks of block frames, flushes, and returns the
// MP3 stream.
func encodeAll(t testing.TB, enc Encoder, pcm []float32, channels, block int) []byte {
	t.Helper()
	var out []byte
	var err error
	for len(pcm) > 0 {
		n := min(len(pcm), block*channels)
		if out, err = enc.Encode(out, pcm[:n]); err != nil {
			t.Fatalf("Encode: %v", err)
		}
		pcm = pcm[n:]
	}
	if out, err = enc.Flush(out); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	return out
}

// checkFrames splits data with onair/codec/frames and checks that it is nothing
// but MPEG-1 layer III frames at bitrate kbps and rate Hz in channel mode
// mode. It returns the number of frames.
func checkFrames(t testing.TB, data []byte, bitrate, rate int, mode mpeg.ChannelMode) int {
	t.Helper()
	sp := frames.NewSplitter(frames.MP3, 0)
	n, bad := 0, 0
	emit := func(f []byte) {
		n++
		h, err := mpeg.ParseHeader(f)
		if err != nil || h.Version != mpeg.MPEG1 || h.Layer != 3 || h.Bitrate != bitrate ||
			h.SampleRate != rate || h.Mode != mode || h.FrameSize() != len(f) {
			if bad++; bad <= 3 {
				t.Errorf("frame %d: header %+v, %v, %d bytes; want MPEG-1 layer III, %d kbps, %d Hz, %v",
					n, h, err, len(f), bitrate, rate, mode)
			}
		}
	}
	sp.Split(data, emit)
	// The stream's last frame has no successor to validate it.
	sp.Flush(emit)
	st := sp.Stats()
	if st.Bytes != uint64(len(data)) || st.Skipped != 0 || st.Tags != 0 {
		t.Errorf("splitter: %d of %d bytes in frames, %d skipped, %d in tags; want all in frames",
			st.Bytes, len(data), st.Skipped, st.Tags)
	}
	if n == 0 {
		t.Fatal("no frames")
	}
	return n
}

// decode decodes an MP3 stream with ffmpeg to channels channels of
// samples in [-1, 1].
func decode(t testing.TB, data []byte, channels int) [][]float64 {
	t.Helper()
	ffmpeg := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin",
		"-f", "mp3", "-i", "-", "-f", "s16le", "-ac", strconv.Itoa(channels), "-")
	cmd.Stdin = bytes.NewReader(data)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, stderr.Bytes())
	}
	return testaudio.DecodeS16LE(raw, channels)
}

// tone is what checkTone measured in one channel.
type tone struct {
	level  float64 // dBFS of the amplitude at the expected frequency
	purity float64 // the share of the signal's power at that frequency
	peak   float64 // Hz: the strongest of the frequencies tried around it
}

// measureTone measures a tone of freq Hz in one second of pcm starting at
// from.
func measureTone(pcm []float64, from, rate int, freq float64) tone {
	x := pcm[from : from+rate]
	var power float64
	for _, v := range x {
		power += v * v
	}
	power /= float64(len(x))
	amp := testaudio.Level(x, float64(rate), freq)
	tn := tone{level: 20 * math.Log10(amp), purity: amp * amp / 2 / power, peak: freq}
	// With a one-second window, tones 10 Hz apart are orthogonal: the
	// peak of this comb is the tone's frequency to within 5 Hz.
	best := amp
	for f := freq - 100; f <= freq+100; f += 10 {
		if a := testaudio.Level(x, float64(rate), f); a > best {
			best, tn.peak = a, f
		}
	}
	return tn
}

// checkTone decodes data and checks that each of its channels holds a
// tone of freq Hz at level dBFS (within tol dB), nothing much else, from
// the second second on. It returns the samples per channel decoded.
func checkTone(t testing.TB, data []byte, channels, rate int, freq, level, tol float64) int {
	t.Helper()
	pcm := decode(t, data, channels)
	if len(pcm[0]) < 3*rate {
		t.Fatalf("decoded %d samples, want at least %d", len(pcm[0]), 3*rate)
	}
	for ch := range channels {
		tn := measureTone(pcm[ch], rate, rate, freq)
		t.Logf("channel %d: %.2f dBFS at %.0f Hz, %.5f of the power", ch, tn.level, tn.peak, tn.purity)
		if math.Abs(tn.level-level) > tol || tn.purity < 0.99 || tn.peak != freq {
			t.Errorf("channel %d: tone at %.1f dBFS, %.4f of the power, peak at %.0f Hz; want %.1f±%.2f dBFS, over 0.99, %.0f Hz",
				ch, tn.level, tn.purity, tn.peak, level, tol, freq)
		}
	}
	return len(pcm[0])
}
