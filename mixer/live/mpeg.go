package live

// MPEG audio frame headers, Layer III only (ISO/IEC 11172-3 §2.4.2.3,
// 13818-3 §2.4.2.3, and the MPEG-2.5 extension of the version bits): an
// 11-bit sync, 2 version bits, 2 layer bits, the protection bit, a 4-bit
// bitrate index, a 2-bit sampling-rate index, the padding bit, a private
// bit, then the 2-bit channel mode.

// MPEG versions as coded in the header's version bits (1 is reserved).
const (
	mpeg25 = 0
	mpeg2  = 2
	mpeg1  = 3
)

// Layer III bitrates in kbit/s by index: MPEG-1, then MPEG-2 and 2.5.
// Index 0 is free format, which a splitter cannot size; 15 is forbidden.
var layer3Bitrates = [2][16]int{
	{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0},
	{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0},
}

// mpeg1Rates are the MPEG-1 sampling rates by index; MPEG-2 halves them,
// MPEG-2.5 quarters them.
var mpeg1Rates = [3]int{44100, 48000, 32000}

// maxFrameLen bounds a Layer III frame: 320 kbit/s at 32 kHz, padded
// (MPEG-2.5's 160 kbit/s at 8 kHz is 1440).
const maxFrameLen = 144*320000/32000 + 1

// mp3Header is a parsed Layer III frame header.
type mp3Header struct {
	version  int // mpeg1, mpeg2 or mpeg25
	rate     int // Hz
	mono     bool
	crc      bool // a 16-bit CRC follows the header
	frameLen int  // bytes, header included
	samples  int  // per channel: 1152 for MPEG-1, 576 otherwise
}

// parseMP3Header reads b[:4] as a Layer III frame header and reports
// whether it is a usable one.
func parseMP3Header(b []byte) (mp3Header, bool) {
	if len(b) < 4 || b[0] != 0xFF || b[1]&0xE0 != 0xE0 {
		return mp3Header{}, false
	}
	version := int(b[1]>>3) & 3
	layer := int(b[1]>>1) & 3
	brIndex := int(b[2] >> 4)
	rateIndex := int(b[2]>>2) & 3
	if version == 1 || layer != 1 || brIndex == 0 || brIndex == 15 || rateIndex == 3 {
		return mp3Header{}, false
	}
	h := mp3Header{
		version: version,
		rate:    mpeg1Rates[rateIndex],
		mono:    b[3]>>6 == 3,
		crc:     b[1]&1 == 0,
		samples: 576,
	}
	bitrate := layer3Bitrates[1][brIndex] * 1000
	switch version {
	case mpeg1:
		bitrate = layer3Bitrates[0][brIndex] * 1000
		h.samples = 1152
	case mpeg2:
		h.rate /= 2
	default:
		h.rate /= 4
	}
	// A slot is a byte in Layer III: samples/8 bytes per bit per second.
	h.frameLen = h.samples / 8 * bitrate / h.rate
	if b[2]&2 != 0 {
		h.frameLen++
	}
	return h, true
}

// sameStream reports whether o can follow h in one stream: encoders keep
// the version, the sampling rate and mono or not from frame to frame.
func (h mp3Header) sameStream(o mp3Header) bool {
	return h.version == o.version && h.rate == o.rate && h.mono == o.mono
}

// sideInfoLen is the size of the side information after the header and
// CRC (§2.4.1.7): where a Xing or Info tag would start.
func (h mp3Header) sideInfoLen() int {
	switch {
	case h.version == mpeg1 && h.mono:
		return 17
	case h.version == mpeg1:
		return 32
	case h.mono:
		return 9
	default:
		return 17
	}
}

// isInfoFrame reports whether the frame f (header h) carries a Xing or
// Info tag, which encoders write as a silent first frame: not audio.
func isInfoFrame(h mp3Header, f []byte) bool {
	off := 4 + h.sideInfoLen()
	if h.crc {
		off += 2
	}
	if off+4 > len(f) {
		return false
	}
	tag := string(f[off : off+4])
	return tag == "Xing" || tag == "Info"
}

// layer2Bitrates are MPEG-1 Layer II bitrates in kbit/s by index; the
// LSF extensions share Layer III's.
var layer2Bitrates = [16]int{0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 0}

// layer2FrameLen reports whether b starts a Layer II frame header, and the
// frame's length (1152 samples at every version: 144 bytes per bit per
// second), for telling MP2 streams apart from noise.
func layer2FrameLen(b []byte) (int, bool) {
	if len(b) < 4 || b[0] != 0xFF || b[1]&0xE0 != 0xE0 {
		return 0, false
	}
	version := int(b[1]>>3) & 3
	brIndex := int(b[2] >> 4)
	rateIndex := int(b[2]>>2) & 3
	if version == 1 || int(b[1]>>1)&3 != 2 || brIndex == 0 || brIndex == 15 || rateIndex == 3 {
		return 0, false
	}
	rate, bitrate := mpeg1Rates[rateIndex], layer3Bitrates[1][brIndex]*1000
	switch version {
	case mpeg1:
		bitrate = layer2Bitrates[brIndex] * 1000
	case mpeg2:
		rate /= 2
	default:
		rate /= 4
	}
	n := 144 * bitrate / rate
	if b[2]&2 != 0 {
		n++
	}
	return n, true
}

// ADTS headers (ISO/IEC 13818-7 §6.2, 14496-3 §1.A.2.2): a 12-bit sync,
// then the ID bit and two layer bits that are always 00, which tells them
// from MPEG audio; the 13-bit frame length, header included, sits across
// bytes 3 to 5.

// adtsFrameLen reports whether b starts an ADTS header, and its frame's
// length.
func adtsFrameLen(b []byte) (int, bool) {
	if len(b) < 7 || b[0] != 0xFF || b[1]&0xF6 != 0xF0 {
		return 0, false
	}
	if (b[2]>>2)&0x0F >= 13 { // sampling frequency index
		return 0, false
	}
	n := int(b[3]&3)<<11 | int(b[4])<<3 | int(b[5]>>5)
	if n < 7 {
		return 0, false
	}
	return n, true
}
