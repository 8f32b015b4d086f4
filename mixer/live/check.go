package live

import (
	"fmt"
	"mime"
	"slices"
	"strings"
)

// unsupportedError says which format a source sent and what to do about
// it, in words a DJ can act on.
type unsupportedError struct {
	codec  string // "AAC", "Opus", or the content type itself
	detail string // where it was seen: the content type, "ADTS stream"…
}

func (e *unsupportedError) Error() string {
	what := e.codec
	if e.detail != "" {
		what += " (" + e.detail + ")"
	}
	if e.codec == "AAC" {
		// Asked for often: say that it is not an oversight (see
		// docs/DESIGN.md, "AAC on a live input stays refused").
		what += ", for which OnAir has no decoder"
	}
	return "live input mixes MP3, Ogg Vorbis, Ogg Opus and Ogg FLAC only, not " + what + "; set your encoder to MP3, Ogg Vorbis, Ogg Opus or Ogg FLAC"
}

func (e *unsupportedError) Unwrap() error { return ErrUnsupported }

// unsupported returns the error for codec, seen as detail.
func unsupported(codec, detail string) error {
	return &unsupportedError{codec: codec, detail: detail}
}

// Content types of the formats the Decoder takes. Besides the registered
// names, the aliases encoders are known to send.
var (
	mp3Types = []string{"audio/mpeg", "audio/mp3", "audio/x-mpeg", "audio/mpeg3", "audio/x-mp3", "audio/mpg"}
	oggTypes = []string{"audio/ogg", "application/ogg", "audio/vorbis", "audio/x-ogg", "audio/x-vorbis", "audio/x-vorbis+ogg", "audio/opus", "audio/x-opus+ogg"}
	// Types that say nothing about the codec: the bytes will tell.
	unknownTypes = []string{"", "application/octet-stream", "binary/octet-stream"}
)

// Codecs the mixer refuses, by content type.
var refusedTypes = map[string]string{
	"audio/aac":    "AAC",
	"audio/aacp":   "AAC",
	"audio/x-aac":  "AAC",
	"audio/mp4":    "AAC",
	"audio/x-m4a":  "AAC",
	"audio/m4a":    "AAC",
	"audio/flac":   "FLAC",
	"audio/x-flac": "FLAC",
	"audio/webm":   "WebM",
	"audio/wav":    "WAV",
	"audio/x-wav":  "WAV",
}

// Check refuses, at connect time, a source whose Content-Type names a
// format the mixer cannot decode: it returns an error wrapping
// ErrUnsupported, or nil for MP3, Ogg Vorbis, Opus or FLAC, and no or an
// uninformative type (the Decoder then sniffs the bytes). Ogg Opus (RFC
// 7845 §9 registers "audio/ogg; codecs=opus") passes whether or not
// libopus is installed: that is found when the stream starts. Ogg with
// another codecs parameter is refused. Native FLAC (audio/flac) is
// refused: sources send FLAC in Ogg.
func Check(contentType string) error {
	ct := strings.TrimSpace(contentType)
	typ, params, err := mime.ParseMediaType(ct)
	if err != nil {
		// Encoders send odd things ("audio/mpeg;"): judge the bare type.
		typ, _, _ = strings.Cut(ct, ";")
		typ = strings.ToLower(strings.TrimSpace(typ))
		params = nil
	}
	switch {
	case slices.Contains(unknownTypes, typ), slices.Contains(mp3Types, typ):
		return nil
	case slices.Contains(oggTypes, typ):
		return checkOggCodecs(params["codecs"], ct)
	}
	if codec, ok := refusedTypes[typ]; ok {
		return unsupported(codec, ct)
	}
	return unsupported(ct, "")
}

// checkOggCodecs judges the codecs parameter of an Ogg content type.
func checkOggCodecs(codecs, ct string) error {
	for c := range strings.SplitSeq(codecs, ",") {
		switch c = strings.ToLower(strings.TrimSpace(c)); c {
		case "", "vorbis", "flac", "opus":
		default:
			return unsupported(fmt.Sprintf("Ogg %s", c), ct)
		}
	}
	return nil
}
