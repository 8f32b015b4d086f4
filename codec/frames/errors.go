package frames

import "errors"

// ErrUnknownCodec means a codec name or value this package does not know.
// Codec's text methods return it as is, never wrapped.
var ErrUnknownCodec = errors.New("frames: unknown codec")
