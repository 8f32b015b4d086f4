package decode

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

// TestDecodeTones decodes tones of known frequency, level and length in
// each supported shape of file and checks all three, per channel.
func TestDecodeTones(t *testing.T) {
	stereo := tone{rate: 44100, freqs: []float64{440, 660}, seconds: 2, amp: 0.5}
	tests := []struct {
		name string
		tone tone
		opts []string
		// gapless: the length must be exact to 2 samples (a LAME or FFmpeg
		// Info tag says what to trim); else within 30 ms.
		gapless bool
	}{
		{"cbr128.mp3", stereo, cbr128, true},
		{"vbr-q4.mp3", tone{rate: 44100, freqs: []float64{550, 880}, seconds: 2, amp: 0.5}, vbrQ4, true},
		{"48k.mp3", tone{rate: 48000, freqs: []float64{1000, 1500}, seconds: 2, amp: 0.5}, with(cbr128, "-b:a", "192k"), true},
		{"32k.mp3", tone{rate: 32000, freqs: []float64{700, 350}, seconds: 2, amp: 0.5}, with(cbr128, "-b:a", "96k"), true},
		{"22k-mpeg2.mp3", tone{rate: 22050, freqs: []float64{500, 750}, seconds: 2, amp: 0.5}, with(cbr128, "-b:a", "64k"), true},
		{"mono.mp3", tone{rate: 44100, freqs: []float64{440}, seconds: 2, amp: 0.5}, with(cbr128, "-b:a", "64k"), true},
		{"mono-vbr-22k.mp3", tone{rate: 22050, freqs: []float64{300}, seconds: 2, amp: 0.5}, vbrQ4, true},
		{"11k-mpeg25.mp3", tone{rate: 11025, freqs: []float64{300, 450}, seconds: 2, amp: 0.5}, with(cbr128, "-b:a", "32k"), true},
		{"mono-8k-mpeg25.mp3", tone{rate: 8000, freqs: []float64{400}, seconds: 2, amp: 0.5}, with(cbr128, "-b:a", "16k"), true},
		{"vorbis.ogg", stereo, vorbisQ5, true},
		{"vorbis-mono-48k.ogg", tone{rate: 48000, freqs: []float64{1000}, seconds: 2, amp: 0.5}, vorbisQ5, true},
		// Content, not the name, tells the format.
		{"mp3-named.ogg", stereo, cbr128, true},
		{"vorbis-named.mp3", stereo, vorbisQ5, true},
		{"no-extension", stereo, vbrQ4, true},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := makeTone(t, dir, tt.name, tt.tone, tt.opts...)
			pcm, d := decodeAll(t, path)
			src := tt.tone
			if d.SampleRate() != src.rate {
				t.Fatalf("SampleRate = %d, want %d", d.SampleRate(), src.rate)
			}
			frames := len(pcm) / 2
			tol := int(0.030 * float64(src.rate))
			if tt.gapless {
				tol = 2
			}
			if diff := frames - src.frames(); diff < -tol || diff > tol {
				t.Errorf("decoded %d frames, want %d ± %d (off by %d)", frames, src.frames(), tol, diff)
			}
			durTol := 30 * time.Millisecond
			if tt.gapless {
				durTol = 2 * time.Millisecond
			}
			want := time.Duration(src.seconds * float64(time.Second))
			if got := d.Duration(); got < want-durTol || got > want+durTol {
				t.Errorf("Duration = %v, want %v ± %v", got, want, durTol)
			}
			checkTones(t, pcm, src)
		})
	}
}

// checkTones checks that each output channel carries its source channel's
// tone at its level (mono on both) and not the other channel's: it
// measures the second half-second to one-and-a-half, a whole number of
// periods of every test frequency.
func checkTones(t *testing.T, pcm []float32, src tone) {
	t.Helper()
	from, n := src.rate/2, src.rate
	if len(pcm)/2 < from+n {
		t.Fatalf("only %d frames decoded", len(pcm)/2)
	}
	for c := range 2 {
		x := channel(pcm, c)[from : from+n]
		want := src.freqs[min(c, len(src.freqs)-1)]
		if a := amplitude(x, want, src.rate); math.Abs(20*math.Log10(a/src.amp)) > 0.5 {
			t.Errorf("channel %d: %g Hz at amplitude %.4f, want %.4f ± 0.5 dB", c, want, a, src.amp)
		}
		for _, other := range src.freqs {
			if other == want {
				continue
			}
			if a := amplitude(x, other, src.rate); a > src.amp/100 {
				t.Errorf("channel %d: %g Hz leaks in at amplitude %.4f", c, other, a)
			}
		}
	}
	if len(src.freqs) == 1 {
		for i := 0; i < len(pcm); i += 2 {
			if pcm[i] != pcm[i+1] {
				t.Fatalf("mono file: left %g != right %g at frame %d", pcm[i], pcm[i+1], i/2)
			}
		}
	}
	for i, v := range pcm {
		if v < -1 || v > 1 || math.IsNaN(float64(v)) {
			t.Fatalf("sample %d = %g, outside [-1, 1]", i, v)
		}
	}
}

