package decode

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadTags reads the title from each kind of tag ffmpeg writes, and
// from a hand-made ID3v1 tag in Windows-1252.
func TestReadTags(t *testing.T) {
	dir := t.TempDir()
	s := tone{rate: 44100, freqs: []float64{440}, seconds: 0.5, amp: 0.5}
	meta := []string{"-metadata", "artist=Björk & Ünïcode", "-metadata", "title=Jóga – live", "-metadata", "album=Homogenic"}
	untagged := with(cbr128, "-id3v2_version", "0", "-map_metadata", "-1")

	// An ID3v1 tag (ID3v1 has no encoding field; Windows-1252 is what
	// Windows taggers wrote): "Café – Olé" by "Sigur Rós".
	v1 := makeTone(t, dir, "v1-only.mp3", s, untagged...)
	appendID3v1(t, v1, "Caf\xe9 \x96 Ol\xe9", "Sigur R\xf3s", "\xc1g\xe6tis byrjun")
	// ID3v2 with a title only and an ID3v1 tag with the artist.
	mixed := makeTone(t, dir, "v2-title-v1-artist.mp3", s, with(cbr128, "-metadata", "title=Hoppípolla")...)
	appendID3v1(t, mixed, "", "Sigur R\xf3s", "")

	tests := []struct {
		path    string
		want    Tags
		display string
	}{
		{makeTone(t, dir, "v23.mp3", s, with(cbr128, append(meta, "-id3v2_version", "3")...)...),
			Tags{"Björk & Ünïcode", "Jóga – live", "Homogenic"}, "Björk & Ünïcode - Jóga – live"},
		{makeTone(t, dir, "v24.mp3", s, with(cbr128, append(meta, "-id3v2_version", "4")...)...),
			Tags{"Björk & Ünïcode", "Jóga – live", "Homogenic"}, "Björk & Ünïcode - Jóga – live"},
		{makeTone(t, dir, "comments.ogg", s, with(vorbisQ5, meta...)...),
			Tags{"Björk & Ünïcode", "Jóga – live", "Homogenic"}, "Björk & Ünïcode - Jóga – live"},
		{makeTone(t, dir, "title-only.mp3", s, with(cbr128, "-metadata", "title=Only A Title")...),
			Tags{Title: "Only A Title"}, "Only A Title"},
		{makeTone(t, dir, "01 Untagged Song.mp3", s, untagged...),
			Tags{}, "01 Untagged Song"},
		{makeTone(t, dir, "Untagged Vorbis.ogg", s, with(vorbisQ5, "-map_metadata", "-1")...),
			Tags{}, "Untagged Vorbis"},
		{v1, Tags{"Sigur Rós", "Café – Olé", "Ágætis byrjun"}, "Sigur Rós - Café – Olé"},
		{mixed, Tags{Artist: "Sigur Rós", Title: "Hoppípolla"}, "Sigur Rós - Hoppípolla"},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			got, err := ReadTags(tt.path)
			if err != nil {
				t.Fatalf("ReadTags: %v", err)
			}
			if got != tt.want {
				t.Errorf("ReadTags = %+v, want %+v", got, tt.want)
			}
			if d := DisplayTitle(tt.path, got); d != tt.display {
				t.Errorf("DisplayTitle = %q, want %q", d, tt.display)
			}
		})
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

// TestReadTagsBroken: files without readable tags give an error naming
// the file or empty Tags; never a panic.
func TestReadTagsBroken(t *testing.T) {
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
			tags, err := ReadTags(path)
			if err != nil && !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the file", err)
			}
			if err == nil && tags != (Tags{}) {
				t.Logf("tags %+v", tags)
			}
		})
	}
	if _, err := ReadTags(filepath.Join(dir, "missing.mp3")); err == nil || !strings.Contains(err.Error(), "missing.mp3") {
		t.Errorf("missing file: %v", err)
	}
}

func TestDisplayTitle(t *testing.T) {
	tests := []struct {
		path string
		tags Tags
		want string
	}{
		{"/music/a.mp3", Tags{Artist: "A", Title: "T"}, "A - T"},
		{"/music/a.mp3", Tags{Title: "T"}, "T"},
		{"/music/Some Song.mp3", Tags{}, "Some Song"},
		{"/music/Some Song.mp3", Tags{Artist: "Only Artist"}, "Some Song"},
		{"/music/Some Song.mp3", Tags{Album: "Only Album"}, "Some Song"},
		{"/music/dotted.name.v2.ogg", Tags{}, "dotted.name.v2"},
		{"/music/no-extension", Tags{}, "no-extension"},
		{"/music/a.mp3", Tags{Artist: "  A ", Title: " T  "}, "A - T"},
		{"/music/Blank Title.mp3", Tags{Artist: "A", Title: "   "}, "Blank Title"},
	}
	for _, tt := range tests {
		if got := DisplayTitle(tt.path, tt.tags); got != tt.want {
			t.Errorf("DisplayTitle(%q, %+v) = %q, want %q", tt.path, tt.tags, got, tt.want)
		}
	}
}
