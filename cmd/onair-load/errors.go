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
