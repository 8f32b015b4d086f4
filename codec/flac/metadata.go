package flac

import (
	"encoding/binary"
	"fmt"
	"io"

	"onair/codec/vorbis"
)

// BlockType is a metadata block's type (RFC 9639 §8.1).
type BlockType uint8

// Metadata block types this package names.
const (
	StreamInfoBlock    BlockType = 0
	PaddingBlock       BlockType = 1
	ApplicationBlock   BlockType = 2
	SeekTableBlock     BlockType = 3
	VorbisCommentBlock BlockType = 4
	CueSheetBlock      BlockType = 5
	PictureBlock       BlockType = 6
	invalidBlock       BlockType = 127 // forbidden, to keep apart from a frame's sync code
)

// Bounds on what a stream may state (RFC 9639 §8.2).
const (
	// MaxBlockSize is the most samples per channel a frame may hold.
	MaxBlockSize = 65535
	// MaxChannels is the most channels a stream may have.
	MaxChannels = 8
	// streamInfoSize is STREAMINFO's length without its block header.
	streamInfoSize = 34
	// maxMetadata bounds a metadata block kept in memory when reading
	// a native stream: a comment list with a picture fits; larger blocks
	// other than VORBIS_COMMENT are skipped unread.
	maxMetadata = 16 << 20
)

// StreamInfo is the STREAMINFO block (RFC 9639 §8.2).
type StreamInfo struct {
	MinBlockSize  int    // samples per channel in the smallest block but the last
	MaxBlockSize  int    // samples per channel in the largest block
	MinFrameSize  int    // bytes; 0: unknown
	MaxFrameSize  int    // bytes; 0: unknown
	SampleRate    int    // Hz
	Channels      int    // 1…8
	BitsPerSample int    // 4…32
	TotalSamples  uint64 // samples per channel; 0: unknown
	MD5           [16]byte
}

// ParseStreamInfo parses the 34 bytes of a STREAMINFO block after its
// block header.
func ParseStreamInfo(b []byte) (StreamInfo, error) {
	if len(b) < streamInfoSize {
		return StreamInfo{}, fmt.Errorf("%w: STREAMINFO of %d bytes, want %d", ErrMetadata, len(b), streamInfoSize)
	}
	x := binary.BigEndian.Uint64(b[10:18])
	si := StreamInfo{
		MinBlockSize:  int(binary.BigEndian.Uint16(b[0:2])),
		MaxBlockSize:  int(binary.BigEndian.Uint16(b[2:4])),
		MinFrameSize:  int(b[4])<<16 | int(b[5])<<8 | int(b[6]),
		MaxFrameSize:  int(b[7])<<16 | int(b[8])<<8 | int(b[9]),
		SampleRate:    int(x >> 44),
		Channels:      int(x>>41&7) + 1,
		BitsPerSample: int(x>>36&31) + 1,
		TotalSamples:  x & (1<<36 - 1),
	}
	copy(si.MD5[:], b[18:34])
	// Block sizes out of bounds are forgiven: frames state their own,
	// and the Decoder grows its buffers for a larger one.
	switch {
	case si.SampleRate == 0:
		return si, fmt.Errorf("%w: sample rate 0", ErrMetadata)
	case si.BitsPerSample < 4:
		return si, fmt.Errorf("%w: %d bits per sample", ErrMetadata, si.BitsPerSample)
	}
	return si, nil
}

// BlockHeader is the 4-byte header of a metadata block (RFC 9639 §8.1).
type BlockHeader struct {
	Last   bool // the last metadata block before the frames
	Type   BlockType
	Length int // bytes after the header
}

// ParseBlockHeader parses the 4 bytes b starts with.
func ParseBlockHeader(b []byte) (BlockHeader, error) {
	if len(b) < 4 {
		return BlockHeader{}, fmt.Errorf("%w: metadata block header", ErrShort)
	}
	h := BlockHeader{
		Last:   b[0]&0x80 != 0,
		Type:   BlockType(b[0] & 0x7f),
		Length: int(b[1])<<16 | int(b[2])<<8 | int(b[3]),
	}
	if h.Type == invalidBlock {
		return h, fmt.Errorf("%w: metadata block type 127", ErrMetadata)
	}
	return h, nil
}

// Metadata is what a stream's metadata blocks tell the player.
type Metadata struct {
	Info StreamInfo
	// Title is "Artist - Title", or the title alone, from the
	// VORBIS_COMMENT block; "" when there is none.
	Title string
}

// apply takes one metadata block's body into m.
func (m *Metadata) apply(h BlockHeader, body []byte) error {
	switch h.Type {
	case StreamInfoBlock:
		si, err := ParseStreamInfo(body)
		if err != nil {
			return err
		}
		m.Info = si
	case VorbisCommentBlock:
		// A damaged comment block only loses the title.
		if t := vorbis.CommentListTitle(body); t != "" && m.Title == "" {
			m.Title = t
		}
	}
	return nil
}

// ReadMetadata reads the "fLaC" marker and every metadata block of a
// native FLAC stream, leaving r at the first frame. STREAMINFO must come
// first (RFC 9639 §8); PICTURE, padding and the others are skipped.
func ReadMetadata(r io.Reader) (Metadata, error) {
	var m Metadata
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return m, fmt.Errorf("%w: reading the marker: %w", ErrMetadata, err)
	}
	if string(hdr[:]) != "fLaC" {
		return m, fmt.Errorf("%w: no fLaC marker", ErrMetadata)
	}
	var body []byte
	for i := 0; ; i++ {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return m, fmt.Errorf("%w: metadata block %d: %w", ErrMetadata, i, err)
		}
		h, err := ParseBlockHeader(hdr[:])
		if err != nil {
			return m, err
		}
		if (i == 0) != (h.Type == StreamInfoBlock) {
			return m, fmt.Errorf("%w: block %d is of type %d; STREAMINFO comes first, once", ErrMetadata, i, h.Type)
		}
		keep := h.Type == StreamInfoBlock || h.Type == VorbisCommentBlock
		if !keep || h.Length > maxMetadata {
			if _, err := io.CopyN(io.Discard, r, int64(h.Length)); err != nil {
				return m, fmt.Errorf("%w: skipping block %d: %w", ErrMetadata, i, err)
			}
		} else {
			if cap(body) < h.Length {
				body = make([]byte, h.Length)
			}
			body = body[:h.Length]
			if _, err := io.ReadFull(r, body); err != nil {
				return m, fmt.Errorf("%w: block %d: %w", ErrMetadata, i, err)
			}
			if err := m.apply(h, body); err != nil {
				return m, err
			}
		}
		if h.Last {
			return m, nil
		}
	}
}
