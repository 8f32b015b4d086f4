package flac

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"onair/internal/testenv"
)

// Sources for the fixtures: a tone, noise (little to predict), two
// channels that differ (so that every stereo decorrelation is tried), a
// signal of 8 significant bits in 16 (wasted bits), and silence
// (constant subframes).
const (
	srcTone    = "sine=frequency=1000:sample_rate=%d:duration=1"
	srcNoise   = "anoisesrc=a=0.6:r=%d:d=1:seed=7"
	srcStereo  = "aevalsrc=0.4*sin(2*PI*440*t)+0.2*random(0)-0.1|0.3*sin(2*PI*660*t)+0.3*random(1)-0.15:s=%d:d=1"
	srcEight   = "aevalsrc=0.5*sin(2*PI*300*t):s=%d:d=1,aformat=sample_fmts=u8"
	srcSilence = "anullsrc=r=%d:cl=stereo,atrim=duration=1"
)

// flacCase is one fixture: a source, its rate and channels, and the
// encoder's options.
type flacCase struct {
	name     string
	src      string
	rate     int
	channels int
	bits     int // 16 or 24
	opts     []string
}

func flacCases() []flacCase {
	lpc32 := []string{"-lpc_type", "cholesky", "-min_prediction_order", "32", "-max_prediction_order", "32", "-lpc_coeff_precision", "15", "-strict", "-2"}
	return []flacCase{
		{"tone 16-bit mono 44.1kHz level 0", srcTone, 44100, 1, 16, []string{"-compression_level", "0"}},
		{"tone 16-bit stereo 44.1kHz level 5", srcTone, 44100, 2, 16, []string{"-compression_level", "5"}},
		{"tone 16-bit stereo 48kHz level 8", srcTone, 48000, 2, 16, []string{"-compression_level", "8"}},
		{"noise 16-bit stereo 48kHz level 0", srcNoise, 48000, 2, 16, []string{"-compression_level", "0"}},
		{"noise 16-bit mono 44.1kHz level 8", srcNoise, 44100, 1, 16, []string{"-compression_level", "8"}},
		{"tone 24-bit mono 48kHz level 5", srcTone, 48000, 1, 24, []string{"-compression_level", "5"}},
		{"noise 24-bit stereo 44.1kHz level 8", srcStereo, 44100, 2, 24, []string{"-compression_level", "8"}},
		{"noise 24-bit stereo 48kHz LPC order 32", srcStereo, 48000, 2, 24, lpc32},
		{"noise 16-bit stereo 44.1kHz LPC order 32", srcStereo, 44100, 2, 16, lpc32},
		{"tone 16-bit LPC order 32 precision 5", srcTone, 44100, 1, 16, []string{"-lpc_type", "levinson", "-max_prediction_order", "32", "-lpc_coeff_precision", "5", "-strict", "-2"}},
		{"fixed predictors only", srcStereo, 44100, 2, 16, []string{"-lpc_type", "fixed"}},
		{"verbatim and constant", srcStereo, 44100, 2, 16, []string{"-lpc_type", "none"}},
		{"left/side", srcStereo, 44100, 2, 16, []string{"-ch_mode", "left_side"}},
		{"right/side", srcStereo, 44100, 2, 24, []string{"-ch_mode", "right_side"}},
		{"mid/side", srcStereo, 48000, 2, 24, []string{"-ch_mode", "mid_side"}},
		{"independent", srcStereo, 48000, 2, 16, []string{"-ch_mode", "indep"}},
		{"exact Rice parameters, partition order 8", srcNoise, 44100, 2, 16, []string{"-exact_rice_parameters", "1", "-min_partition_order", "8", "-max_partition_order", "8"}},
		{"wasted bits", srcEight, 44100, 1, 16, nil},
		{"silence", srcSilence, 44100, 2, 16, nil},
		{"block size 100 (8-bit code)", srcStereo, 44100, 2, 16, []string{"-frame_size", "100"}},
		{"block size 1000 (16-bit code)", srcStereo, 44100, 2, 16, []string{"-frame_size", "1000"}},
		{"block size 192", srcStereo, 44100, 2, 16, []string{"-frame_size", "192"}},
		{"block size 16384", srcTone, 48000, 1, 16, []string{"-frame_size", "16384"}},
		{"rate 12 kHz (kHz code)", srcTone, 12000, 1, 16, nil},
		{"rate 11025 Hz (Hz code)", srcTone, 11025, 1, 16, nil},
		{"rate 37800 Hz (tens of Hz code)", srcTone, 37800, 1, 16, nil},
		{"rate 22050 Hz", srcNoise, 22050, 2, 16, nil},
		{"six channels", "aevalsrc=0.5*sin(2*PI*300*t)|0.3*random(0)|0.2*sin(2*PI*500*t)|0.1|0.4*sin(2*PI*700*t)|-0.2:s=%d:d=1", 44100, 6, 16, nil},
	}
}

