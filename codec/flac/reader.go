package flac

import (
	"errors"
	"fmt"
	"io"
)

// maxFrameLen bounds the bytes Reader holds for one frame: above any
// valid frame's worst case (65535 verbatim samples of 8 channels of 25
// bits is 1.6 MiB), so a longer one is damage and is skipped.
const maxFrameLen = 4 << 20

// Reader reads a native FLAC stream: its metadata, then frame after
// frame. A damaged frame is skipped to the next sync code.
type Reader struct {
	// Metadata is the stream's, read by NewReader.
	Metadata

	r     io.Reader
	dec   *Decoder
	buf   []byte
	start int  // the first byte of buf not yet used
	eof   bool // r is exhausted
	rerr  error
}

// NewReader reads the metadata of the native FLAC stream r.
func NewReader(r io.Reader) (*Reader, error) {
	m, err := ReadMetadata(r)
	if err != nil {
		return nil, err
	}
	return &Reader{
		Metadata: m,
		r:        r,
		dec:      NewDecoder(m.Info),
		buf:      make([]byte, 0, 64<<10),
	}, nil
}

// Decoder returns the Decoder the Reader decodes with, for Samples.
func (r *Reader) Decoder() *Decoder { return r.dec }

// Next decodes the next frame. It returns io.EOF at the end of the
// stream. A frame that does not decode returns an error wrapping the
// reason (see Decoder.Decode) and is skipped: the next call goes on from
// the next sync code. An error reading the underlying stream is returned
// as is, and again on every later call.
func (r *Reader) Next() (Frame, error) {
	for {
		b := r.buf[r.start:]
		if len(b) == 0 && r.eof {
			if r.rerr != nil {
				return Frame{}, r.rerr
			}
			return Frame{}, io.EOF
		}
		f, err := r.dec.Decode(b)
		if err == nil {
			r.start += f.Len
			return f, nil
		}
		if errors.Is(err, ErrShort) && !r.eof && len(b) < maxFrameLen {
			r.fill()
			continue
		}
		if errors.Is(err, ErrShort) && r.eof && r.rerr != nil {
			return Frame{}, r.rerr
		}
		r.skip()
		if errors.Is(err, ErrShort) && len(r.buf) == r.start && r.eof {
			// The stream ends inside a frame: a truncated file.
			return Frame{}, fmt.Errorf("last frame: %w", err)
		}
		return Frame{}, err
	}
}

// skip drops the byte at start, where a frame failed, and everything up
// to the next sync code.
func (r *Reader) skip() {
	r.start++
	for {
		b := r.buf[r.start:]
		for i := 0; i+1 < len(b); i++ {
			if b[i] == 0xff && b[i+1]&0xfe == 0xf8 {
				r.start += i
				return
			}
		}
		if r.eof {
			r.start = len(r.buf)
			return
		}
		// Keep a last byte, which may begin a sync code.
		r.start += max(0, len(b)-1)
		r.fill()
	}
}

// fill reads more of the stream into buf, keeping buf[start:].
func (r *Reader) fill() {
	n := copy(r.buf, r.buf[r.start:])
	r.buf, r.start = r.buf[:n], 0
	if len(r.buf) == cap(r.buf) {
		r.buf = append(r.buf, make([]byte, cap(r.buf))...)[:n]
	}
	m, err := r.r.Read(r.buf[n:cap(r.buf)])
	r.buf = r.buf[:n+m]
	if err != nil {
		r.eof = true
		if err != io.EOF {
			r.rerr = err
		}
	}
}
