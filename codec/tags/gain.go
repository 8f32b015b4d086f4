package tags

import (
	"math"
	"strconv"
	"strings"

	"github.com/dhowden/tag"
)

// Reference loudness of the gain tags: ReplayGain 2.0 brings a track to
// −18 LUFS; R128_TRACK_GAIN (RFC 7845 §5.2.1, Opus) to −23 LUFS, EBU R128's
// target.
const (
	replayGainReference = -18.0
	r128Reference       = -23.0
)

// Loudness is a track's loudness as its tags give it.
type Loudness struct {
	LUFS float64 // the integrated loudness the tag's track gain implies
	// Peak is REPLAYGAIN_TRACK_PEAK in dBFS: a sample peak, not a true
	// peak. NaN when the tags give none (R128 tags have none).
	Peak float64
}

// gainFromRaw reads the track gain tags from a file's raw tags:
// REPLAYGAIN_TRACK_GAIN and REPLAYGAIN_TRACK_PEAK (ID3v2 TXXX frames, or
// Vorbis and FLAC comments), else R128_TRACK_GAIN (a Q7.8 integer in dB,
// Opus). nil when there are none or they do not parse.
func gainFromRaw(raw map[string]any) *Loudness {
	fields := map[string]string{}
	for k, v := range raw {
		switch v := v.(type) {
		case *tag.Comm: // an ID3v2 TXXX frame: the description names it
			// Taggers end the text with a NUL, which the frame allows.
			fields[strings.ToUpper(strings.Trim(v.Description, "\x00"))] = strings.Trim(v.Text, " \x00")
		case string:
			fields[strings.ToUpper(k)] = strings.TrimSpace(v)
		}
	}
	if s, ok := fields["REPLAYGAIN_TRACK_GAIN"]; ok {
		gain, err := parseDB(s)
		if err != nil {
			return nil
		}
		l := &Loudness{LUFS: replayGainReference - gain, Peak: math.NaN()}
		if p, err := strconv.ParseFloat(strings.TrimSpace(fields["REPLAYGAIN_TRACK_PEAK"]), 64); err == nil && p > 0 {
			l.Peak = 20 * math.Log10(p)
		}
		return l
	}
	if s, ok := fields["R128_TRACK_GAIN"]; ok {
		q, err := strconv.ParseInt(strings.TrimSpace(s), 10, 16)
		if err != nil {
			return nil
		}
		return &Loudness{LUFS: r128Reference - float64(q)/256, Peak: math.NaN()}
	}
	return nil
}

// parseDB reads a ReplayGain value: "-6.50 dB", "+1.2 dB" or a bare
// number.
func parseDB(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if len(s) > 2 && strings.EqualFold(s[len(s)-2:], "dB") {
		s = strings.TrimSpace(s[:len(s)-2])
	}
	v, err := strconv.ParseFloat(s, 64)
	if err == nil && (math.IsNaN(v) || math.IsInf(v, 0)) {
		return 0, strconv.ErrSyntax
	}
	return v, err
}
