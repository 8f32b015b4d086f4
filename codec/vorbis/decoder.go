package vorbis

import (
	"fmt"

	"github.com/jfreymuth/vorbis"
)

// Decoder decodes the packets of one Vorbis stream with the library: the
// three headers (Vorbis I §4.2), then audio. The zero value is ready.
type Decoder struct {
	dec     vorbis.Decoder
	headers int // header packets read: 0 to 3
	ident   Ident
	buf     []float32 // one packet's samples, interleaved
}

// Header names a header packet.
type Header int

// The headers, in the order a stream sends them.
const (
	IdentHeader Header = iota + 1
	CommentHeader
	SetupHeader
)

// ReadHeader takes the stream's next header packet and says which one it
// was. A stream that leaves the comment header out, or lost it (a picture
// in it made it too large to keep), goes on with the setup header, which
// CheckSetup checks and mends before the library reads it. Errors wrap
// ErrHeader; after one the stream cannot be decoded.
func (d *Decoder) ReadHeader(p []byte) (Header, error) {
	switch d.headers {
	case 0:
		id, err := ParseIdent(p)
		if err != nil {
			return 0, err
		}
		if err := d.readHeader(p); err != nil {
			return 0, fmt.Errorf("%w: identification header: %w", ErrHeader, err)
		}
		d.ident, d.headers = id, 1
		return IdentHeader, nil
	case 1:
		d.headers = 2
		if len(p) > 0 && p[0] == 3 {
			return CommentHeader, nil
		}
		fallthrough
	case 2:
		fixed, err := CheckSetup(p, d.ident.Channels)
		if err != nil {
			return 0, fmt.Errorf("%w: setup header: %w", ErrHeader, err)
		}
		if err := d.readHeader(fixed); err != nil {
			return 0, fmt.Errorf("%w: setup header: %w", ErrHeader, err)
		}
		d.headers = 3
		d.buf = make([]float32, d.dec.BufferSize())
		return SetupHeader, nil
	}
	return 0, fmt.Errorf("%w: a fourth header", ErrHeader)
}

// Ready reports whether the headers are read and audio may follow.
func (d *Decoder) Ready() bool { return d.headers == 3 }

// Ident returns what the identification header said.
func (d *Decoder) Ident() Ident { return d.ident }

// MaxFrames returns the most frames (samples per channel) one audio packet
// gives: half a long block.
func (d *Decoder) MaxFrames() int { return d.ident.BlockSizes[1] / 2 }

// Decode decodes the audio packet p and returns its samples, interleaved
// in the stream's channels, valid until the next call. An empty packet
// gives none (Vorbis I §4.3.1). A packet that does not decode gives an
// error (ErrBadPacket, or the library's), after which the next one starts
// afresh, not overlapped with the last. Decode allocates nothing beyond
// what the library does for every packet.
func (d *Decoder) Decode(p []byte) (pcm []float32, err error) {
	switch {
	case !d.Ready():
		return nil, fmt.Errorf("%w: audio before the headers", ErrHeader)
	case len(p) == 0:
		return nil, nil
	case p[0]&1 != 0:
		d.dec.Clear()
		return nil, ErrBadPacket // a header packet among the audio
	}
	defer func() {
		if r := recover(); r != nil {
			pcm, err = nil, ErrBadPacket
		}
		if err != nil {
			d.dec.Clear()
		}
	}()
	return d.dec.DecodeInto(p, d.buf)
}

// Clear makes the next packet start afresh, as after packets were lost:
// it is not overlapped with the last one decoded.
func (d *Decoder) Clear() {
	if d.Ready() {
		d.dec.Clear()
	}
}

// readHeader is the library's ReadHeader with a panic made an error.
func (d *Decoder) readHeader(p []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = ErrBadPacket
		}
	}()
	return d.dec.ReadHeader(p)
}
