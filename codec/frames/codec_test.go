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

func TestCodecSamples(t *testing.T) {
	mp3 := mp3Frame(t, 0xFFFB9064, 1) // MPEG-1 layer III, 128 kbps, 44.1 kHz
	if n, rate, ok := MP3.Samples(mp3); !ok || n != 1152 || rate != 44100 {
		t.Fatalf("MP3: %d samples at %d Hz, ok %v", n, rate, ok)
	}
	aac := adtsFrame(t, 3, 2, 300, 1) // 48 kHz
	if n, rate, ok := ADTS.Samples(aac); !ok || n != 1024 || rate != 48000 {
		t.Fatalf("ADTS: %d samples at %d Hz, ok %v", n, rate, ok)
	}
	if _, _, ok := MP3.Samples([]byte("junk")); ok {
		t.Fatal("junk has samples")
	}
}
