package layer3

import (
	"fmt"

	"onair/codec/mpeg"
)

// header is what Decode needs from the frame header (package mpeg parses
// it): the sampling frequency picks the band tables, the mode and mode
// extension the stereo processing.
type header struct {
	lsf      bool // MPEG-2 or 2.5: one granule, 8-bit main_data_begin, LSF scale factors
	crc      bool // a 16-bit CRC follows the header
	rate     int  // index into the band tables: 0-2 MPEG-1, 3-5 MPEG-2, 6-8 MPEG-2.5
	mode     int  // modeStereo, modeJoint, modeDual or modeMono
	ms       bool // joint stereo with middle/side coding
	is       bool // joint stereo with intensity coding
	channels int  // 1 or 2
	side     int  // the side information's size in bytes
}

// Channel modes as coded in the header's two mode bits (the values of
// mpeg.ChannelMode).
const (
	modeStereo = 0
	modeJoint  = 1
	modeDual   = 2
	modeMono   = 3
)

// parseHeader reads the header at the start of b. The bitrate is not
// needed (the caller hands over whole frames), so free format is fine.
func parseHeader(b []byte) (header, error) {
	m, err := mpeg.ParseHeader(b)
	if err != nil && err != mpeg.ErrFreeFormat {
		return header{}, fmt.Errorf("%w: %w", ErrInvalidFrame, err)
	}
	if m.Layer != 3 {
		return header{}, fmt.Errorf("%w: layer %d, not III", ErrInvalidFrame, m.Layer)
	}
	h := header{
		lsf:      m.Version != mpeg.MPEG1,
		crc:      m.Protected,
		rate:     bandRow(m.SampleRate),
		mode:     int(m.Mode),
		channels: m.Channels(),
		side:     m.SideInfoSize(),
	}
	if m.Mode == mpeg.JointStereo {
		h.ms = m.ModeExtension&2 != 0
		h.is = m.ModeExtension&1 != 0
	}
	return h, nil
}

// bandRow is the row of the band tables for a sampling frequency.
func bandRow(rate int) int {
	switch rate {
	case 48000:
		return 1
	case 32000:
		return 2
	case 22050:
		return 3
	case 24000:
		return 4
	case 16000:
		return 5
	case 11025:
		return 6
	case 12000:
		return 7
	case 8000:
		return 8
	}
	return 0 // 44100
}

// granules is 2 for MPEG-1 and 1 for the LSF extensions.
func (h *header) granules() int {
	if h.lsf {
		return 1
	}
	return 2
}

// sideInfoLen is the side information's size in bytes (§2.4.1.7).
func (h *header) sideInfoLen() int { return h.side }
