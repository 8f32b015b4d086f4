package resample

import "errors"

// ErrUnknownQuality is returned by [Quality.UnmarshalText] for a name other
// than "best" or "fast", and by [Quality.MarshalText] for a value other than
// Best or Fast.
var ErrUnknownQuality = errors.New("resample: unknown quality")
