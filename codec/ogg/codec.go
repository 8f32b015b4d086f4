package ogg

import (
	"bytes"
	"strconv"
)

// Codec is what a logical stream carries, as its first packet says.
type Codec int

// Codecs an Ogg stream may carry. The zero value is a codec this package
// does not know.
const (
	Unknown Codec = iota
	Vorbis
	Opus
	FLAC
	Speex
	Theora
)

// String returns the codec's name: "Vorbis", "Opus", "FLAC", "Speex",
// "Theora" or "unknown".
func (c Codec) String() string {
	switch c {
	case Unknown:
		return "unknown"
	case Vorbis:
		return "Vorbis"
	case Opus:
		return "Opus"
	case FLAC:
		return "FLAC"
	case Speex:
		return "Speex"
	case Theora:
		return "Theora"
	}
	return "Codec(" + strconv.Itoa(int(c)) + ")"
}

// signatures are the first bytes of each codec's first packet, its
// identification header: Vorbis I §4.2.2, RFC 7845 §5.1, the FLAC-in-Ogg
// mapping, the Speex manual's header, Theora §6.2. Read-only.
var signatures = [...]struct {
	codec Codec
	magic string
}{
	{Vorbis, "\x01vorbis"},
	{Opus, "OpusHead"},
	{FLAC, "\x7fFLAC"},
	{Speex, "Speex   "},
	{Theora, "\x80theora"},
}

// Identify names the codec whose identification header starts packet,
// the first packet of a logical stream (whole on its BOS page). A packet
// cut short names nothing.
func Identify(packet []byte) Codec {
	for _, s := range signatures {
		if bytes.HasPrefix(packet, []byte(s.magic)) {
			return s.codec
		}
	}
	return Unknown
}
