package mpeg

import (
	"errors"
	"testing"
	"time"
)

func TestParseHeader(t *testing.T) {
	// Header bytes worked out by hand from the bit layout
	// AAAAAAAA AAABBCCD EEEEFFGH IIJJKLMM (sync, version, layer,
	// protection absent, bitrate, sample rate, padding, private, mode,
	// mode extension, copyright, original, emphasis).
	tests := []struct {
		name     string
		b        []byte
		want     Header
		size     int
		samples  int
		channels int
		dur      time.Duration
	}{
		{
			// 0xFB = 1111 1011: MPEG-1, layer III, no CRC. 0x90: index 9
			// (128), rate 0 (44.1 kHz). 0x64 = 01 10 0 1 00: joint stereo,
			// extension 2, original.
			name: "MPEG-1 L3 128k 44.1k",
			b:    []byte{0xFF, 0xFB, 0x90, 0x64},
			want: Header{Version: MPEG1, Layer: 3, Bitrate: 128, SampleRate: 44100,
				Mode: JointStereo, ModeExtension: 2, Original: true},
			size: 417, samples: 1152, channels: 2, dur: 26122448 * time.Nanosecond,
		},
		{
			name: "MPEG-1 L3 128k 44.1k padded",
			b:    []byte{0xFF, 0xFB, 0x92, 0x64},
			want: Header{Version: MPEG1, Layer: 3, Bitrate: 128, SampleRate: 44100, Padding: true,
				Mode: JointStereo, ModeExtension: 2, Original: true},
			size: 418, samples: 1152, channels: 2, dur: 26122448 * time.Nanosecond,
		},
		{
			// 0xE4 = 1110 01 0 0: index 14 (320), 48 kHz.
			name: "MPEG-1 L3 320k 48k",
			b:    []byte{0xFF, 0xFB, 0xE4, 0x00},
			want: Header{Version: MPEG1, Layer: 3, Bitrate: 320, SampleRate: 48000, Mode: Stereo},
			size: 960, samples: 1152, channels: 2, dur: 24 * time.Millisecond,
		},
		{
			// 0xF3 = 1111 0011: MPEG-2, layer III. 0x80: index 8 (64 in
			// the MPEG-2 table), 22.05 kHz. 0xC4: mono, original.
			// 72·64000/22050 = 208.98.
			name: "MPEG-2 L3 64k 22.05k mono",
			b:    []byte{0xFF, 0xF3, 0x80, 0xC4},
			want: Header{Version: MPEG2, Layer: 3, Bitrate: 64, SampleRate: 22050, Mode: Mono, Original: true},
			size: 208, samples: 576, channels: 1, dur: 26122448 * time.Nanosecond,
		},
		{
			// 0xE3 = 1110 0011: MPEG-2.5, layer III. 0x48 = 0100 10 0 0:
			// index 4 (32), rate 2 (8 kHz). 72·32000/8000 = 288.
			name: "MPEG-2.5 L3 32k 8k mono",
			b:    []byte{0xFF, 0xE3, 0x48, 0xC0},
			want: Header{Version: MPEG25, Layer: 3, Bitrate: 32, SampleRate: 8000, Mode: Mono},
			size: 288, samples: 576, channels: 1, dur: 72 * time.Millisecond,
		},
		{
			// 0x12 = 0001 00 1 0: 8 kbps, 11.025 kHz, padded: 52 + 1.
			name: "MPEG-2.5 L3 8k 11.025k padded",
			b:    []byte{0xFF, 0xE3, 0x12, 0x00},
			want: Header{Version: MPEG25, Layer: 3, Bitrate: 8, SampleRate: 11025, Padding: true},
			size: 53, samples: 576, channels: 2, dur: 52244897 * time.Nanosecond,
		},
		{
			// 0xFD = 1111 1101: MPEG-1, layer II, no CRC. 0xA4: index 10
			// (192 in the layer II table), 48 kHz. 144·192000/48000.
			name: "MPEG-1 L2 192k 48k",
			b:    []byte{0xFF, 0xFD, 0xA4, 0x00},
			want: Header{Version: MPEG1, Layer: 2, Bitrate: 192, SampleRate: 48000},
			size: 576, samples: 1152, channels: 2, dur: 24 * time.Millisecond,
		},
		{
			name: "MPEG-1 L2 192k 48k with CRC, dual channel, copyright, emphasis 1",
			b:    []byte{0xFF, 0xFC, 0xA4, 0x89},
			want: Header{Version: MPEG1, Layer: 2, Protected: true, Bitrate: 192, SampleRate: 48000,
				Mode: DualChannel, Copyright: true, Emphasis: 1},
			size: 576, samples: 1152, channels: 2, dur: 24 * time.Millisecond,
		},
		{
			// 0xEA = 1110 10 1 0: index 14 (160), 8 kHz, padded; 0xE5 =
			// MPEG-2.5 layer II. 144·160000/8000 + 1: the longest frame.
			name: "MPEG-2.5 L2 160k 8k padded (largest frame)",
			b:    []byte{0xFF, 0xE5, 0xEA, 0x03},
			want: Header{Version: MPEG25, Layer: 2, Bitrate: 160, SampleRate: 8000, Padding: true, Emphasis: 3},
			size: MaxFrame, samples: 1152, channels: 2, dur: 144 * time.Millisecond,
		},
		{
			// 0xFF: MPEG-1 layer I. 0xC8 = 1100 10 0 0: index 12 (384),
			// 32 kHz. (12·384000/32000)·4 = 576.
			name: "MPEG-1 L1 384k 32k",
			b:    []byte{0xFF, 0xFF, 0xC8, 0x00},
			want: Header{Version: MPEG1, Layer: 1, Bitrate: 384, SampleRate: 32000},
			size: 576, samples: 384, channels: 2, dur: 12 * time.Millisecond,
		},
		{
			// Layer I pads with a whole 4-byte slot.
			name: "MPEG-1 L1 384k 32k padded",
			b:    []byte{0xFF, 0xFF, 0xCA, 0x00},
			want: Header{Version: MPEG1, Layer: 1, Bitrate: 384, SampleRate: 32000, Padding: true},
			size: 580, samples: 384, channels: 2, dur: 12 * time.Millisecond,
		},
		{
			// 12·32000/44100 = 8.7 slots, truncated to 8.
			name: "MPEG-1 L1 32k 44.1k",
			b:    []byte{0xFF, 0xFF, 0x10, 0x00},
			want: Header{Version: MPEG1, Layer: 1, Bitrate: 32, SampleRate: 44100},
			size: 32, samples: 384, channels: 2, dur: 8707482 * time.Nanosecond,
		},
		{
			// 0xF7: MPEG-2 layer I. 0xE4: index 14 (256), 24 kHz.
			name: "MPEG-2 L1 256k 24k",
			b:    []byte{0xFF, 0xF7, 0xE4, 0x00},
			want: Header{Version: MPEG2, Layer: 1, Bitrate: 256, SampleRate: 24000},
			size: 512, samples: 384, channels: 2, dur: 16 * time.Millisecond,
		},
		{
			// 0xF5: MPEG-2 layer II, which keeps 1152 samples and 144.
			// 0x84: index 8 (64), 24 kHz. 144·64000/24000 = 384.
			name: "MPEG-2 L2 64k 24k",
			b:    []byte{0xFF, 0xF5, 0x84, 0x00},
			want: Header{Version: MPEG2, Layer: 2, Bitrate: 64, SampleRate: 24000},
			size: 384, samples: 1152, channels: 2, dur: 48 * time.Millisecond,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := ParseHeader(tt.b)
			if err != nil {
				t.Fatalf("ParseHeader(% X): %v", tt.b, err)
			}
			if h != tt.want {
				t.Errorf("ParseHeader(% X) = %+v, want %+v", tt.b, h, tt.want)
			}
			if got := h.FrameSize(); got != tt.size {
				t.Errorf("FrameSize = %d, want %d", got, tt.size)
			}
			if got := h.Samples(); got != tt.samples {
				t.Errorf("Samples = %d, want %d", got, tt.samples)
			}
			if got := h.Channels(); got != tt.channels {
				t.Errorf("Channels = %d, want %d", got, tt.channels)
			}
			if got := h.Duration(); got != tt.dur {
				t.Errorf("Duration = %v, want %v", got, tt.dur)
			}
			enc, err := h.AppendBinary(nil)
			if err != nil || string(enc) != string(tt.b) {
				t.Errorf("AppendBinary = % X, %v; want % X", enc, err, tt.b)
			}
		})
	}
}

