package capture

import (
	"strings"
	"testing"
)

func TestNewChecksOptions(t *testing.T) {
	ok := Options{Backend: BackendPipe, Path: "/tmp/mic.fifo", SampleRate: 44100, Channels: 2, OutRate: 44100}
	for _, tc := range []struct {
		name string
		edit func(*Options)
		want string // "" = no error
	}{
		{"pipe", func(*Options) {}, ""},
		{"unknown backend", func(o *Options) { o.Backend = "alsa" }, `'backend' must be one of none, pipe, portaudio, browser; got "alsa"`},
		{"pipe without path", func(o *Options) { o.Path = "" }, "the pipe backend needs a 'path'"},
		{"rate too low", func(o *Options) { o.SampleRate = 7999 }, "'sample_rate' must be 8000…192000 Hz, got 7999"},
		{"rate too high", func(o *Options) { o.SampleRate = 192001 }, "'sample_rate' must be 8000…192000 Hz, got 192001"},
		{"no channels", func(o *Options) { o.Channels = 0 }, "'channels' must be 1 or 2, got 0"},
		{"three channels", func(o *Options) { o.Channels = 3 }, "'channels' must be 1 or 2, got 3"},
		{"station rate", func(o *Options) { o.OutRate = 0 }, "the station rate must be 8000…192000 Hz, got 0"},
		{"lowest rates", func(o *Options) { o.SampleRate, o.OutRate = 8000, 8000 }, ""},
		{"highest rates", func(o *Options) { o.SampleRate, o.OutRate = 192000, 192000 }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := ok
			tc.edit(&o)
			b, err := New(o, nil)
			if tc.want == "" {
				if err != nil || b == nil {
					t.Fatalf("New: %v, %v", b, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			if b != nil {
				t.Errorf("a backend with an error: %v", b)
			}
		})
	}
}

func TestNewNoneAndBrowser(t *testing.T) {
	for _, name := range []string{"", BackendNone} {
		if b, err := New(Options{Backend: name}, nil); b != nil || err != nil {
			t.Errorf("%q: %v, %v; want nil, nil", name, b, err)
		}
	}
	// The page states its own format: the config's rate and channels do
	// not matter, the station's rate does.
	b, err := New(Options{Backend: BackendBrowser, OutRate: 44100}, nil)
	if _, ok := b.(*Browser); !ok || err != nil || b.String() != "browser page (WebSocket)" {
		t.Errorf("browser: %v, %v", b, err)
	}
	b, err = New(Options{Backend: BackendBrowser, SampleRate: 44100, Channels: 2}, nil)
	if b != nil || err == nil || !strings.Contains(err.Error(), "the station rate must be") {
		t.Errorf("browser without a station rate: %v, %v", b, err)
	}
}

func TestPipeString(t *testing.T) {
	b, err := New(Options{Backend: BackendPipe, Path: "/tmp/mic.fifo", SampleRate: 48000, Channels: 1, OutRate: 44100}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := b.String(), "pipe /tmp/mic.fifo (s16le 48000 Hz mono)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestPickDevice(t *testing.T) {
	names := []string{"HDA Intel PCH: ALC3246 Analog (hw:0,0)", "USB Audio Device: Mic (hw:1,0)", "USB Audio", "pulse", "default"}
	for _, tc := range []struct {
		want string
		i    int
	}{
		{"USB Audio", 2},         // exact beats an earlier name containing it
		{"usb audio", 1},         // no exact match: the first containing it
		{"usb audio dev", 1},     // case-insensitive part
		{"ALC3246", 0},           // part
		{"Default", 4},           // case-insensitive
		{"hw:1,0", 1},            // any part
		{"AUDIO DEVICE: MIC", 1}, // case-insensitive part
		{"Focusrite", -1},        // none
	} {
		if got := pickDevice(names, tc.want); got != tc.i {
			t.Errorf("pickDevice(%q) = %d, want %d", tc.want, got, tc.i)
		}
	}
}
