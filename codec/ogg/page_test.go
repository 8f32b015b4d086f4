package ogg

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"onair/internal/testenv"
)

// lacing returns the segment table of one packet of n bytes.
func lacing(n int) []byte {
	var l []byte
	for ; n >= 255; n -= 255 {
		l = append(l, 255)
	}
	return append(l, byte(n))
}

func TestPageRoundTrip(t *testing.T) {
	body := bytes.Repeat([]byte("vorbis"), 100)
	want := Page{Flags: BOS | EOS, Granule: 123456789, Serial: 0xCAFE, Sequence: 7, Segments: lacing(len(body)), Body: body}
	b := AppendPage([]byte("junk"), &want)[4:]
	if n, err := PageSize(b); err != nil || n != len(b) {
		t.Fatalf("PageSize = %d, %v; want %d", n, err, len(b))
	}
	got, err := ParsePage(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Flags != want.Flags || got.Granule != want.Granule || got.Serial != want.Serial ||
		got.Sequence != want.Sequence || !bytes.Equal(got.Segments, want.Segments) || !bytes.Equal(got.Body, body) {
		t.Errorf("ParsePage = %+v, want %+v", got, want)
	}
	if got.Size() != len(b) || !bytes.Equal(got.FirstPacket(), body) {
		t.Errorf("Size %d, FirstPacket %d bytes; want %d and %d", got.Size(), len(got.FirstPacket()), len(b), len(body))
	}

	// Cut short, the page tells how far it needs to be read.
	for _, tt := range []struct{ have, need int }{{0, 27}, {26, 27}, {27, 30}, {29, 30}, {30, len(b)}, {len(b) - 1, len(b)}} {
		if n, err := PageSize(b[:tt.have]); err != nil || n != tt.need {
			t.Errorf("PageSize of %d bytes = %d, %v; want %d", tt.have, n, err, tt.need)
		}
	}
	if _, err := ParsePage(b[:len(b)-1]); !errors.Is(err, ErrShortPage) {
		t.Errorf("ParsePage of a cut page: %v, want ErrShortPage", err)
	}
	if p, err := ParseHeader(b[:40]); err != nil || p.Serial != 0xCAFE || len(p.Segments) != 3 || len(p.Body) != 10 {
		t.Errorf("ParseHeader of 40 bytes = %+v, %v", p, err)
	}

	bad := bytes.Clone(b)
	bad[100] ^= 1
	if _, err := ParsePage(bad); !errors.Is(err, ErrBadCRC) {
		t.Errorf("a flipped bit: %v, want ErrBadCRC", err)
	}
	for name, edit := range map[string]func(b []byte){
		"capture": func(b []byte) { b[3] = 'X' },
		"version": func(b []byte) { b[4] = 1 },
	} {
		bad := bytes.Clone(b)
		edit(bad)
		if _, err := PageSize(bad); !errors.Is(err, ErrNoPage) {
			t.Errorf("%s: PageSize error %v, want ErrNoPage", name, err)
		}
	}
}

// TestCRCLibvorbis checks the checksum against the pages libvorbis wrote.
func TestCRCLibvorbis(t *testing.T) {
	bin := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	path := filepath.Join(t.TempDir(), "crc.ogg")
	out, err := exec.Command(bin, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "lavfi",
		"-i", "sine=frequency=440:sample_rate=44100:duration=1", "-c:a", "libvorbis", "-f", "ogg", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pages := 0
	for len(b) > 0 {
		p, err := ParsePage(b)
		if err != nil {
			t.Fatalf("page %d: %v", pages, err)
		}
		if pages == 0 && (p.Flags&BOS == 0 || Identify(p.FirstPacket()) != Vorbis) {
			t.Errorf("first page: flags %x, codec %v; want BOS and Vorbis", p.Flags, Identify(p.FirstPacket()))
		}
		b = b[p.Size():]
		pages++
	}
	if pages < 3 {
		t.Fatalf("only %d pages", pages)
	}
}

func TestIdentify(t *testing.T) {
	for packet, want := range map[string]Codec{
		"\x01vorbis\x00\x00\x00\x00": Vorbis,
		"OpusHead\x01":               Opus,
		"\x7fFLAC\x01\x00":           FLAC,
		"Speex   1.2":                Speex,
		"\x80theora":                 Theora,
		"\x01vorbi":                  Unknown,
		"fishead\x00":                Unknown,
	} {
		if got := Identify([]byte(packet)); got != want {
			t.Errorf("Identify(%q) = %v, want %v", packet, got, want)
		}
	}
}

func TestSkipToCapture(t *testing.T) {
	for _, tt := range []struct {
		b    string
		want int
	}{
		{"OggS..OggS", 6},
		{"xxOggS", 2},
		{"OggSxxxx", 5},
		{"xyzOgg", 3},
		{"Og", 1},
	} {
		if got := SkipToCapture([]byte(tt.b)); got != tt.want {
			t.Errorf("SkipToCapture(%q) = %d, want %d", tt.b, got, tt.want)
		}
	}
}
