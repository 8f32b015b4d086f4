package opus

import (
	"encoding/binary"
	"fmt"

	"onair/codec/vorbis"
)

// headMagic and tagsMagic start the two header packets (RFC 7845 §5).
const (
	headMagic = "OpusHead"
	tagsMagic = "OpusTags"
)

// headSize is OpusHead's length with channel mapping family 0.
const headSize = 19

// Head is the identification header, OpusHead (RFC 7845 §5.1), with
// channel mapping family 0: mono or stereo, no mapping table.
type Head struct {
	// Channels is 1 or 2.
	Channels int
	// PreSkip is the samples per channel at 48 kHz a decoder drops
	// from the start.
	PreSkip int
	// InputRate is the rate the audio was made at, for information
	// only (0: unknown); Opus always decodes at 48 kHz.
	InputRate int
	// OutputGain is the gain to apply, in Q7.8 dB (Decoder.SetGain).
	OutputGain int16
}

// ParseHead reads an OpusHead packet. It refuses a version other than
// 0.x (major version 0, §5.1), and channel mapping families other than 0
// (surround and ambisonics) with an error saying so.
func ParseHead(p []byte) (Head, error) {
	if len(p) < headSize || string(p[:8]) != headMagic {
		return Head{}, fmt.Errorf("%w: not an OpusHead packet", ErrHeader)
	}
	if v := p[8]; v>>4 != 0 {
		return Head{}, fmt.Errorf("%w: OpusHead version %d", ErrHeader, v)
	}
	h := Head{
		Channels:   int(p[9]),
		PreSkip:    int(binary.LittleEndian.Uint16(p[10:])),
		InputRate:  int(binary.LittleEndian.Uint32(p[12:])),
		OutputGain: int16(binary.LittleEndian.Uint16(p[16:])),
	}
	switch family := p[18]; {
	case family != 0:
		return Head{}, fmt.Errorf("%w: channel mapping family %d (%d channels): only family 0, mono or stereo, is supported", ErrHeader, family, h.Channels)
	case h.Channels != 1 && h.Channels != 2:
		return Head{}, fmt.Errorf("%w: %d channels with channel mapping family 0", ErrHeader, h.Channels)
	}
	return h, nil
}

// Append appends h as an OpusHead packet, version 1, family 0.
func (h Head) Append(dst []byte) []byte {
	dst = append(dst, headMagic...)
	dst = append(dst, 1, byte(h.Channels))
	dst = binary.LittleEndian.AppendUint16(dst, uint16(h.PreSkip))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(h.InputRate))
	dst = binary.LittleEndian.AppendUint16(dst, uint16(h.OutputGain))
	return append(dst, 0)
}

// Tags is the comment header, OpusTags (RFC 7845 §5.2): the vendor
// string and "FIELD=value" comments, as Vorbis comments are.
type Tags struct {
	Vendor   string
	Comments []string
}

// ParseTags reads an OpusTags packet.
func ParseTags(p []byte) (Tags, error) {
	if len(p) < 8 || string(p[:8]) != tagsMagic {
		return Tags{}, fmt.Errorf("%w: not an OpusTags packet", ErrHeader)
	}
	p = p[8:]
	next := func() (string, bool) {
		if len(p) < 4 {
			return "", false
		}
		n := binary.LittleEndian.Uint32(p)
		if uint64(n) > uint64(len(p)-4) {
			return "", false
		}
		s := string(p[4 : 4+n])
		p = p[4+n:]
		return s, true
	}
	var t Tags
	var ok bool
	if t.Vendor, ok = next(); !ok || len(p) < 4 {
		return Tags{}, fmt.Errorf("%w: OpusTags cut short in its vendor string", ErrHeader)
	}
	count := binary.LittleEndian.Uint32(p)
	p = p[4:]
	for i := range count {
		c, ok := next()
		if !ok {
			return Tags{}, fmt.Errorf("%w: OpusTags cut short in comment %d of %d", ErrHeader, i+1, count)
		}
		t.Comments = append(t.Comments, c)
	}
	return t, nil
}

// Append appends t as an OpusTags packet.
func (t Tags) Append(dst []byte) []byte {
	dst = append(dst, tagsMagic...)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(t.Vendor)))
	dst = append(dst, t.Vendor...)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(t.Comments)))
	for _, c := range t.Comments {
		dst = binary.LittleEndian.AppendUint32(dst, uint32(len(c)))
		dst = append(dst, c...)
	}
	return dst
}

// TagsTitle reads the title from an OpusTags packet as the other codecs'
// comments are read (vorbis.CommentListTitle): "ARTIST - TITLE", or
// TITLE alone; "" when there is none or the packet is damaged before it.
// Unlike ParseTags it never copies a comment it does not need, such as a
// picture.
func TagsTitle(p []byte) string {
	if len(p) < 8 || string(p[:8]) != tagsMagic {
		return ""
	}
	return vorbis.CommentListTitle(p[8:])
}
