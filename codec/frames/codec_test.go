package frames

import (
	"errors"
	"testing"
)

func TestCodecStrings(t *testing.T) {
	for c, want := range map[Codec]string{MP3: "mp3", ADTS: "adts", Codec(0): "Codec(0)"} {
		if got := c.String(); got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
	}
}

func TestCodecText(t *testing.T) {
	for in, want := range map[string]Codec{"mp3": MP3, "MP3": MP3, "adts": ADTS, "AAC": ADTS} {
		var c Codec
		if err := c.UnmarshalText([]byte(in)); err != nil || c != want {
			t.Errorf("UnmarshalText(%q) = %v, %v; want %v", in, c, err, want)
		}
	}
	var c Codec
	if err := c.UnmarshalText([]byte("ogg")); !errors.Is(err, ErrUnknownCodec) {
		t.Errorf("UnmarshalText(ogg) = %v, want ErrUnknownCodec", err)
	}
	for _, c := range []Codec{MP3, ADTS} {
		text, err := c.MarshalText()
		var back Codec
		if err != nil || back.UnmarshalText(text) != nil || back != c {
			t.Errorf("%v: MarshalText = %q, %v; does not round-trip", c, text, err)
		}
	}
	if _, err := Codec(0).MarshalText(); !errors.Is(err, ErrUnknownCodec) {
		t.Errorf("Codec(0).MarshalText error = %v, want ErrUnknownCodec", err)
	}
}
