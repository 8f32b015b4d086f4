package flac

import (
	"encoding/binary"
	"fmt"
)

// The FLAC-in-Ogg mapping (RFC 9639 §10.1): the first packet is 0x7F
// "FLAC", a major and a minor version, the number of header packets after
// it (big-endian, 0 for unknown), then "fLaC" and the STREAMINFO block
// with its block header; each header packet after it is one metadata
// block, the first a VORBIS_COMMENT; each audio packet is one frame.

// oggHeaderSize is the first packet's length: 9 bytes of mapping, the
// marker, a block header and STREAMINFO.
const oggHeaderSize = 9 + 4 + 4 + streamInfoSize

// OggHeader is the first packet of an Ogg FLAC stream.
type OggHeader struct {
	Major, Minor int // the mapping's version: 1.0
	// Headers is how many header packets (metadata blocks) follow the
	// first; 0 means unknown.
	Headers int
	Info    StreamInfo
}

// ParseOggHeader parses the first packet of an Ogg FLAC logical stream.
// Only major version 1 is read, as the mapping asks.
func ParseOggHeader(p []byte) (OggHeader, error) {
	var h OggHeader
	if len(p) < oggHeaderSize {
		return h, fmt.Errorf("%w: Ogg FLAC header of %d bytes", ErrMetadata, len(p))
	}
	if string(p[:5]) != "\x7fFLAC" || string(p[9:13]) != "fLaC" {
		return h, fmt.Errorf("%w: no Ogg FLAC signature", ErrMetadata)
	}
	h.Major, h.Minor = int(p[5]), int(p[6])
	h.Headers = int(binary.BigEndian.Uint16(p[7:9]))
	if h.Major != 1 {
		return h, fmt.Errorf("%w: Ogg FLAC mapping version %d.%d", ErrUnsupported, h.Major, h.Minor)
	}
	bh, err := ParseBlockHeader(p[13:])
	if err != nil {
		return h, err
	}
	if bh.Type != StreamInfoBlock {
		return h, fmt.Errorf("%w: Ogg FLAC header holds block type %d, not STREAMINFO", ErrMetadata, bh.Type)
	}
	h.Info, err = ParseStreamInfo(p[17:])
	return h, err
}

// IsOggFrame tells an audio packet of an Ogg FLAC stream from a header
// packet: a frame starts with its sync code, and no metadata block header
// starts with 0xFF (type 127 is forbidden).
func IsOggFrame(p []byte) bool {
	return len(p) >= 2 && p[0] == 0xff && p[1]&0xfe == 0xf8
}

// ParseOggMetadata parses a header packet after the first: one metadata
// block, whose header and body it returns. The body aliases p.
func ParseOggMetadata(p []byte) (BlockHeader, []byte, error) {
	h, err := ParseBlockHeader(p)
	if err != nil {
		return h, nil, err
	}
	if h.Length > len(p)-4 {
		return h, nil, fmt.Errorf("%w: metadata block of %d bytes in a packet of %d", ErrShort, h.Length, len(p)-4)
	}
	return h, p[4 : 4+h.Length], nil
}
