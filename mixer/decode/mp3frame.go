package decode

import "onair/codec/mpeg"

// layer3Header parses the MPEG audio frame header at the start of b and
// reports whether it heads a Layer III frame, the only layer this package
// decodes. Free-format frames (bitrate index 0) are refused: their length
// is not in the header, so they cannot be cut from the file.
func layer3Header(b []byte) (mpeg.Header, bool) {
	h, err := mpeg.ParseHeader(b)
	return h, err == nil && h.Layer == 3
}