// makeFLAC encodes c with ffmpeg to a native FLAC file and decodes that
// file with ffmpeg to raw PCM (s16le, or s32le for 24 bits), returning
// both.
func makeFLAC(t testing.TB, c flacCase) (flacData, pcm []byte) {
	t.Helper()
	bin := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	dir := t.TempDir()
	file := filepath.Join(dir, "a.flac")
	args := []string{"-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "lavfi", "-i", fmt.Sprintf(c.src, c.rate), "-ac", fmt.Sprint(c.channels)}
	if c.bits == 24 {
		args = append(args, "-sample_fmt", "s32", "-bits_per_raw_sample", "24")
	} else {
		args = append(args, "-sample_fmt", "s16")
	}
	args = append(append(append(args, "-c:a", "flac"), c.opts...), file)
	run(t, bin, args...)
	raw := filepath.Join(dir, "a.raw")
	f := "s16le"
	if c.bits == 24 {
		f = "s32le"
	}
	run(t, bin, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-i", file, "-f", f, raw)
	flacData, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	pcm, err = os.ReadFile(raw)
	if err != nil {
		t.Fatal(err)
	}
	return flacData, pcm
}

func run(t testing.TB, bin string, args ...string) {
	t.Helper()
	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", bin, strings.Join(args, " "), err, out)
	}
}

// TestDecodeMatchesFFmpeg decodes files made by ffmpeg's FLAC encoder
// across its options and compares every sample with ffmpeg's own
// decode, bit for bit, and the float output with the integers.
func TestDecodeMatchesFFmpeg(t *testing.T) {
	for _, c := range flacCases() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			data, pcm := makeFLAC(t, c)
			matchPCM(t, data, pcm, c)
		})
	}
}

