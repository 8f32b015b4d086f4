package adts

import "errors"

// Errors returned by ParseHeader and Header.AppendBinary. They are returned
// as is, never wrapped, so that a search through garbage for a frame
// header does not allocate.
var (
	// ErrShortHeader means fewer bytes than a header were given.
	ErrShortHeader = errors.New("adts: short header")
	// ErrNoSync means the 12 sync bits are not all set.
	ErrNoSync = errors.New("adts: no frame sync")
	// ErrReservedLayer means layer bits other than 00.
	ErrReservedLayer = errors.New("adts: layer not 00")
	// ErrBadSampleRate means a reserved sampling-frequency index (13, 14),
	// or 15, which ADTS does not allow.
	ErrBadSampleRate = errors.New("adts: invalid sample rate")
	// ErrBadFrameLength means a frame length shorter than its own header,
	// or too long for the field when encoding.
	ErrBadFrameLength = errors.New("adts: frame length shorter than header")
	// ErrBadField means a header field is out of its range when encoding.
	ErrBadField = errors.New("adts: header field out of range")
)
