package vorbis

import (
	"encoding/binary"
	"fmt"
)

// Ident is what a stream's identification header says (Vorbis I §4.2.2).
type Ident struct {
	Channels   int
	Rate       int    // Hz
	BlockSizes [2]int // short and long, in samples
}

// ParseIdent reads the identification header p and checks it as the
// specification requires: version 0, channels and rate above 0, block
// sizes powers of two from 64 to 8192, the short one not larger, the
// framing bit set. Its errors wrap ErrHeader.
func ParseIdent(p []byte) (Ident, error) {
	if len(p) < 30 || string(p[:7]) != "\x01vorbis" {
		return Ident{}, fmt.Errorf("%w: no identification header", ErrHeader)
	}
	le := binary.LittleEndian
	id := Ident{
		Channels:   int(p[11]),
		Rate:       int(le.Uint32(p[12:])),
		BlockSizes: [2]int{1 << (p[28] & 15), 1 << (p[28] >> 4)},
	}
	switch {
	case le.Uint32(p[7:]) != 0:
		return Ident{}, fmt.Errorf("%w: version %d", ErrHeader, le.Uint32(p[7:]))
	case id.Channels == 0 || id.Rate == 0:
		return Ident{}, fmt.Errorf("%w: %d channels at %d Hz", ErrHeader, id.Channels, id.Rate)
	case id.BlockSizes[0] < 64 || id.BlockSizes[1] > 8192 || id.BlockSizes[0] > id.BlockSizes[1]:
		return Ident{}, fmt.Errorf("%w: block sizes %d and %d", ErrHeader, id.BlockSizes[0], id.BlockSizes[1])
	case p[29]&1 == 0:
		return Ident{}, fmt.Errorf("%w: identification header without framing bit", ErrHeader)
	}
	return id, nil
}
