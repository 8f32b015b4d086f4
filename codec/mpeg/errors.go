package mpeg

import "errors"

// Errors returned by ParseHeader and Header.AppendBinary. They are returned
// as is, never wrapped, so that a search through garbage for a frame
// header does not allocate.
var (
	// ErrShortHeader means fewer bytes than a header were given.
	ErrShortHeader = errors.New("mpeg: short header")
	// ErrNoSync means the frame sync bits are not all set.
	ErrNoSync = errors.New("mpeg: no frame sync")
	// ErrReservedVersion means the version bits hold the reserved value 01.
	ErrReservedVersion = errors.New("mpeg: reserved version")
	// ErrReservedLayer means the layer bits hold the reserved value 00.
	ErrReservedLayer = errors.New("mpeg: reserved layer")
	// ErrFreeFormat means bitrate index 0: a free-format stream, whose frame
	// length cannot be known from the header, which no streaming player expects.
	ErrFreeFormat = errors.New("mpeg: free-format bitrate not supported")
	// ErrBadBitrate means bitrate index 15, or a bitrate that has no index.
	ErrBadBitrate = errors.New("mpeg: invalid bitrate")
	// ErrBadSampleRate means the reserved sample-rate index, or a sample
	// rate that has no index.
	ErrBadSampleRate = errors.New("mpeg: invalid sample rate")
	// ErrBadEmphasis means the reserved emphasis value 2.
	ErrBadEmphasis = errors.New("mpeg: reserved emphasis")
	// ErrBadField means a header field is out of its range when encoding.
	ErrBadField = errors.New("mpeg: header field out of range")
)
