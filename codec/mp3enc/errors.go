package mp3enc

import "errors"

// Errors New and the encoders return, wrapped with the details and, where
// there is one, the fix.
var (
	ErrNoLAME      = errors.New("encoder: LAME is not available")
	ErrKind        = errors.New("encoder: unknown kind")
	ErrBitrate     = errors.New("encoder: bitrate not supported")
	ErrSampleRate  = errors.New("encoder: sample rate not supported")
	ErrChannels    = errors.New("encoder: channel count not supported")
	ErrQuality     = errors.New("encoder: quality out of range")
	ErrPCMLength   = errors.New("encoder: pcm is not a whole number of frames")
	ErrClosed      = errors.New("encoder: closed")
	ErrLAMEFailure = errors.New("encoder: lame failed")
)
