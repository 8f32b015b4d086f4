package mp3enc

import (
	"errors"
	"strings"
	"testing"
)

// missingLibrary is a library name no machine has, to see what happens
// where LAME is not installed.
const missingLibrary = "libmp3lame-missing.so.0"

// TestNewWithoutLAME checks each kind where libmp3lame cannot be loaded:
// auto falls back to shine with a note, lame fails, and a bitrate shine
// cannot do fails, each saying how to fix it.
func TestNewWithoutLAME(t *testing.T) {
	tests := []struct {
		name     string
		o        Options
		err      error    // nil: shine with a note
		contains []string // in the note or the error
	}{
		{"auto falls back", Options{}, nil,
			[]string{"using shine (128 kbps only)", lameHint, "for better sound"}},
		{"auto at 128 kbps", Options{Kind: "AUTO", Bitrate: 128}, nil, []string{"using shine", lameHint}},
		{"auto mono 48k", Options{Channels: 1, SampleRate: 48000}, nil, []string{"using shine", lameHint}},
		{"lame", Options{Kind: KindLAME}, ErrNoLAME, []string{lameHint, "encoder: auto"}},
		{"auto at 192 kbps", Options{Bitrate: 192}, ErrBitrate,
			[]string{"192 kbps needs LAME", lameInstall, "bitrate: 128"}},
		{"auto at 22.05 kHz", Options{SampleRate: 22050, Bitrate: 64}, ErrBitrate,
			[]string{"64 kbps needs LAME", lameInstall, "bitrate: 128"}},
		{"auto at 22.05 kHz, 128 kbps", Options{SampleRate: 22050}, ErrSampleRate,
			[]string{"shine only does 32000, 44100 and 48000 Hz", "sample_rate: 44100", lameInstall}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.o
			o.library = missingLibrary
			enc, note, err := New(o)
			if tt.err != nil {
				if !errors.Is(err, tt.err) || enc != nil || note != "" {
					t.Fatalf("New(%+v) = %v, %q, %v; want %v", o, enc, note, err, tt.err)
				}
				t.Logf("error: %v", err)
				mustContain(t, "error", err.Error(), tt.contains)
				return
			}
			if err != nil {
				t.Fatalf("New(%+v): %v", o, err)
			}
			defer enc.Close()
			if enc.Name() != "shine" {
				t.Errorf("Name() = %q, want shine", enc.Name())
			}
			t.Logf("note: %s", note)
			mustContain(t, "note", note, tt.contains)
			out, err := enc.Encode(nil, make([]float32, 2*1152*o.normalizedChannels()))
			if err != nil || len(out) < 400 {
				t.Errorf("Encode of two frames: %d bytes, %v", len(out), err)
			}
		})
	}
}

// normalizedChannels returns the channels o stands for.
func (o Options) normalizedChannels() int {
	if o.Channels == 0 {
		return DefaultChannels
	}
	return o.Channels
}

// TestNewShine checks that shine is used when asked for, whether LAME
// loads or not, and refuses what it cannot do.
func TestNewShine(t *testing.T) {
	for _, lib := range []string{"", missingLibrary} {
		enc, note, err := New(Options{Kind: KindShine, library: lib})
		if err != nil || note != "" || enc.Name() != "shine" {
			t.Fatalf("New(shine, library %q) = %v, %q, %v; want shine", lib, enc, note, err)
		}
		enc.Close()
	}
	_, _, err := New(Options{Kind: KindShine, Bitrate: 192})
	if !errors.Is(err, ErrBitrate) {
		t.Fatalf("New(shine, 192 kbps): %v, want %v", err, ErrBitrate)
	}
	mustContain(t, "error", err.Error(), []string{"shine only does 128 kbps", "bitrate: 128", lameInstall})
	_, _, err = New(Options{Kind: KindShine, SampleRate: 24000, Bitrate: 128})
	if !errors.Is(err, ErrSampleRate) {
		t.Fatalf("New(shine, 24 kHz): %v, want %v", err, ErrSampleRate)
	}
}

func TestNewBadOptions(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		err  error
		key  string
	}{
		{"kind", Options{Kind: "ffmpeg"}, ErrKind, "'encoder'"},
		{"channels", Options{Channels: 6}, ErrChannels, "'channels'"},
		{"negative channels", Options{Channels: -1}, ErrChannels, "'channels'"},
		{"quality", Options{Quality: 10}, ErrQuality, "'quality'"},
		{"negative quality", Options{Quality: -2}, ErrQuality, "'quality'"},
		{"sample rate", Options{SampleRate: 44000}, ErrSampleRate, "'sample_rate'"},
		{"bitrate", Options{Bitrate: 130}, ErrBitrate, "'bitrate'"},
		{"MPEG-1 bitrate at 22.05 kHz", Options{SampleRate: 22050, Bitrate: 320}, ErrBitrate, "'bitrate'"},
		{"MPEG-2 bitrate at 44.1 kHz", Options{Bitrate: 144}, ErrBitrate, "'bitrate'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, kind := range []string{KindAuto, KindLAME, KindShine} {
				o := tt.o
				if o.Kind == "" {
					o.Kind = kind
				}
				enc, _, err := New(o)
				if !errors.Is(err, tt.err) || enc != nil {
					t.Fatalf("New(%+v) = %v, %v; want %v", o, enc, err, tt.err)
				}
				mustContain(t, "error", err.Error(), []string{tt.key})
			}
		})
	}
}

// mustContain checks that s, the what, holds each of want.
func mustContain(t *testing.T, what, s string, want []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("%s %q does not say %q", what, s, w)
		}
	}
}
