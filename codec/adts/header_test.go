package adts

import (
	"errors"
	"testing"
	"time"
)

func TestParseHeader(t *testing.T) {
	// Bytes worked out by hand from AAAAAAAA AAAABCCD EEFFFFGH HHIJKLMM
	// MMMMMMMM MMMOOOOO OOOOOOPP: sync, ID, layer, protection absent,
	// profile, rate index, private, channels, original, home, copyright
	// bits, length, buffer fullness, raw blocks - 1.
	lc441 := Header{Profile: 1, SampleRateIndex: 4, ChannelConfig: 2, Length: 371, BufferFullness: 0x7FF, RawBlocks: 1}
	tests := []struct {
		name     string
		b        []byte
		want     func(h *Header)
		hdr      int
		rate     int
		samples  int
		channels int
		dur      time.Duration
	}{
		{
			// What ffmpeg writes for AAC-LC 44.1 kHz stereo: 0x50 = 01
			// 0100 0 0, 0x80 = 10 0000 00, length 371 = 0x173: 0x2E, then
			// 011 and fullness 0x7FF.
			name: "LC 44.1k stereo",
			b:    []byte{0xFF, 0xF1, 0x50, 0x80, 0x2E, 0x7F, 0xFC},
			want: func(h *Header) {},
			hdr:  7, rate: 44100, samples: 1024, channels: 2, dur: 23219954 * time.Nanosecond,
		},
		{
			name: "with CRC",
			b:    []byte{0xFF, 0xF0, 0x50, 0x80, 0x2E, 0x7F, 0xFC},
			want: func(h *Header) { h.Protected = true },
			hdr:  9, rate: 44100, samples: 1024, channels: 2, dur: 23219954 * time.Nanosecond,
		},
		{
			name: "MPEG-2 ID, copyright bits, original, home",
			b:    []byte{0xFF, 0xF9, 0x52, 0xBC, 0x2E, 0x7F, 0xFC},
			want: func(h *Header) {
				h.MPEG2, h.Private, h.Original, h.Home, h.CopyrightBit, h.CopyrightStart = true, true, true, true, true, true
			},
			hdr: 7, rate: 44100, samples: 1024, channels: 2, dur: 23219954 * time.Nanosecond,
		},
		{
			// 0x4C = 01 0011 0 0: 48 kHz; 0x40: one channel; length 200.
			name: "LC 48k mono",
			b:    []byte{0xFF, 0xF1, 0x4C, 0x40, 0x19, 0x1F, 0xFC},
			want: func(h *Header) { h.SampleRateIndex, h.ChannelConfig, h.Length = 3, 1, 200 },
			hdr:  7, rate: 48000, samples: 1024, channels: 1, dur: 21333333 * time.Nanosecond,
		},
		{
			name: "four raw data blocks",
			b:    []byte{0xFF, 0xF1, 0x50, 0x80, 0x2E, 0x7F, 0xFF},
			want: func(h *Header) { h.RawBlocks = 4 },
			hdr:  7, rate: 44100, samples: 4096, channels: 2, dur: 92879818 * time.Nanosecond,
		},
		{
			name: "channel configuration 7 is 7.1",
			b:    []byte{0xFF, 0xF1, 0x51, 0xC0, 0x2E, 0x7F, 0xFC},
			want: func(h *Header) { h.ChannelConfig = 7 },
			hdr:  7, rate: 44100, samples: 1024, channels: 8, dur: 23219954 * time.Nanosecond,
		},
		{
			name: "longest frame, Main profile at 7350 Hz",
			b:    []byte{0xFF, 0xF1, 0x30, 0x83, 0xFF, 0xFF, 0xFC},
			want: func(h *Header) { h.Profile, h.SampleRateIndex, h.Length = 0, 12, MaxFrame },
			hdr:  7, rate: 7350, samples: 1024, channels: 2, dur: 139319727 * time.Nanosecond,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := ParseHeader(tt.b)
			if err != nil {
				t.Fatalf("ParseHeader(% X): %v", tt.b, err)
			}
			want := lc441
			tt.want(&want)
			if h != want {
				t.Errorf("ParseHeader(% X) = %+v, want %+v", tt.b, h, want)
			}
			if h.HeaderSize() != tt.hdr || h.FrameSize() != want.Length || h.SampleRate() != tt.rate ||
				h.Samples() != tt.samples || h.Channels() != tt.channels || h.Duration() != tt.dur {
				t.Errorf("HeaderSize %d FrameSize %d SampleRate %d Samples %d Channels %d Duration %v; want %d %d %d %d %d %v",
					h.HeaderSize(), h.FrameSize(), h.SampleRate(), h.Samples(), h.Channels(), h.Duration(),
					tt.hdr, want.Length, tt.rate, tt.samples, tt.channels, tt.dur)
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
		{"six bytes", []byte{0xFF, 0xF1, 0x50, 0x80, 0x2E, 0x7F}, ErrShortHeader},
		{"12th sync bit missing", []byte{0xFF, 0xE1, 0x50, 0x80, 0x2E, 0x7F, 0xFC}, ErrNoSync},
		{"an MP3 header", []byte{0xFF, 0xFB, 0x90, 0x64, 0x00, 0x00, 0x00}, ErrReservedLayer},
		{"layer 01", []byte{0xFF, 0xF3, 0x50, 0x80, 0x2E, 0x7F, 0xFC}, ErrReservedLayer},
		{"rate index 13", []byte{0xFF, 0xF1, 0x74, 0x80, 0x2E, 0x7F, 0xFC}, ErrBadSampleRate},
		{"rate index 15 (explicit)", []byte{0xFF, 0xF1, 0x7C, 0x80, 0x2E, 0x7F, 0xFC}, ErrBadSampleRate},
		{"length 6", []byte{0xFF, 0xF1, 0x50, 0x80, 0x00, 0xDF, 0xFC}, ErrBadFrameLength},
		{"length 8 with CRC", []byte{0xFF, 0xF0, 0x50, 0x80, 0x01, 0x1F, 0xFC}, ErrBadFrameLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := ParseHeader(tt.b)
			if !errors.Is(err, tt.want) {
				t.Fatalf("ParseHeader(% X) = %+v, %v; want %v", tt.b, h, err, tt.want)
			}
		})
	}
	// A 7-byte header with a CRC is exactly as long as its own header: valid.
	if _, err := ParseHeader([]byte{0xFF, 0xF0, 0x50, 0x80, 0x01, 0x3F, 0xFC}); err != nil {
		t.Errorf("length 9 with CRC: %v", err)
	}
}

func TestHeaderAppendBinaryErrors(t *testing.T) {
	good := Header{Profile: 1, SampleRateIndex: 4, ChannelConfig: 2, Length: 371, RawBlocks: 1}
	tests := []struct {
		name string
		edit func(*Header)
		want error
	}{
		{"rate index 13", func(h *Header) { h.SampleRateIndex = 13 }, ErrBadSampleRate},
		{"length 8192", func(h *Header) { h.Length = 8192 }, ErrBadFrameLength},
		{"length 8 with CRC", func(h *Header) { h.Length, h.Protected = 8, true }, ErrBadFrameLength},
		{"profile 4", func(h *Header) { h.Profile = 4 }, ErrBadField},
		{"channels 8", func(h *Header) { h.ChannelConfig = 8 }, ErrBadField},
		{"no raw blocks", func(h *Header) { h.RawBlocks = 0 }, ErrBadField},
		{"fullness 0x800", func(h *Header) { h.BufferFullness = 0x800 }, ErrBadField},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := good
			tt.edit(&h)
			if b, err := h.AppendBinary(nil); !errors.Is(err, tt.want) || len(b) != 0 {
				t.Errorf("AppendBinary = % X, %v; want nothing and %v", b, err, tt.want)
			}
		})
	}
}

func TestZeroHeader(t *testing.T) {
	// A header from a failed parse must not divide by zero.
	a := Header{SampleRateIndex: 15}
	if a.SampleRate() != 0 || a.Duration() != 0 {
		t.Errorf("Header with index 15: SampleRate %d, Duration %v; want zeros", a.SampleRate(), a.Duration())
	}
}
