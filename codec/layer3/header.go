package layer3

import "fmt"

// header is what Decode needs from the 32-bit frame header (ISO 11172-3
// §2.4.2.3, 13818-3 §2.4.2.3 and the MPEG-2.5 extension of the version
// bits): the sampling frequency picks the band tables, the mode and mode
// extension the stereo processing.
type header struct {
	lsf      bool // MPEG-2 or 2.5: one granule, 8-bit main_data_begin, LSF scale factors
	crc      bool // a 16-bit CRC follows the header
	rate     int  // index into the band tables: 0-2 MPEG-1, 3-5 MPEG-2, 6-8 MPEG-2.5
	mode     int  // modeStereo, modeJoint, modeDual or modeMono
	ms       bool // joint stereo with middle/side coding
	is       bool // joint stereo with intensity coding
	channels int  // 1 or 2
}

// Channel modes as coded in the header.
const (
	modeStereo = 0
	modeJoint  = 1
	modeDual   = 2
	modeMono   = 3
)

// parseHeader reads the header at the start of b. The bitrate is not
// needed (the caller hands over whole frames), so free format is fine.
func parseHeader(b []byte) (header, error) {
	if len(b) < 4 || b[0] != 0xFF || b[1]&0xE0 != 0xE0 {
		return header{}, fmt.Errorf("%w: no frame sync", ErrInvalidFrame)
	}
	version := int(b[1]>>3) & 3 // 0 = 2.5, 1 reserved, 2 = MPEG-2, 3 = MPEG-1
	layer := int(b[1]>>1) & 3   // 1 = Layer III
	rateIndex := int(b[2]>>2) & 3
	switch {
	case version == 1:
		return header{}, fmt.Errorf("%w: reserved MPEG version", ErrInvalidFrame)
	case layer != 1:
		return header{}, fmt.Errorf("%w: layer %d, not III", ErrInvalidFrame, 4-layer)
	case b[2]>>4 == 15:
		return header{}, fmt.Errorf("%w: bad bitrate index", ErrInvalidFrame)
	case rateIndex == 3:
		return header{}, fmt.Errorf("%w: reserved sampling frequency", ErrInvalidFrame)
	}
	h := header{
		lsf:  version != 3,
		crc:  b[1]&1 == 0,
		rate: rateIndex,
		mode: int(b[3] >> 6),
	}
	switch version {
	case 2:
		h.rate += 3
	case 0:
		h.rate += 6
	}
	h.channels = 2
	if h.mode == modeMono {
		h.channels = 1
	}
	if h.mode == modeJoint {
		h.ms = b[3]&0x20 != 0
		h.is = b[3]&0x10 != 0
	}
	return h, nil
}

// granules is 2 for MPEG-1 and 1 for the LSF extensions.
func (h *header) granules() int {
	if h.lsf {
		return 1
	}
	return 2
}

// sideInfoLen is the side information's size in bytes (§2.4.1.7).
func (h *header) sideInfoLen() int {
	switch {
	case !h.lsf && h.channels == 1:
		return 17
	case !h.lsf:
		return 32
	case h.channels == 1:
		return 9
	default:
		return 17
	}
}
