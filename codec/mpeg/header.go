package mpeg

import (
	"strconv"
	"time"
)

// HeaderSize is the length of an MPEG audio frame header in bytes. A CRC,
// when present, follows it and counts as frame data.
const HeaderSize = 4

// MaxFrame is the longest MPEG audio frame a valid header can describe:
// MPEG-2.5 layer II at 160 kbps, 8 kHz, padded.
const MaxFrame = 2881

// MaxLayer3Frame is the longest Layer III frame: MPEG-1 at 320 kbps,
// 32 kHz, padded (MPEG-2.5's 160 kbps at 8 kHz is 1440 bytes).
const MaxLayer3Frame = 1441

// Version is the MPEG audio version of a frame.
type Version int

// MPEG audio versions.
const (
	MPEG1  Version = 1 // ISO/IEC 11172-3: 32, 44.1 and 48 kHz
	MPEG2  Version = 2 // ISO/IEC 13818-3: 16, 22.05 and 24 kHz
	MPEG25 Version = 3 // Fraunhofer extension: 8, 11.025 and 12 kHz
)

// String returns "MPEG-1", "MPEG-2" or "MPEG-2.5".
func (v Version) String() string {
	switch v {
	case MPEG1:
		return "MPEG-1"
	case MPEG2:
		return "MPEG-2"
	case MPEG25:
		return "MPEG-2.5"
	}
	return "Version(" + strconv.Itoa(int(v)) + ")"
}

// ChannelMode is the channel mode of an MPEG audio frame; its values are the
// header's two mode bits.
type ChannelMode int

// Channel modes.
const (
	Stereo      ChannelMode = 0
	JointStereo ChannelMode = 1
	DualChannel ChannelMode = 2
	Mono        ChannelMode = 3
)

// String returns the mode's usual name.
func (m ChannelMode) String() string {
	switch m {
	case Stereo:
		return "stereo"
	case JointStereo:
		return "joint stereo"
	case DualChannel:
		return "dual channel"
	case Mono:
		return "mono"
	}
	return "ChannelMode(" + strconv.Itoa(int(m)) + ")"
}

// Header is a parsed 4-byte MPEG audio frame header (layers I, II and III;
// "MP3" for short, as everyone says).
type Header struct {
	Version       Version
	Layer         int  // 1, 2 or 3
	Protected     bool // a 16-bit CRC follows the header
	Bitrate       int  // kbps
	SampleRate    int  // Hz
	Padding       bool // the frame has one extra slot
	Private       bool
	Mode          ChannelMode
	ModeExtension int // joint stereo: which tools are on; 0–3
	Copyright     bool
	Original      bool
	Emphasis      int // 0 none, 1 50/15 µs, 3 CCITT J.17; 2 is reserved
}