func TestParseHeaderErrors(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrShortHeader},
		{"three bytes", []byte{0xFF, 0xFB, 0x90}, ErrShortHeader},
		{"first byte not 0xFF", []byte{0xFE, 0xFB, 0x90, 0x64}, ErrNoSync},
		{"sync bits of second byte missing", []byte{0xFF, 0xDB, 0x90, 0x64}, ErrNoSync},
		{"ASCII", []byte("ID3\x04"), ErrNoSync},
		{"version 01", []byte{0xFF, 0xEB, 0x90, 0x64}, ErrReservedVersion},
		{"layer 00", []byte{0xFF, 0xF9, 0x90, 0x64}, ErrReservedLayer},
		{"free format", []byte{0xFF, 0xFB, 0x00, 0x64}, ErrFreeFormat},
		{"bitrate index 15", []byte{0xFF, 0xFB, 0xF0, 0x64}, ErrBadBitrate},
		{"sample rate index 3", []byte{0xFF, 0xFB, 0x9C, 0x64}, ErrBadSampleRate},
		{"emphasis 2", []byte{0xFF, 0xFB, 0x90, 0x66}, ErrBadEmphasis},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := ParseHeader(tt.b)
			if !errors.Is(err, tt.want) {
				t.Fatalf("ParseHeader(% X) = %+v, %v; want %v", tt.b, h, err, tt.want)
			}
			if err != ErrFreeFormat && h != (Header{}) {
				t.Errorf("ParseHeader(% X) returned %+v with the error, want the zero header", tt.b, h)
			}
		})
	}
}

