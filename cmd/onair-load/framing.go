package main

import (
	"fmt"
	"strings"

	"onair/codec/adts"
	"onair/codec/mpeg"
)

// titlePrefix starts every ICY block that is not empty.
const titlePrefix = "StreamTitle='"

// Codec says which frame header the body must start with.
type Codec int

// Codecs the checker knows, picked from the response's Content-Type.
const (
	CodecMP3  Codec = iota // audio/mpeg: an MPEG audio frame header
	CodecADTS              // audio/aac, audio/aacp: an ADTS header
	CodecNone              // anything else: the start is not checked
)

// codecFor picks the codec from a Content-Type value.
func codecFor(contentType string) Codec {
	ct := strings.ToLower(strings.TrimSpace(contentType))
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = strings.TrimSpace(ct[:i])
	}
	switch ct {
	case "audio/mpeg", "audio/mp3", "audio/mpeg3":
		return CodecMP3
	case "audio/aac", "audio/aacp", "audio/x-aac":
		return CodecADTS
	}
	return CodecNone
}

const (
	inAudio  = iota // counting audio bytes down to the next block
	inLength        // the next byte is a block's length byte L
	inBlock         // inside a block of L×16 bytes
)

// streamChecker follows one listener's body byte by byte, however it is
// split across reads: metaint audio bytes, then one length byte L and L×16
// bytes that start with StreamTitle=' (or L = 0), and again. A break in that
// framing is an error: every byte after it would be misread. Whether the
// first audio bytes are a frame header of the stream's codec is recorded
// (unsynced), not an error: players resync, and Icecast does not align its
// burst to frames.
//
// With follow set (Config.Reconnect) it also follows the MP3 frames
// through the audio bytes, header by header, so that it can tell a stream
// that ended cleanly (at a frame boundary, outside an ICY block) from one
// cut short, and see a mid-stream change of sample rate or channels.
//
// It is a few words of state per listener and does not allocate.
type streamChecker struct {
	metaint  int   // 0: the stream carries no ICY blocks
	codec    Codec //
	state    uint8
	headN    uint8
	head     [mpeg.HeaderSize]byte // the first audio bytes
	left     int                   // bytes left in this audio run or block
	blockPos int                   // bytes of this block checked against titlePrefix
	err      error
	unsynced bool // the body does not start with a frame header

	pos    int64 // bytes of body seen
	audio  int64 // of which audio
	blocks int64 // ICY blocks, empty ones included
	titles int64 // ICY blocks with L > 0
	rate   int   // the first frame's bitrate in bytes per second; 0 = unknown

	follow bool // follow the MP3 frames (set before the first Feed)
	frame  frameFollower
}

// frameFollower walks an MP3 stream's frames by their headers' lengths.
type frameFollower struct {
	left   int // bytes of the current frame still to come after its header
	headN  uint8
	head   [mpeg.HeaderSize]byte
	headAt int64 // stream byte where the header being collected began
	n      int64 // frames seen
	// rate and channels are the first frame's: a player set up for them
	// cannot follow a change in mid-stream.
	rate, channels int
}

// newStreamChecker checks a body with the given icy-metaint (0 = none).
func newStreamChecker(metaint int, codec Codec) streamChecker {
	return streamChecker{metaint: metaint, codec: codec, left: metaint}
}

// Feed checks the next bytes of the body. After the first error it returns
// that error for every call.
func (c *streamChecker) Feed(p []byte) error {
	for len(p) > 0 && c.err == nil {
		switch c.state {
		case inAudio:
			n := len(p)
			if c.metaint > 0 && n > c.left {
				n = c.left
			}
			if c.headN < mpeg.HeaderSize {
				c.takeHead(p[:n])
			}
			if c.follow {
				c.followFrames(p[:n])
				if c.err != nil {
					return c.err
				}
			}
			c.audio += int64(n)
			c.pos += int64(n)
			p = p[n:]
			if c.metaint > 0 {
				c.left -= n
				if c.left == 0 {
					c.state = inLength
				}
			}
		case inLength:
			l := int(p[0])
			p = p[1:]
			c.pos++
			c.blocks++
			if l == 0 {
				c.state, c.left = inAudio, c.metaint
				continue
			}
			c.titles++
			c.state, c.left, c.blockPos = inBlock, l*16, 0
		case inBlock:
			n := min(len(p), c.left)
			for i := 0; c.blockPos < len(titlePrefix) && i < n; i++ {
				if p[i] != titlePrefix[c.blockPos] {
					c.err = fmt.Errorf("stream byte %d: %w", c.pos+int64(i), ErrBadBlock)
					return c.err
				}
				c.blockPos++
			}
			c.pos += int64(n)
			c.left -= n
			p = p[n:]
			if c.left == 0 {
				c.state, c.left = inAudio, c.metaint
			}
		}
	}
	return c.err
}

