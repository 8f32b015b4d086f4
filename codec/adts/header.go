package adts

import "time"

// HeaderSize is the length of the fixed and variable ADTS header without
// a CRC; a protected header is 2 bytes longer.
const HeaderSize = 7

// MaxFrame is the longest frame the 13-bit ADTS length field can describe.
const MaxFrame = 1<<13 - 1

// Header is a parsed ADTS header (ISO/IEC 13818-7 and 14496-3): the
// framing AAC streams use over ICY and Icecast.
type Header struct {
	MPEG2           bool // ID bit: MPEG-2 AAC rather than MPEG-4
	Protected       bool // a 16-bit CRC follows, making the header 9 bytes
	Profile         int  // audio object type minus 1: 0 Main, 1 LC, 2 SSR, 3 LTP
	SampleRateIndex int  // 0–12; see SampleRate
	Private         bool
	ChannelConfig   int // 0 (given in the stream), 1–6 channels, 7 for 7.1
	Original        bool
	Home            bool
	CopyrightBit    bool // one bit of a copyright identifier spread over frames
	CopyrightStart  bool // the identifier starts in this frame
	Length          int  // frame length in bytes, header included
	BufferFullness  int  // 0x7FF for variable bitrate
	RawBlocks       int  // raw data blocks in the frame, 1–4
}

// sampleRates holds Hz by sampling-frequency index. Read-only.
var sampleRates = [13]uint32{
	96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
}

// HasSync reports whether b starts with the 12 sync bits and the layer
// bits (00) of an ADTS header, which tell it from an MPEG audio header;
// it needs 2 bytes. A stream that does not is not ADTS at all.
func HasSync(b []byte) bool {
	return len(b) >= 2 && b[0] == 0xFF && b[1]&0xF6 == 0xF0
}

// ParseHeader parses the ADTS header at the start of b: 12 sync bits,
// layer 00, a sampling-frequency index below 13 (13 and 14 are reserved and
// 15, an explicit rate, is not allowed in ADTS) and a frame length at least
// as long as the header. It needs 7 bytes even when a CRC follows.
func ParseHeader(b []byte) (Header, error) {
	if len(b) < HeaderSize {
		return Header{}, ErrShortHeader
	}
	if b[0] != 0xFF || b[1]&0xF0 != 0xF0 {
		return Header{}, ErrNoSync
	}
	if !HasSync(b) {
		return Header{}, ErrReservedLayer
	}
	h := Header{
		MPEG2:           b[1]&0x08 != 0,
		Protected:       b[1]&0x01 == 0, // the bit says "protection absent"
		Profile:         int(b[2] >> 6),
		SampleRateIndex: int(b[2]>>2) & 0x0F,
		Private:         b[2]&0x02 != 0,
		ChannelConfig:   int(b[2]&1)<<2 | int(b[3]>>6),
		Original:        b[3]&0x20 != 0,
		Home:            b[3]&0x10 != 0,
		CopyrightBit:    b[3]&0x08 != 0,
		CopyrightStart:  b[3]&0x04 != 0,
		Length:          int(b[3]&3)<<11 | int(b[4])<<3 | int(b[5]>>5),
		BufferFullness:  int(b[5]&0x1F)<<6 | int(b[6]>>2),
		RawBlocks:       int(b[6]&3) + 1,
	}
	if h.SampleRateIndex >= len(sampleRates) {
		return Header{}, ErrBadSampleRate
	}
	if h.Length < h.HeaderSize() {
		return Header{}, ErrBadFrameLength
	}
	return h, nil
}

// HeaderSize returns 9 when a CRC follows the header and 7 otherwise.
func (h Header) HeaderSize() int {
	if h.Protected {
		return HeaderSize + 2
	}
	return HeaderSize
}

// FrameSize returns the frame's length in bytes, header included.
func (h Header) FrameSize() int { return h.Length }

// SampleRate returns the sample rate in Hz, or 0 for an invalid index.
func (h Header) SampleRate() int {
	if h.SampleRateIndex < 0 || h.SampleRateIndex >= len(sampleRates) {
		return 0
	}
	return int(sampleRates[h.SampleRateIndex])
}

// Samples returns the samples per channel the frame decodes to: 1024 per raw
// data block, at SampleRate. (An HE-AAC decoder outputs twice as many at
// twice the rate; the duration is the same.)
func (h Header) Samples() int { return 1024 * h.RawBlocks }

// Channels returns the channel count the channel configuration stands for,
// or 0 when the configuration is carried in the stream instead.
func (h Header) Channels() int {
	if h.ChannelConfig == 7 {
		return 8
	}
	return h.ChannelConfig
}

// Duration returns how long the frame plays, truncated to the nanosecond.
func (h Header) Duration() time.Duration {
	sr := h.SampleRate()
	if sr == 0 {
		return 0
	}
	return time.Duration(h.Samples()) * time.Second / time.Duration(sr)
}

// AppendBinary appends the 7 fixed bytes of the header to b (implementing
// encoding.BinaryAppender); when Protected, the caller appends the CRC. It
// fails on a field ParseHeader would not produce.
func (h Header) AppendBinary(b []byte) ([]byte, error) {
	if h.SampleRateIndex < 0 || h.SampleRateIndex >= len(sampleRates) {
		return b, ErrBadSampleRate
	}
	if h.Length < h.HeaderSize() || h.Length > MaxFrame {
		return b, ErrBadFrameLength
	}
	if h.Profile < 0 || h.Profile > 3 || h.ChannelConfig < 0 || h.ChannelConfig > 7 ||
		h.BufferFullness < 0 || h.BufferFullness > 0x7FF || h.RawBlocks < 1 || h.RawBlocks > 4 {
		return b, ErrBadField
	}
	b1 := byte(0xF0)
	if h.MPEG2 {
		b1 |= 0x08
	}
	if !h.Protected {
		b1 |= 0x01
	}
	b2 := byte(h.Profile)<<6 | byte(h.SampleRateIndex)<<2 | byte(h.ChannelConfig>>2)
	if h.Private {
		b2 |= 0x02
	}
	b3 := byte(h.ChannelConfig&3)<<6 | byte(h.Length>>11)
	if h.Original {
		b3 |= 0x20
	}
	if h.Home {
		b3 |= 0x10
	}
	if h.CopyrightBit {
		b3 |= 0x08
	}
	if h.CopyrightStart {
		b3 |= 0x04
	}
	b4 := byte(h.Length >> 3)
	b5 := byte(h.Length&7)<<5 | byte(h.BufferFullness>>6)
	b6 := byte(h.BufferFullness&0x3F)<<2 | byte(h.RawBlocks-1)
	return append(b, 0xFF, b1, b2, b3, b4, b5, b6), nil
}
