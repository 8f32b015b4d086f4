package flac

import (
	"encoding/binary"
	"fmt"
)

// Frame is one decoded frame.
type Frame struct {
	Header
	// PCM holds BlockSize samples of each of Channels channels,
	// interleaved, in [−1, 1) (a hostile frame that passes its CRC may
	// hold more). It is the Decoder's and valid until its next Decode.
	PCM []float32
	// Len is the frame's length in bytes, footer included.
	Len int
}

// Decoder decodes the frames of one stream. It keeps its buffers from one
// frame to the next, so a frame allocates nothing once the first one of
// the largest block size was decoded. The zero value is not ready; use
// NewDecoder.
type Decoder struct {
	info StreamInfo
	br   bitReader
	ch   [MaxChannels][]int32 // each channel's samples of the last frame
	pcm  []float32
	coef [maxLPCOrder]int64
	n    int // channels of the last frame
	size int // its block size
}

// NewDecoder returns a Decoder for the stream described by si, with its
// buffers sized for si's largest block.
func NewDecoder(si StreamInfo) *Decoder {
	d := &Decoder{info: si}
	d.grow(max(0, min(si.MaxBlockSize, MaxBlockSize)), max(1, min(si.Channels, MaxChannels)))
	return d
}

// Info returns the STREAMINFO the Decoder was made with.
func (d *Decoder) Info() StreamInfo { return d.info }

// grow makes room for blocks of n samples in c channels.
func (d *Decoder) grow(n, c int) {
	for i := range c {
		if cap(d.ch[i]) < n {
			d.ch[i] = make([]int32, n)
		}
	}
	if cap(d.pcm) < n*c {
		d.pcm = make([]float32, n*c)
	}
}

// Decode decodes the frame b starts with; b may go on past it. A frame
// that is malformed or fails a checksum returns an error wrapping
// ErrFrame, ErrCRC, ErrShort (b ends inside it) or ErrUnsupported, and
// the Decoder is ready for the next frame all the same.
func (d *Decoder) Decode(b []byte) (Frame, error) {
	d.n = 0
	h, err := ParseHeader(b, &d.info)
	if err != nil {
		return Frame{}, err
	}
	n, c := h.BlockSize, h.Channels
	d.grow(n, c)
	d.br.reset(b[h.Size:])
	for i := range c {
		bps := uint(h.BitsPerSample)
		if h.Assignment == LeftSide && i == 1 || h.Assignment == SideRight && i == 0 || h.Assignment == MidSide && i == 1 {
			bps++ // a side channel needs one bit more
		}
		if err := d.subframe(d.ch[i][:n], bps); err != nil {
			return Frame{}, fmt.Errorf("subframe %d: %w", i, err)
		}
	}
	d.br.align()
	end := h.Size + d.br.offset()
	if end+2 > len(b) {
		return Frame{}, fmt.Errorf("%w: frame footer", ErrShort)
	}
	if crc16(b[:end]) != binary.BigEndian.Uint16(b[end:]) {
		return Frame{}, fmt.Errorf("%w: footer CRC-16", ErrCRC)
	}
	d.n, d.size = c, n
	d.decorrelate(h.Assignment, n)
	pcm := d.pcm[:n*c]
	scale := 1 / float32(int32(1)<<(h.BitsPerSample-1))
	for i := range c {
		s := d.ch[i][:n]
		for j, v := range s {
			pcm[j*c+i] = float32(v) * scale
		}
	}
	return Frame{Header: h, PCM: pcm, Len: end + 2}, nil
}

// decorrelate restores left and right from a stereo decorrelation
// (RFC 9639 §4.2).
func (d *Decoder) decorrelate(a, n int) {
	if a < LeftSide {
		return
	}
	l, r := d.ch[0][:n], d.ch[1][:n]
	switch a {
	case LeftSide:
		for i := range l {
			r[i] = l[i] - r[i]
		}
	case SideRight:
		for i := range l {
			l[i] += r[i]
		}
	case MidSide:
		for i := range l {
			mid, side := l[i]<<1|r[i]&1, r[i]
			l[i], r[i] = (mid+side)>>1, (mid-side)>>1
		}
	}
}

// Samples returns channel ch's samples of the last frame decoded, as
// integers of its bits per sample. The slice is the Decoder's.
func (d *Decoder) Samples(ch int) []int32 {
	if ch < 0 || ch >= d.n {
		return nil
	}
	return d.ch[ch][:d.size]
}