// TestParseHeaderFreeFormat: a free-format header comes back with the
// error, every other field read, for a decoder handed whole frames.
func TestParseHeaderFreeFormat(t *testing.T) {
	h, err := ParseHeader([]byte{0xFF, 0xFB, 0x02, 0xC4})
	want := Header{Version: MPEG1, Layer: 3, SampleRate: 44100, Padding: true, Mode: Mono, Original: true}
	if err != ErrFreeFormat || h != want {
		t.Errorf("ParseHeader = %+v, %v; want %+v, ErrFreeFormat", h, err, want)
	}
	if h.FrameSize() != 0 || h.Samples() != 1152 {
		t.Errorf("FrameSize %d, Samples %d; want 0 and 1152", h.FrameSize(), h.Samples())
	}
	if _, err := ParseHeader([]byte{0xFF, 0xFB, 0x0C, 0xC4}); err != ErrBadSampleRate {
		t.Errorf("free format at a reserved rate: %v, want ErrBadSampleRate first", err)
	}
}

// TestSameStream: the fields an encoder keeps decide, the channel mode
// does not (a file joined from a mono and a stereo part plays through).
func TestSameStream(t *testing.T) {
	base := Header{Version: MPEG1, Layer: 3, Bitrate: 128, SampleRate: 44100, Mode: JointStereo}
	for _, tt := range []struct {
		name string
		edit func(h *Header)
		same bool
	}{
		{"another bitrate", func(h *Header) { h.Bitrate = 320 }, true},
		{"padded", func(h *Header) { h.Padding = true }, true},
		{"stereo", func(h *Header) { h.Mode = Stereo }, true},
		{"mono", func(h *Header) { h.Mode = Mono }, true},
		{"another rate", func(h *Header) { h.SampleRate = 48000 }, false},
		{"another layer", func(h *Header) { h.Layer = 2 }, false},
		{"another version", func(h *Header) { h.Version, h.SampleRate = MPEG2, 22050 }, false},
	} {
		o := base
		tt.edit(&o)
		if got := base.SameStream(o); got != tt.same {
			t.Errorf("%s: SameStream = %v, want %v", tt.name, got, tt.same)
		}
	}
}

func TestSideInfoSize(t *testing.T) {
	for _, tt := range []struct {
		h    Header
		want int
	}{
		{Header{Version: MPEG1, Layer: 3, Mode: Stereo}, 32},
		{Header{Version: MPEG1, Layer: 3, Mode: Mono}, 17},
		{Header{Version: MPEG2, Layer: 3, Mode: DualChannel}, 17},
		{Header{Version: MPEG25, Layer: 3, Mode: Mono}, 9},
		{Header{Version: MPEG1, Layer: 2, Mode: Stereo}, 0},
	} {
		if got := tt.h.SideInfoSize(); got != tt.want {
			t.Errorf("%+v: SideInfoSize = %d, want %d", tt.h, got, tt.want)
		}
	}
}

func TestHeaderAppendBinaryErrors(t *testing.T) {
	good := Header{Version: MPEG1, Layer: 3, Bitrate: 128, SampleRate: 44100}
	tests := []struct {
		name string
		edit func(*Header)
		want error
	}{
		{"zero version", func(h *Header) { h.Version = 0 }, ErrReservedVersion},
		{"layer 4", func(h *Header) { h.Layer = 4 }, ErrReservedLayer},
		{"bitrate not in the table", func(h *Header) { h.Bitrate = 100 }, ErrBadBitrate},
		{"free format", func(h *Header) { h.Bitrate = 0 }, ErrBadBitrate},
		{"MPEG-2 rate in an MPEG-1 header", func(h *Header) { h.SampleRate = 22050 }, ErrBadSampleRate},
		{"emphasis 2", func(h *Header) { h.Emphasis = 2 }, ErrBadEmphasis},
		{"mode extension 4", func(h *Header) { h.ModeExtension = 4 }, ErrBadField},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := good
			tt.edit(&h)
			b, err := h.AppendBinary([]byte{1})
			if !errors.Is(err, tt.want) || len(b) != 1 {
				t.Errorf("AppendBinary = % X, %v; want the input and %v", b, err, tt.want)
			}
		})
	}
}

func TestZeroHeaders(t *testing.T) {
	// A zero header (say, from a failed parse) must not divide by zero.
	var h Header
	if h.FrameSize() != 0 || h.Samples() != 0 || h.Duration() != 0 {
		t.Errorf("zero Header: FrameSize %d, Samples %d, Duration %v; want zeros", h.FrameSize(), h.Samples(), h.Duration())
	}
}

func TestStrings(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{MPEG1.String(), "MPEG-1"},
		{MPEG2.String(), "MPEG-2"},
		{MPEG25.String(), "MPEG-2.5"},
		{Version(9).String(), "Version(9)"},
		{Stereo.String(), "stereo"},
		{JointStereo.String(), "joint stereo"},
		{DualChannel.String(), "dual channel"},
		{Mono.String(), "mono"},
		{ChannelMode(7).String(), "ChannelMode(7)"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("String() = %q, want %q", tt.got, tt.want)
		}
	}
}
