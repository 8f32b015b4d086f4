package layer3

import "errors"

// Errors Decode wraps with the reason.
var (
	// ErrInvalidFrame: the frame's header or side information breaks the
	// rules of ISO 11172-3 / 13818-3 (a reserved value, a forbidden block
	// type or Huffman table, a frame too short for its side information).
	// Decode writes nothing and the stream can go on with the next frame.
	ErrInvalidFrame = errors.New("invalid MPEG audio Layer III frame")
	// ErrNoMainData: the frame's main data starts in bytes the Decoder
	// never saw (the first frames after Reset, a seek or a gap). The frame
	// is decoded as silence, its samples counted, so that the caller can
	// keep time and mute it; the reservoir keeps filling.
	ErrNoMainData = errors.New("main data begins before the bit reservoir")
)