// takeHead collects the first audio bytes and checks the frame header once
// it has them all.
func (c *streamChecker) takeHead(p []byte) {
	n := copy(c.head[c.headN:], p)
	c.headN += uint8(n)
	if c.headN < mpeg.HeaderSize {
		return
	}
	switch c.codec {
	case CodecMP3:
		h, err := mpeg.ParseHeader(c.head[:])
		if err != nil {
			c.unsynced = true
			return
		}
		c.rate = h.Bitrate * 1000 / 8
	case CodecADTS:
		// ADTS headers are 7 bytes; the 12-bit sync and the layer bits,
		// always 0, are in the first two.
		c.unsynced = !adts.HasSync(c.head[:])
	}
}

// followFrames walks the frames through p, audio bytes that begin at
// stream byte c.pos. A body that does not start on a frame header is not
// followed (takeHead counts it as unsynced); after that, a header missing
// where the last frame's length puts one, or a frame of another sample
// rate or channel count, is an error.
func (c *streamChecker) followFrames(p []byte) {
	f := &c.frame
	pos := c.pos
	for len(p) > 0 {
		if f.left > 0 {
			k := min(len(p), f.left)
			f.left -= k
			p, pos = p[k:], pos+int64(k)
			continue
		}
		if f.headN == 0 {
			f.headAt = pos
		}
		k := copy(f.head[f.headN:], p)
		f.headN += uint8(k)
		p, pos = p[k:], pos+int64(k)
		if f.headN < mpeg.HeaderSize {
			return
		}
		f.headN = 0
		h, err := mpeg.ParseHeader(f.head[:])
		switch {
		case err != nil && f.n == 0:
			c.follow = false
			return
		case err != nil:
			c.err = fmt.Errorf("stream byte %d, frame %d: % x: %w", f.headAt, f.n+1, f.head, ErrFrameSync)
			return
		case f.n == 0:
			f.rate, f.channels = h.SampleRate, h.Channels()
		case h.SampleRate != f.rate || h.Channels() != f.channels:
			c.err = fmt.Errorf("stream byte %d, frame %d: %d Hz, %d channels after %d Hz, %d: %w",
				f.headAt, f.n+1, h.SampleRate, h.Channels(), f.rate, f.channels, ErrFormatChange)
			return
		}
		f.n++
		f.left = h.FrameSize() - mpeg.HeaderSize
	}
}

// EndErr says whether the body, ending here, ended cleanly: nil when it
// stops outside an ICY block and, when frames are followed, at a frame
// boundary; otherwise the error saying where it was cut.
func (c *streamChecker) EndErr() error {
	switch {
	case c.err != nil:
		return c.err
	case c.state == inBlock:
		return fmt.Errorf("stream byte %d: %w", c.pos, ErrEndInBlock)
	case c.follow && (c.frame.left > 0 || c.frame.headN > 0):
		return fmt.Errorf("stream byte %d, frame %d: %w", c.pos, c.frame.n, ErrEndInFrame)
	}
	return nil
}

// SyncErr describes a body that does not start with a frame header, or
// returns nil.
func (c *streamChecker) SyncErr() error {
	if !c.unsynced {
		return nil
	}
	return fmt.Errorf("body starts % x: %w", c.head, ErrNoSync)
}

// Err returns the first framing error, if any.
func (c *streamChecker) Err() error { return c.err }
