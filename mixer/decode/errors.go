package decode

import "errors"

// Errors Open and Read wrap with the file's path.
var (
	// ErrUnsupported: the file is not an MP3 (MPEG-1/2/2.5 Layer III) or Ogg
	// Vorbis stream this package can decode.
	ErrUnsupported = errors.New("unsupported audio format")
	// ErrCorrupt: the stream is damaged past what the decoder can skip.
	ErrCorrupt = errors.New("corrupt audio data")
)
