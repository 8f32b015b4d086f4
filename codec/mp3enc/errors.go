package mp3enc

import "errors"

// Errors New and the encoders return, wrapped with the details and, where
// there is one, the fix.
var (
	ErrNoLAME      = errors.New("mp3enc: LAME is not available")
	ErrKind        = errors.New("mp3enc: unknown kind")
	ErrBitrate     = errors.New("mp3enc: bitrate not supported")
	ErrSampleRate  = errors.New("mp3enc: sample rate not supported")
	ErrChannels    = errors.New("mp3enc: channel count not supported")
	ErrQuality     = errors.New("mp3enc: quality out of range")
	ErrPCMLength   = errors.New("mp3enc: pcm is not a whole number of frames")
	ErrClosed      = errors.New("mp3enc: closed")
	ErrLAMEFailure = errors.New("mp3enc: lame failed")
)
