package decode

import "encoding/binary"

// MPEG audio frame headers (ISO/IEC 11172-3 §2.4.2.3, 13818-3 §2.4.2.3),
// Layer III only: the 32-bit header is the 11-bit sync, version, layer,
// protection, bitrate index, sampling-rate index, padding, private, mode
// and the rest, which this package does not need.

// MPEG versions as coded in the header's two version bits.
const (
	mpeg25 = 0 // MPEG-2.5 (8, 11.025, 12 kHz)
	mpeg2  = 2 // MPEG-2 LSF (16, 22.05, 24 kHz)
	mpeg1  = 3 // MPEG-1 (32, 44.1, 48 kHz)
)

// Bitrates in kbit/s by bitrate index; index 0 is free format, 15 is bad.
var (
	bitratesV1 = [16]int{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0}
	bitratesV2 = [16]int{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0}
)

// Sampling rates by sampling-rate index (3 is reserved) for MPEG-1.
// MPEG-2 halves them and MPEG-2.5 quarters them.
var ratesV1 = [3]int{44100, 48000, 32000}

// maxFrameLen bounds a Layer III frame: 320 kbit/s at 32 kHz, padded.
const maxFrameLen = 144*320000/32000 + 1

// frameHeader is a parsed Layer III frame header.
type frameHeader struct {
	version  int  // mpeg1, mpeg2 or mpeg25
	crc      bool // a 16-bit CRC follows the header
	bitrate  int  // bit/s
	rate     int  // Hz
	padding  bool // one extra byte in this frame
	channels int  // 1 or 2
}

// parseFrameHeader reads the 4 bytes at b as a Layer III frame header and
// reports whether they are one. Free-format frames (bitrate index 0) are
// refused: the frame splitter cannot size them.
func parseFrameHeader(b []byte) (frameHeader, bool) {
	if len(b) < 4 || b[0] != 0xFF || b[1]&0xE0 != 0xE0 {
		return frameHeader{}, false
	}
	version := int(b[1]>>3) & 3
	layer := int(b[1]>>1) & 3
	brIndex := int(b[2] >> 4)
	rateIndex := int(b[2]>>2) & 3
	if version == 1 || layer != 1 || brIndex == 0 || brIndex == 15 || rateIndex == 3 {
		return frameHeader{}, false
	}
	h := frameHeader{
		version:  version,
		crc:      b[1]&1 == 0,
		padding:  b[2]&2 != 0,
		channels: 2,
	}
	if b[3]>>6 == 3 {
		h.channels = 1
	}
	switch version {
	case mpeg1:
		h.bitrate = bitratesV1[brIndex] * 1000
		h.rate = ratesV1[rateIndex]
	case mpeg2:
		h.bitrate = bitratesV2[brIndex] * 1000
		h.rate = ratesV1[rateIndex] / 2
	default:
		h.bitrate = bitratesV2[brIndex] * 1000
		h.rate = ratesV1[rateIndex] / 4
	}
	return h, true
}

// samplesPerFrame is 1152 for MPEG-1 Layer III and 576 for MPEG-2/2.5.
func (h frameHeader) samplesPerFrame() int {
	if h.version == mpeg1 {
		return 1152
	}
	return 576
}

// frameLen is the frame's size in bytes, header included.
func (h frameHeader) frameLen() int {
	n := h.samplesPerFrame() / 8 * h.bitrate / h.rate
	if h.padding {
		n++
	}
	return n
}

// sideInfoLen is the size of the side information after the header (and
// CRC); a Xing/Info tag sits right after it.
func (h frameHeader) sideInfoLen() int {
	switch {
	case h.version == mpeg1 && h.channels == 1:
		return 17
	case h.version == mpeg1:
		return 32
	case h.channels == 1:
		return 9
	default:
		return 17
	}
}

// sameStream reports whether two headers can belong to one stream: the
// fields an encoder never changes between frames agree.
func (h frameHeader) sameStream(o frameHeader) bool {
	return h.version == o.version && h.rate == o.rate
}

// infoFrame is what the first frame of a file can say about the stream
// when it is a Xing/Info or VBRI tag frame instead of audio.
type infoFrame struct {
	frames  int  // audio frames after this one; 0 = not given
	bytes   int  // audio bytes; 0 = not given
	gapless bool // delay and padding come from a LAME-style tag
	delay   int  // encoder delay in samples (LAME tag)
	padding int  // samples the encoder appended to fill the last frame
}

// parseInfoFrame looks for a Xing/Info tag and its LAME extension, or a
// Fraunhofer VBRI tag, in the frame f (starting with header h). The LAME
// tag layout is from the "LAME Tag rev 1" spec: after the Xing fields, a
// 9-byte encoder string, and at offset 0x15 from it the 12-bit encoder
// delay and 12-bit padding. FFmpeg writes the same layout with "Lavf" or
// "Lavc" for the encoder.
func parseInfoFrame(h frameHeader, f []byte) (infoFrame, bool) {
	off := 4 + h.sideInfoLen()
	if h.crc {
		off += 2
	}
	if off+8 <= len(f) && (string(f[off:off+4]) == "Xing" || string(f[off:off+4]) == "Info") {
		var info infoFrame
		flags := binary.BigEndian.Uint32(f[off+4:])
		p := off + 8
		if flags&1 != 0 && p+4 <= len(f) {
			info.frames = int(binary.BigEndian.Uint32(f[p:]))
			p += 4
		}
		if flags&2 != 0 && p+4 <= len(f) {
			info.bytes = int(binary.BigEndian.Uint32(f[p:]))
			p += 4
		}
		if flags&4 != 0 {
			p += 100 // seek table
		}
		if flags&8 != 0 {
			p += 4 // VBR quality
		}
		if p+0x18 <= len(f) {
			enc := string(f[p : p+4])
			if enc == "LAME" || enc == "Lavf" || enc == "Lavc" {
				d := f[p+0x15:]
				info.gapless = true
				info.delay = int(d[0])<<4 | int(d[1])>>4
				info.padding = int(d[1]&0x0F)<<8 | int(d[2])
			}
		}
		return info, true
	}
	// VBRI sits 32 bytes after the header whatever the mode.
	const vbri = 4 + 32
	if vbri+18 <= len(f) && string(f[vbri:vbri+4]) == "VBRI" {
		return infoFrame{
			bytes:  int(binary.BigEndian.Uint32(f[vbri+10:])),
			frames: int(binary.BigEndian.Uint32(f[vbri+14:])),
		}, true
	}
	return infoFrame{}, false
}
