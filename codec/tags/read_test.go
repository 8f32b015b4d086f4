package tags

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"onair/internal/testenv"
)

// Encoder options for the fixtures.
var (
	cbr128   = []string{"-c:a", "libmp3lame", "-b:a", "128k", "-f", "mp3"}
	vorbisQ5 = []string{"-c:a", "libvorbis", "-q:a", "5", "-f", "ogg"}
)

// with returns opts followed by more, without sharing opts' array.
func with(opts []string, more ...string) []string {
	return append(append([]string(nil), opts...), more...)
}

// makeTone encodes half a second of a 440 Hz tone into dir/name with the
// ffmpeg output options opts and returns the file's path. Without ffmpeg
// the test is skipped, or fails in CI.
func makeTone(t testing.TB, dir, name string, opts ...string) string {
	t.Helper()
	bin := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	path := filepath.Join(dir, name)
	args := append([]string{"-hide_banner", "-loglevel", "error", "-nostdin", "-y",
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=0.5"}, opts...)
	if out, err := exec.Command(bin, append(args, path)...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	return path
}

// TestRead reads the title from each kind of tag ffmpeg writes, and
// from a hand-made ID3v1 tag in Windows-1252.
func TestRead(t *testing.T) {
	dir := t.TempDir()
	meta := []string{"-metadata", "artist=Björk & Ünïcode", "-metadata", "title=Jóga – live", "-metadata", "album=Homogenic"}
	untagged := with(cbr128, "-id3v2_version", "0", "-map_metadata", "-1")

	// An ID3v1 tag (ID3v1 has no encoding field; Windows-1252 is what
	// Windows taggers wrote): "Café – Olé" by "Sigur Rós".
	v1 := makeTone(t, dir, "v1-only.mp3", untagged...)
	appendID3v1(t, v1, "Caf\xe9 \x96 Ol\xe9", "Sigur R\xf3s", "\xc1g\xe6tis byrjun")
	// ID3v2 with a title only and an ID3v1 tag with the artist.
	mixed := makeTone(t, dir, "v2-title-v1-artist.mp3", with(cbr128, "-metadata", "title=Hoppípolla")...)
	appendID3v1(t, mixed, "", "Sigur R\xf3s", "")

	tests := []struct {
		path    string
		want    Fields
		display string
	}{
		{makeTone(t, dir, "v23.mp3", with(cbr128, append(meta, "-id3v2_version", "3")...)...),
			Fields{Artist: "Björk & Ünïcode", Title: "Jóga – live", Album: "Homogenic"}, "Björk & Ünïcode - Jóga – live"},
		{makeTone(t, dir, "v24.mp3", with(cbr128, append(meta, "-id3v2_version", "4")...)...),
			Fields{Artist: "Björk & Ünïcode", Title: "Jóga – live", Album: "Homogenic"}, "Björk & Ünïcode - Jóga – live"},
		{makeTone(t, dir, "comments.ogg", with(vorbisQ5, meta...)...),
			Fields{Artist: "Björk & Ünïcode", Title: "Jóga – live", Album: "Homogenic"}, "Björk & Ünïcode - Jóga – live"},
		{makeTone(t, dir, "title-only.mp3", with(cbr128, "-metadata", "title=Only A Title")...),
			Fields{Title: "Only A Title"}, "Only A Title"},
		{makeTone(t, dir, "01 Untagged Song.mp3", untagged...),
			Fields{}, "01 Untagged Song"},
		{makeTone(t, dir, "Untagged Vorbis.ogg", with(vorbisQ5, "-map_metadata", "-1")...),
			Fields{}, "Untagged Vorbis"},
		{v1, Fields{Artist: "Sigur Rós", Title: "Café – Olé", Album: "Ágætis byrjun"}, "Sigur Rós - Café – Olé"},
		{mixed, Fields{Artist: "Sigur Rós", Title: "Hoppípolla"}, "Sigur Rós - Hoppípolla"},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			got, err := Read(tt.path)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if got != tt.want {
				t.Errorf("Read = %+v, want %+v", got, tt.want)
			}
			if d := DisplayTitle(tt.path, got); d != tt.display {
				t.Errorf("DisplayTitle = %q, want %q", d, tt.display)
			}
		})
	}
}

// TestFromID3v1 pins how ID3v1 text without an encoding is read: UTF-8
// as it is, anything else as Windows-1252, whose undefined bytes are
// U+FFFD (the unicode.org table leaves them undefined), as in ICY titles.
func TestFromID3v1(t *testing.T) {
	got := fromID3v1(Fields{Artist: "Beyonc\xe9", Title: "\x80 \x81 \x96", Album: "Ünïcode"})
	want := Fields{Artist: "Beyoncé", Title: "€ \uFFFD –", Album: "Ünïcode"}
	if got != want {
		t.Errorf("fromID3v1 = %#v, want %#v", got, want)
	}
}

// appendID3v1 appends a 128-byte ID3v1.1 tag with the raw bytes given.
func appendID3v1(t testing.TB, path, title, artist, album string) {
	t.Helper()
	tag := make([]byte, 128)
	copy(tag, "TAG")
	copy(tag[3:33], title)
	copy(tag[33:63], artist)
	copy(tag[63:93], album)
	copy(tag[93:97], "1999")
	tag[127] = 255 // no genre
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(tag); err != nil {
		t.Fatal(err)
	}
}

// TestReadBroken: files without readable tags give an error naming
// the file or empty Fields; never a panic.
func TestReadBroken(t *testing.T) {
	dir := t.TempDir()
	for name, b := range map[string][]byte{
		"empty.mp3":      nil,
		"short.mp3":      []byte("ID3"),
		"lying-id3.mp3":  []byte("ID3\x04\x00\x00\x7f\x7f\x7f\x7fTIT2\x00\x00\x00\x10\x00\x00\x00abc"),
		"bad-frames.mp3": []byte("ID3\x03\x00\x00\x00\x00\x00\x20TIT2\xff\xff\xff\xff\x00\x00\x00abcdefghijklmnopqrstuv"),
		"random.ogg":     []byte("OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00garbage garbage garbage"),
		"text.mp3":       []byte(strings.Repeat("plain text ", 20)),
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			fields, err := Read(path)
			if err != nil && !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the file", err)
			}
			if err == nil && fields != (Fields{}) {
				t.Logf("fields %+v", fields)
			}
		})
	}
	if _, err := Read(filepath.Join(dir, "missing.mp3")); err == nil || !strings.Contains(err.Error(), "missing.mp3") {
		t.Errorf("missing file: %v", err)
	}
}

func TestDisplayTitle(t *testing.T) {
	tests := []struct {
		path string
		tags Fields
		want string
	}{
		{"/music/a.mp3", Fields{Artist: "A", Title: "T"}, "A - T"},
		{"/music/a.mp3", Fields{Title: "T"}, "T"},
		{"/music/Some Song.mp3", Fields{}, "Some Song"},
		{"/music/Some Song.mp3", Fields{Artist: "Only Artist"}, "Some Song"},
		{"/music/Some Song.mp3", Fields{Album: "Only Album"}, "Some Song"},
		{"/music/dotted.name.v2.ogg", Fields{}, "dotted.name.v2"},
		{"/music/no-extension", Fields{}, "no-extension"},
		{"/music/a.mp3", Fields{Artist: "  A ", Title: " T  "}, "A - T"},
		{"/music/Blank Title.mp3", Fields{Artist: "A", Title: "   "}, "Blank Title"},
	}
	for _, tt := range tests {
		if got := DisplayTitle(tt.path, tt.tags); got != tt.want {
			t.Errorf("DisplayTitle(%q, %+v) = %q, want %q", tt.path, tt.tags, got, tt.want)
		}
	}
}
