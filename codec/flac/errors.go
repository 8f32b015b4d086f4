package flac

import "errors"

// Errors the package wraps with the reason.
var (
	// ErrMetadata means a metadata block, the "fLaC" marker or an Ogg
	// FLAC header packet that breaks RFC 9639.
	ErrMetadata = errors.New("flac: bad metadata")
	// ErrFrame means a frame that breaks RFC 9639: a bad sync code, a
	// reserved value, a size out of bounds.
	ErrFrame = errors.New("flac: bad frame")
	// ErrCRC means a frame whose header CRC-8 or footer CRC-16 does not
	// match its bytes.
	ErrCRC = errors.New("flac: frame checksum mismatch")
	// ErrShort means the bytes end before the frame or block does.
	ErrShort = errors.New("flac: cut short")
	// ErrUnsupported means a valid stream this package does not decode
	// (32 bits per sample).
	ErrUnsupported = errors.New("flac: unsupported")
)
