package ogg

import (
	"bytes"
	"encoding/binary"
	"errors"
)

// Page layout (RFC 3533 §6): the capture pattern "OggS", the version (0),
// the header type flags, the 64-bit granule position, the stream serial
// number, the page sequence number, the CRC, the segment count and the
// segment table (lacing values), then the segments.
const (
	// HeaderSize is the length of a page header without its segment table.
	HeaderSize = 27
	// MaxPageSize is the longest page: 255 segments of 255 bytes.
	MaxPageSize = HeaderSize + 255 + 255*255
)

// Header type flags.
const (
	Continued = 1 // the page's first packet goes on from the page before
	BOS       = 2 // the first page of a logical stream
	EOS       = 4 // the last page of a logical stream
)

// Errors the page parsers return, never wrapped.
var (
	// ErrNoPage means the bytes do not start with a page header: the
	// capture pattern and version 0.
	ErrNoPage = errors.New("ogg: no page")
	// ErrShortPage means fewer bytes than the page's header says it has.
	ErrShortPage = errors.New("ogg: page cut short")
	// ErrBadCRC means the page's checksum does not match its bytes.
	ErrBadCRC = errors.New("ogg: page checksum mismatch")
)

var capture = []byte("OggS")

// Page is a parsed page. Segments and Body alias the bytes it was parsed
// from.
type Page struct {
	Flags    byte   // Continued, BOS, EOS
	Granule  int64  // the codec's position at the end of the page's last packet; -1: none ends
	Serial   uint32 // the logical stream's serial number
	Sequence uint32 // the page's number in its logical stream
	Segments []byte // the lacing values
	Body     []byte // the segments
}

// PageSize returns the length of the page b starts with, header and body.
// While b is too short to tell, it returns a length b must reach for it to
// tell more, above len(b). It returns ErrNoPage when b does not start
// with a page header, which it can tell once b holds HeaderSize bytes.
func PageSize(b []byte) (int, error) {
	if len(b) < HeaderSize {
		return HeaderSize, nil
	}
	if !HasCapture(b) || b[4] != 0 {
		return 0, ErrNoPage
	}
	nseg := int(b[26])
	n := HeaderSize + nseg
	if len(b) < n {
		return n, nil
	}
	for _, l := range b[HeaderSize:n] {
		n += int(l)
	}
	return n, nil
}

// ParseHeader parses the page header that b starts with, without the
// checksum: Segments and Body are as much of the segment table and body
// as b holds. It is for judging a page before all of it is in; ParsePage
// checks a whole one.
func ParseHeader(b []byte) (Page, error) {
	n, err := PageSize(b)
	switch {
	case err != nil:
		return Page{}, err
	case len(b) < HeaderSize:
		return Page{}, ErrShortPage
	}
	segs := min(HeaderSize+int(b[26]), len(b))
	return Page{
		Flags:    b[5],
		Granule:  int64(binary.LittleEndian.Uint64(b[6:])),
		Serial:   binary.LittleEndian.Uint32(b[14:]),
		Sequence: binary.LittleEndian.Uint32(b[18:]),
		Segments: b[HeaderSize:segs],
		Body:     b[segs:max(segs, min(n, len(b)))],
	}, nil
}

// ParsePage parses the whole page b starts with and checks its CRC.
func ParsePage(b []byte) (Page, error) {
	n, err := PageSize(b)
	switch {
	case err != nil:
		return Page{}, err
	case len(b) < n:
		return Page{}, ErrShortPage
	}
	p, _ := ParseHeader(b[:n])
	if CRC(b[:n]) != binary.LittleEndian.Uint32(b[22:]) {
		return Page{}, ErrBadCRC
	}
	return p, nil
}

// Size returns the page's length, header and body.
func (p *Page) Size() int { return HeaderSize + len(p.Segments) + len(p.Body) }

// FirstPacket returns the first packet that starts on the page (or its
// start, if it goes on to the next page, or as much of it as Body holds).
// A BOS page holds the whole first packet of its stream, which names the
// codec (see Identify).
func (p *Page) FirstPacket() []byte {
	n := 0
	for _, l := range p.Segments {
		n += int(l)
		if l < 255 {
			break
		}
	}
	return p.Body[:min(n, len(p.Body))]
}

// AppendPage appends the page p, with its CRC, to dst.
func AppendPage(dst []byte, p *Page) []byte {
	start := len(dst)
	dst = append(dst, capture...)
	dst = append(dst, 0, p.Flags)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(p.Granule))
	dst = binary.LittleEndian.AppendUint32(dst, p.Serial)
	dst = binary.LittleEndian.AppendUint32(dst, p.Sequence)
	dst = append(dst, 0, 0, 0, 0, byte(len(p.Segments)))
	dst = append(dst, p.Segments...)
	dst = append(dst, p.Body...)
	binary.LittleEndian.PutUint32(dst[start+22:], CRC(dst[start:]))
	return dst
}

// HasCapture reports whether b starts with the capture pattern "OggS": an
// Ogg file or stream does, from its first byte.
func HasCapture(b []byte) bool { return bytes.HasPrefix(b, capture) }

// SkipToCapture returns how many bytes of b (not empty) to skip to reach
// the next capture pattern after its first byte; when there is none, all
// but the last 3 bytes, which may begin one, and at least 1.
func SkipToCapture(b []byte) int {
	if i := bytes.Index(b[1:], capture); i >= 0 {
		return 1 + i
	}
	return max(len(b)-3, 1)
}
