package live

import "errors"

// Errors Write and Check wrap with the reason.
var (
	// ErrUnsupported: the stream is audio the mixer does not take (AAC,
	// native FLAC, another Ogg codec, an odd sample rate), or Ogg Opus
	// without libopus installed.
	ErrUnsupported = errors.New("unsupported live input")
	// ErrUnknownFormat: nothing in the first bytes looks like MP3 or Ogg.
	ErrUnknownFormat = errors.New("not an MP3 or Ogg Vorbis stream")
	// ErrCorrupt: the stream started as MP3 or Ogg Vorbis but nothing in
	// a long stretch of it could be decoded, or its Vorbis headers are
	// broken.
	ErrCorrupt = errors.New("undecodable live input")
	// ErrClosed: the Decoder was closed, or its context ended.
	ErrClosed = errors.New("live decoder closed")
)