// TestVorbisDownmix checks the mix of multichannel Vorbis to stereo:
// front left only on the left, centre on both at −3 dB, a surround on its
// side at −3 dB, LFE left out.
func TestVorbisDownmix(t *testing.T) {
	const l, x, lfe = "0.5*sin(2*PI*440*t)", "0.5*sin(2*PI*660*t)", "0.5*sin(2*PI*50*t)"
	c := 0.5 * math.Sqrt2 / 2
	tests := []struct {
		layout string
		// exprs in ffmpeg's channel order; libvorbis stores them in
		// Vorbis order (Vorbis I §4.3.9).
		exprs        []string
		xLeft, xRght float64 // the 660 Hz channel's expected amplitudes
	}{
		{"quad", []string{l, "0", x, "0"}, c, 0},                    // FL FR BL BR
		{"5.0", []string{l, "0", x, "0", "0"}, c, c},                // FL FR FC BL BR
		{"5.1", []string{l, "0", x, lfe, "0", "0"}, c, c},           // FL FR FC LFE BL BR
		{"7.1", []string{l, "0", "0", lfe, "0", x, "0", "0"}, 0, c}, // FL FR FC LFE BL BR SL SR
	}
	for _, tt := range tests {
		t.Run(tt.layout, func(t *testing.T) {
			t.Parallel()
			src := fmt.Sprintf("aevalsrc=%s:s=48000:d=2:c=%s", strings.Join(tt.exprs, "|"), tt.layout)
			path := makeSource(t, t.TempDir(), "surround.ogg", src, vorbisQ5...)
			pcm, d := decodeAll(t, path)
			if d.SampleRate() != 48000 {
				t.Fatalf("SampleRate = %d", d.SampleRate())
			}
			left, right := channel(pcm, 0)[24000:72000], channel(pcm, 1)[24000:72000]
			for _, m := range []struct {
				name string
				x    []float64
				freq float64
				want float64
			}{
				{"left 440 Hz", left, 440, 0.5},
				{"left 660 Hz", left, 660, tt.xLeft},
				{"left 50 Hz", left, 50, 0},
				{"right 440 Hz", right, 440, 0},
				{"right 660 Hz", right, 660, tt.xRght},
				{"right 50 Hz", right, 50, 0},
			} {
				if a := amplitude(m.x, m.freq, 48000); math.Abs(a-m.want) > 0.02 {
					t.Errorf("%s: amplitude %.4f, want %.4f", m.name, a, m.want)
				}
			}
		})
	}
}

// TestVorbisChained plays both streams of a chained Ogg file (two files
// one after the other), where oggvorbis alone stops after the first.
func TestVorbisChained(t *testing.T) {
	dir := t.TempDir()
	a := makeTone(t, dir, "a.ogg", tone{rate: 44100, freqs: []float64{440, 440}, seconds: 1, amp: 0.5}, vorbisQ5...)
	b := makeTone(t, dir, "b.ogg", tone{rate: 44100, freqs: []float64{880}, seconds: 1, amp: 0.5}, vorbisQ5...)
	chained := concat(t, dir, "chained.ogg", a, b)
	pcm, _ := decodeAll(t, chained)
	if n := len(pcm) / 2; n < 88200-2 || n > 88200+2 {
		t.Fatalf("decoded %d frames, want 88200 (two 1 s streams)", n)
	}
	x := channel(pcm, 0)
	if a := amplitude(x[11025:33075], 440, 44100); math.Abs(a-0.5) > 0.03 {
		t.Errorf("first stream: 440 Hz at %.3f", a)
	}
	if a := amplitude(x[66150:88200], 880, 44100); math.Abs(a-0.5) > 0.03 {
		t.Errorf("second (mono) stream: 880 Hz at %.3f", a)
	}
}
