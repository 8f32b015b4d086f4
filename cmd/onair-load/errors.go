package main

import "errors"

// What the stream checker finds wrong with a listener's stream.
var (
	// ErrBadBlock: an ICY block with a non-zero length does not start with
	// StreamTitle=' (a framing error: the listener is dropped).
	ErrBadBlock = errors.New("ICY block does not start with StreamTitle='")
	// ErrNoSync: the body does not start with an audio frame header
	// (counted; the listener carries on).
	ErrNoSync = errors.New("not an audio frame header")

	// With frames followed (Config.Reconnect):

	// ErrFrameSync: no frame header where the frame before ends (a framing
	// error: the listener is dropped).
	ErrFrameSync = errors.New("no MP3 frame header where one was due")
	// ErrFormatChange: a frame of another sample rate or channel count on
	// the same connection, which a player cannot follow (dropped).
	ErrFormatChange = errors.New("stream format changed mid-stream")
	// ErrEndInBlock and ErrEndInFrame: the stream ended where no clean end
	// can be (dropped, not reconnected).
	ErrEndInBlock = errors.New("stream ended inside an ICY block")
	ErrEndInFrame = errors.New("stream ended inside an MP3 frame")
)

// Connect failures that are not socket errors.
var (
	errNoMetaint    = errors.New("no icy-metaint in the response")
	errBadMetaint   = errors.New("bad icy-metaint in the response")
	errBadResponse  = errors.New("malformed response")
	errHeadersLarge = errors.New("response headers too large")
)

// errStalled: a listener that wanted data got none for Config.StallTimeout.
var errStalled = errors.New("no data for the stall timeout")
