package opus

import "errors"

// Errors the package wraps with the details.
var (
	// ErrNoLibrary: libopus could not be loaded; the message says to
	// install libopus0.
	ErrNoLibrary = errors.New("opus: libopus is not available")
	// ErrOptions: an encoder or decoder setting libopus does not take.
	ErrOptions = errors.New("opus: unsupported setting")
	// ErrFailed: libopus returned an error.
	ErrFailed = errors.New("opus: libopus failed")
	// ErrHeader: an OpusHead or OpusTags packet that breaks RFC 7845 §5,
	// or a channel mapping family other than 0.
	ErrHeader = errors.New("opus: bad header")
	// ErrFrame: PCM that is not one 20 ms frame.
	ErrFrame = errors.New("opus: pcm is not one frame")
	// ErrClosed: the Encoder or Decoder was closed.
	ErrClosed = errors.New("opus: closed")
)
