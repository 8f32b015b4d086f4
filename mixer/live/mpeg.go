package live

import "onair/codec/mpeg"

// layer3Header parses the MPEG audio frame header at the start of b and
// reports whether it heads a Layer III frame, the layer the Decoder plays,
// of a length the header gives (not free format).
func layer3Header(b []byte) (mpeg.Header, bool) {
	h, err := mpeg.ParseHeader(b)
	return h, err == nil && h.Layer == 3
}
