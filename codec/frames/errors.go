package frames

import "errors"

// Errors returned by the header parsers, the headers' AppendBinary methods
// and [Codec]'s text methods. They are returned as is, never wrapped, so that
// the splitter's search through garbage does not allocate.
var (
	// ErrShortHeader means fewer bytes than a header were given.
	ErrShortHeader = errors.New("frames: short header")
	// ErrNoSync means the frame sync bits are not all set.
	ErrNoSync = errors.New("frames: no frame sync")
	// ErrReservedVersion means the MPEG version bits hold the reserved value 01.
	ErrReservedVersion = errors.New("frames: reserved mpeg version")
	// ErrReservedLayer means the layer bits hold the reserved value: 00 in an
	// MPEG audio header, anything but 00 in an ADTS header.
	ErrReservedLayer = errors.New("frames: reserved layer")
	// ErrFreeFormat means bitrate index 0: a free-format stream, whose frame
	// length cannot be known from the header, which no streaming player expects.
	ErrFreeFormat = errors.New("frames: free-format bitrate not supported")
	// ErrBadBitrate means bitrate index 15, or a bitrate that has no index.
	ErrBadBitrate = errors.New("frames: invalid bitrate")
	// ErrBadSampleRate means a reserved sample-rate index, or a sample rate
	// that has no index.
	ErrBadSampleRate = errors.New("frames: invalid sample rate")
	// ErrBadEmphasis means the reserved emphasis value 2.
	ErrBadEmphasis = errors.New("frames: reserved emphasis")
	// ErrBadField means a header field is out of its range when encoding.
	ErrBadField = errors.New("frames: header field out of range")
	// ErrBadFrameLength means an ADTS frame length shorter than its own header.
	ErrBadFrameLength = errors.New("frames: frame length shorter than header")
	// ErrUnknownCodec means a codec name or value this package does not know.
	ErrUnknownCodec = errors.New("frames: unknown codec")
)
