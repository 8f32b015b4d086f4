package live

import (
	"errors"
	"strings"
	"testing"
)

func errorsIs(err, target error) bool { return errors.Is(err, target) }

// TestCheck: MP3, Ogg Vorbis, Opus or FLAC and no type pass; AAC, native
// FLAC and others are refused with ErrUnsupported and a message naming the
// codec.
func TestCheck(t *testing.T) {
	cases := []struct {
		ct      string
		mention string // "" = accepted
	}{
		{"audio/mpeg", ""},
		{"audio/mp3", ""},
		{"audio/x-mpeg", ""},
		{"Audio/MPEG; charset=binary", ""},
		{"audio/ogg", ""},
		{"audio/ogg; codecs=vorbis", ""},
		{"application/ogg", ""},
		{"audio/vorbis", ""},
		{"", ""},
		{"application/octet-stream", ""},
		{"audio/aac", "AAC (audio/aac), for which OnAir has no decoder;"},
		{"audio/aacp", "AAC (audio/aacp)"},
		{"audio/x-aac", "AAC"},
		{"audio/mp4", "AAC"},
		{"audio/x-m4a", "AAC"},
		{"audio/opus", ""},
		{"audio/ogg; codecs=opus", ""},
		{"audio/ogg; codecs=\"opus\"", ""},
		{"application/ogg;codecs=flac", ""},
		{"audio/ogg; codecs=FLAC", ""},
		{"audio/flac", "FLAC"},
		{"audio/x-flac", "FLAC"},
		{"audio/wav", "WAV"},
		{"text/html", "text/html"},
		{"audio/mpeg;;;", ""},
	}
	for _, c := range cases {
		err := Check(c.ct)
		switch {
		case c.mention == "" && err != nil:
			t.Errorf("Check(%q) = %v, want nil", c.ct, err)
		case c.mention == "":
		case !errors.Is(err, ErrUnsupported):
			t.Errorf("Check(%q) = %v, want ErrUnsupported", c.ct, err)
		case !strings.Contains(err.Error(), c.mention) || !strings.HasPrefix(err.Error(), "live input mixes MP3, Ogg Vorbis, Ogg Opus and Ogg FLAC only, not "):
			t.Errorf("Check(%q) = %q, want a message naming %q", c.ct, err, c.mention)
		}
	}
}
