package frames

import (
	"bytes"
	"strconv"

	"onair/codec/adts"
	"onair/codec/mpeg"
	"onair/codec/tags"
)

// Codec is a frame format the package can split.
type Codec int

// Codecs. The zero value is no codec, so a forgotten setting is caught.
const (
	MP3  Codec = iota + 1 // MPEG-1, 2 and 2.5 audio, layers I–III
	ADTS                  // AAC in ADTS framing
)

// String returns "mp3" or "adts", the names UnmarshalText accepts.
func (c Codec) String() string {
	switch c {
	case MP3:
		return "mp3"
	case ADTS:
		return "adts"
	}
	return "Codec(" + strconv.Itoa(int(c)) + ")"
}

// MarshalText returns the codec's name.
func (c Codec) MarshalText() ([]byte, error) {
	if c != MP3 && c != ADTS {
		return nil, ErrUnknownCodec
	}
	return []byte(c.String()), nil
}

// UnmarshalText accepts "mp3", "adts" and "aac" (which always travels in
// ADTS framing over ICY), in any case.
func (c *Codec) UnmarshalText(text []byte) error {
	switch {
	case bytes.EqualFold(text, []byte("mp3")):
		*c = MP3
	case bytes.EqualFold(text, []byte("adts")), bytes.EqualFold(text, []byte("aac")):
		*c = ADTS
	default:
		return ErrUnknownCodec
	}
	return nil
}

// MaxFrame returns the longest frame a valid header of the codec can
// describe, or 0 for an unknown codec.
func (c Codec) MaxFrame() int {
	switch c {
	case MP3:
		return mpeg.MaxFrame
	case ADTS:
		return adts.MaxFrame
	}
	return 0
}

// Sync returns the index of the first position in b where a frame of the
// codec starts whose successor's header, also inside b, is valid and
// consistent with it (see [Splitter] for what consistent means), or -1. A
// single header is not enough: any byte string holds plausible headers, two
// in a row a frame length apart are rare in garbage. A broadcaster uses it to
// start a listener's burst on a frame boundary.
func (c Codec) Sync(b []byte) int {
	maxFrame := c.MaxFrame()
	for i := 0; i < len(b); i++ {
		// Every header starts with 0xFF; jump to the next one.
		j := bytes.IndexByte(b[i:], 0xFF)
		if j < 0 {
			break
		}
		i += j
		f, v := probe(c, maxFrame, b[i:])
		if v != yes || len(b)-i < f.size {
			continue
		}
		g, v := probe(c, maxFrame, b[i+f.size:])
		if v == yes && g.key == f.key {
			return i
		}
	}
	return -1
}

// verdict is the answer to "does a frame (or tag) start here?": the same
// three as tags.At gives.
type verdict = tags.Verdict

const (
	no   = tags.No
	yes  = tags.Yes  // it does
	more = tags.More // the bytes so far could start one: ask again with more
)

// frameInfo is what the splitter needs to know about a frame from its header.
type frameInfo struct {
	size       int
	samples    int
	sampleRate int
	channels   int
	// key packs the fields that stay the same from frame to frame of one
	// encoder's stream; a successor with another key is not trusted.
	key uint64
}

// probe looks for a frame header of codec c, describing a frame of at most
// maxFrame bytes, at the start of b.
func probe(c Codec, maxFrame int, b []byte) (frameInfo, verdict) {
	switch c {
	case MP3:
		if len(b) < mpeg.HeaderSize {
			return frameInfo{}, partialSync(b, 0xE0, 0xE0)
		}
		h, err := mpeg.ParseHeader(b)
		if err != nil {
			return frameInfo{}, no
		}
		f := frameInfo{
			size:       h.FrameSize(),
			samples:    h.Samples(),
			sampleRate: h.SampleRate,
			channels:   h.Channels(),
			// Version, layer and sample rate: an encoder never changes
			// them mid-stream, while bitrate (VBR), padding and the
			// stereo mode change from frame to frame.
			key: uint64(h.Version)<<40 | uint64(h.Layer)<<32 | uint64(h.SampleRate),
		}
		if f.size > maxFrame {
			return frameInfo{}, no
		}
		return f, yes
	case ADTS:
		if len(b) < adts.HeaderSize {
			return frameInfo{}, partialSync(b, 0xF6, 0xF0)
		}
		h, err := adts.ParseHeader(b)
		if err != nil {
			return frameInfo{}, no
		}
		mpeg2 := uint64(0)
		if h.MPEG2 {
			mpeg2 = 1
		}
		f := frameInfo{
			size:       h.Length,
			samples:    h.Samples(),
			sampleRate: h.SampleRate(),
			channels:   h.Channels(),
			// Sample rate, and also the ID bit, profile and channel
			// configuration: fixed for an encoder's session, and each
			// compared field makes a false lock in garbage rarer. A
			// legitimate change costs only a resync, no frame.
			key: mpeg2<<40 | uint64(h.Profile)<<32 | uint64(h.ChannelConfig)<<24 | uint64(h.SampleRateIndex),
		}
		if f.size > maxFrame {
			return frameInfo{}, no
		}
		return f, yes
	}
	return frameInfo{}, no
}

// partialSync tells whether b, shorter than a header, could be the start of
// one: 0xFF, then a byte whose masked bits equal want.
func partialSync(b []byte, mask, want byte) verdict {
	if len(b) == 0 {
		return more
	}
	if b[0] != 0xFF || len(b) >= 2 && b[1]&mask != want {
		return no
	}
	return more
}

// Samples returns how many samples per channel the frame of codec c at the
// start of b holds and its sample rate, so that a caller can time frames
// exactly (an HLS segmenter) without parsing headers itself. ok is false
// when b does not start with a valid header.
func (c Codec) Samples(b []byte) (samples, sampleRate int, ok bool) {
	f, v := probe(c, c.MaxFrame(), b)
	if v != yes {
		return 0, 0, false
	}
	return f.samples, f.sampleRate, true
}