// TestDecodeMatchesSox decodes files made by sox, which encodes with the
// reference library (libFLAC), at its compression levels, 8, 16 and 24
// bits, and compares every sample with ffmpeg's decode.
func TestDecodeMatchesSox(t *testing.T) {
	sox := testenv.RequireTool(t, "sox", "sox")
	ffmpeg := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	cases := []struct {
		c     flacCase
		synth []string
	}{
		{flacCase{name: "sine 16-bit mono 44.1kHz -C 0", rate: 44100, channels: 1, bits: 16, opts: []string{"-C", "0"}}, []string{"sine", "1000"}},
		{flacCase{name: "noise 16-bit stereo 48kHz -C 5", rate: 48000, channels: 2, bits: 16, opts: []string{"-C", "5"}}, []string{"whitenoise", "vol", "0.7"}},
		{flacCase{name: "pink noise 16-bit stereo 44.1kHz -C 8", rate: 44100, channels: 2, bits: 16, opts: []string{"-C", "8"}}, []string{"pinknoise"}},
		{flacCase{name: "sine and noise 24-bit stereo 48kHz -C 8", rate: 48000, channels: 2, bits: 24, opts: []string{"-C", "8"}}, []string{"sine", "1000", "brownnoise", "vol", "0.5"}},
		{flacCase{name: "noise 24-bit mono 44.1kHz -C 0", rate: 44100, channels: 1, bits: 24, opts: []string{"-C", "0"}}, []string{"whitenoise"}},
		{flacCase{name: "sine 8-bit mono 22.05kHz -C 5", rate: 22050, channels: 1, bits: 8, opts: []string{"-C", "5"}}, []string{"sine", "440"}},
	}
	for _, tc := range cases {
		t.Run(tc.c.name, func(t *testing.T) {
			t.Parallel()
			c := tc.c
			dir := t.TempDir()
			file, raw := filepath.Join(dir, "a.flac"), filepath.Join(dir, "a.raw")
			args := append([]string{"-n", "-r", fmt.Sprint(c.rate), "-b", fmt.Sprint(c.bits), "-c", fmt.Sprint(c.channels)}, c.opts...)
			args = append(append(append(args, file, "synth", "1"), tc.synth[:1]...), tc.synth[1:]...)
			run(t, sox, args...)
			f := "s16le"
			if c.bits > 16 {
				f = "s32le"
			}
			run(t, ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-i", file, "-f", f, raw)
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			pcm, err := os.ReadFile(raw)
			if err != nil {
				t.Fatal(err)
			}
			matchPCM(t, data, pcm, c)
		})
	}
}

// matchPCM decodes the native FLAC file data and compares it with pcm,
// ffmpeg's decode of it: s16le for up to 16 bits, s32le above, samples
// in the top bits.
func matchPCM(t *testing.T, data, pcm []byte, c flacCase) {
	t.Helper()
	r, err := NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	si := r.Info
	if si.SampleRate != c.rate || si.Channels != c.channels || si.BitsPerSample != c.bits {
		t.Fatalf("STREAMINFO %d Hz, %d channels, %d bits; want %d, %d, %d", si.SampleRate, si.Channels, si.BitsPerSample, c.rate, c.channels, c.bits)
	}
	width, shift := 2, 16-c.bits
	if c.bits > 16 {
		width, shift = 4, 32-c.bits
	}
	var frames, samples int
	for {
		f, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("frame %d: %v", frames, err)
		}
		if f.Channels != c.channels || f.SampleRate != c.rate || f.BitsPerSample != c.bits {
			t.Fatalf("frame %d: header %+v", frames, f.Header)
		}
		scale := float32(int32(1) << (c.bits - 1))
		for ch := range f.Channels {
			got := r.Decoder().Samples(ch)
			for i, v := range got {
				at := ((samples+i)*c.channels + ch) * width
				if at+width > len(pcm) {
					t.Fatalf("frame %d: more samples than ffmpeg's %d", frames, len(pcm)/width/c.channels)
				}
				var want int32
				if width == 2 {
					want = int32(int16(binary.LittleEndian.Uint16(pcm[at:]))) >> shift
				} else {
					want = int32(binary.LittleEndian.Uint32(pcm[at:])) >> shift
				}
				if v != want {
					t.Fatalf("frame %d channel %d sample %d: %d, ffmpeg %d", frames, ch, samples+i, v, want)
				}
				if fv := f.PCM[i*f.Channels+ch]; fv*scale != float32(v) {
					t.Fatalf("frame %d channel %d sample %d: float %g for %d", frames, ch, samples+i, fv, v)
				}
			}
		}
		samples += f.BlockSize
		frames++
	}
	if want := len(pcm) / width / c.channels; samples != want {
		t.Errorf("%d samples per channel, ffmpeg %d", samples, want)
	}
	if si.TotalSamples != 0 && uint64(samples) != si.TotalSamples {
		t.Errorf("%d samples per channel, STREAMINFO says %d", samples, si.TotalSamples)
	}
	if samples == 0 {
		t.Error("no samples")
	}
}
