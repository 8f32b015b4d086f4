package vorbis

import "errors"

// Errors the package wraps with the reason.
var (
	// ErrHeader means a header packet that breaks Vorbis I §4.2, or one
	// the library cannot take safely (see CheckSetup).
	ErrHeader = errors.New("vorbis: bad header")
	// ErrBadPacket means an audio packet the library could not decode
	// (it panicked on it), or a header packet among the audio.
	ErrBadPacket = errors.New("vorbis: damaged packet")
)