// bitrates holds kbps by [version class][layer-1][bitrate index]; version
// class 0 is MPEG-1, 1 is MPEG-2 and 2.5, which share their tables. Read-only.
var bitrates = [2][3][15]uint16{
	{
		{0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448},
		{0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384},
		{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320},
	},
	{
		{0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256},
		{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
		{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
	},
}

// sampleRates holds Hz by [Version-1][sample-rate index]. Read-only.
var sampleRates = [3][3]uint32{
	{44100, 48000, 32000},
	{22050, 24000, 16000},
	{11025, 12000, 8000},
}

// ParseLayer3 parses the header at the start of b and reports whether it
// heads a Layer III frame whose length the header gives (not free
// format): a frame the MP3 decoders can cut from a file or a stream.
func ParseLayer3(b []byte) (Header, bool) {
	h, err := ParseHeader(b)
	return h, err == nil && h.Layer == 3
}

// ParseHeader parses the MPEG audio frame header at the start of b. It
// rejects what no streaming player plays and what garbage most often looks
// like: a missing sync, reserved version, layer, sample rate or emphasis, the
// free-format bitrate index 0 and the invalid index 15.
//
// For the free-format index it returns ErrFreeFormat together with the
// header, every other field checked and Bitrate 0: the frame's length is
// not in it, so a reader of streams cannot use it, but a decoder handed
// whole frames can.
func ParseHeader(b []byte) (Header, error) {
	if len(b) < HeaderSize {
		return Header{}, ErrShortHeader
	}
	if b[0] != 0xFF || b[1]&0xE0 != 0xE0 {
		return Header{}, ErrNoSync
	}
	var h Header
	switch (b[1] >> 3) & 3 {
	case 0:
		h.Version = MPEG25
	case 1:
		return Header{}, ErrReservedVersion
	case 2:
		h.Version = MPEG2
	case 3:
		h.Version = MPEG1
	}
	// The layer bits count down: 11 is layer I, 01 is layer III.
	l := (b[1] >> 1) & 3
	if l == 0 {
		return Header{}, ErrReservedLayer
	}
	h.Layer = 4 - int(l)
	bi := b[2] >> 4
	if bi == 15 {
		return Header{}, ErrBadBitrate
	}
	si := (b[2] >> 2) & 3
	if si == 3 {
		return Header{}, ErrBadSampleRate
	}
	h.Emphasis = int(b[3] & 3)
	if h.Emphasis == 2 {
		return Header{}, ErrBadEmphasis
	}
	h.Bitrate = int(bitrates[versionClass(h.Version)][h.Layer-1][bi])
	h.SampleRate = int(sampleRates[h.Version-1][si])
	h.Protected = b[1]&1 == 0 // the bit says "protection absent"
	h.Padding = b[2]&2 != 0
	h.Private = b[2]&1 != 0
	h.Mode = ChannelMode(b[3] >> 6)
	h.ModeExtension = int(b[3]>>4) & 3
	h.Copyright = b[3]&8 != 0
	h.Original = b[3]&4 != 0
	if bi == 0 {
		return h, ErrFreeFormat
	}
	return h, nil
}

// SameStream tells whether o can follow h in one stream: the version, the
// layer and the sample rate agree. An encoder never changes them, and a
// decoder must start afresh when they change (ffmpeg's and mpg123's frame
// searches compare the same fields). The bitrate (VBR), padding and channel
// mode may change from frame to frame: a file joined from a mono and a
// stereo file still plays as one stream.
func (h Header) SameStream(o Header) bool {
	return h.Version == o.Version && h.Layer == o.Layer && h.SampleRate == o.SampleRate
}

// SideInfoSize returns the length of a Layer III frame's side information,
// which follows the header and its CRC (ISO/IEC 11172-3 §2.4.1.7, 13818-3
// §2.4.1.7): 17 or 32 bytes for MPEG-1 mono or not, 9 or 17 for MPEG-2
// and 2.5. It is 0 for layers I and II, which have none.
func (h Header) SideInfoSize() int {
	switch {
	case h.Layer != 3:
		return 0
	case h.Version == MPEG1 && h.Mode == Mono:
		return 17
	case h.Version == MPEG1:
		return 32
	case h.Mode == Mono:
		return 9
	default:
		return 17
	}
}

func versionClass(v Version) int {
	if v == MPEG1 {
		return 0
	}
	return 1
}

// FrameSize returns the length of the frame in bytes, header and padding
// included: 12·bitrate/rate 4-byte slots for layer I, 144·bitrate/rate bytes
// for layer II and MPEG-1 layer III, and 72·bitrate/rate bytes for MPEG-2 and
// 2.5 layer III, which code half as many samples per frame. It returns 0 for
// a header that did not come from a successful parse, free format included.
func (h Header) FrameSize() int {
	if h.SampleRate <= 0 || h.Bitrate <= 0 {
		return 0
	}
	pad := 0
	if h.Padding {
		pad = 1
	}
	bps := h.Bitrate * 1000
	switch h.Layer {
	case 1:
		return (12*bps/h.SampleRate + pad) * 4
	case 2:
		return 144*bps/h.SampleRate + pad
	case 3:
		if h.Version == MPEG1 {
			return 144*bps/h.SampleRate + pad
		}
		return 72*bps/h.SampleRate + pad
	}
	return 0
}

// Samples returns the number of samples per channel the frame decodes to:
// 384 for layer I, 1152 for layer II and MPEG-1 layer III, 576 for MPEG-2 and
// 2.5 layer III.
func (h Header) Samples() int {
	switch h.Layer {
	case 1:
		return 384
	case 2:
		return 1152
	case 3:
		if h.Version == MPEG1 {
			return 1152
		}
		return 576
	}
	return 0
}

// Channels returns 1 for a mono frame and 2 otherwise.
func (h Header) Channels() int {
	if h.Mode == Mono {
		return 1
	}
	return 2
}

// Duration returns how long the frame plays, truncated to the nanosecond.
func (h Header) Duration() time.Duration {
	if h.SampleRate <= 0 {
		return 0
	}
	return time.Duration(h.Samples()) * time.Second / time.Duration(h.SampleRate)
}

// AppendBinary appends the 4 header bytes to b (implementing
// encoding.BinaryAppender), so tests and silence generators can build frames
// from a header value. It fails on a field ParseHeader would not produce.
func (h Header) AppendBinary(b []byte) ([]byte, error) {
	var v byte
	switch h.Version {
	case MPEG1:
		v = 3
	case MPEG2:
		v = 2
	case MPEG25:
		v = 0
	default:
		return b, ErrReservedVersion
	}
	if h.Layer < 1 || h.Layer > 3 {
		return b, ErrReservedLayer
	}
	bi := -1
	for i, br := range bitrates[versionClass(h.Version)][h.Layer-1] {
		if i > 0 && int(br) == h.Bitrate {
			bi = i
			break
		}
	}
	if bi < 0 {
		return b, ErrBadBitrate
	}
	si := -1
	for i, sr := range sampleRates[h.Version-1] {
		if int(sr) == h.SampleRate {
			si = i
			break
		}
	}
	if si < 0 {
		return b, ErrBadSampleRate
	}
	if h.Emphasis < 0 || h.Emphasis > 3 || h.Emphasis == 2 {
		return b, ErrBadEmphasis
	}
	if h.Mode < Stereo || h.Mode > Mono || h.ModeExtension < 0 || h.ModeExtension > 3 {
		return b, ErrBadField
	}
	b1 := 0xE0 | v<<3 | byte(4-h.Layer)<<1
	if !h.Protected {
		b1 |= 1
	}
	b2 := byte(bi)<<4 | byte(si)<<2
	if h.Padding {
		b2 |= 2
	}
	if h.Private {
		b2 |= 1
	}
	b3 := byte(h.Mode)<<6 | byte(h.ModeExtension)<<4 | byte(h.Emphasis)
	if h.Copyright {
		b3 |= 8
	}
	if h.Original {
		b3 |= 4
	}
	return append(b, 0xFF, b1, b2, b3), nil
}
