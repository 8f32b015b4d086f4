package tags

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"testing"
)

// Tags as writers lay them out, for the tests.

func id3v1Tag() []byte {
	b := make([]byte, 128)
	copy(b, "TAGA title")
	return b
}

// apeFooter returns an APEv2 footer for items of n bytes; with header, the
// header comes first.
func apeTag(n int, header bool) []byte {
	field := func(isHeader bool) []byte {
		b := []byte("APETAGEX")
		b = binary.LittleEndian.AppendUint32(b, 2000)
		b = binary.LittleEndian.AppendUint32(b, uint32(n+32))
		b = binary.LittleEndian.AppendUint32(b, 1)
		var flags uint32
		if header {
			flags |= 1 << 31
		}
		if isHeader {
			flags |= 1 << 29
		}
		b = binary.LittleEndian.AppendUint32(b, flags)
		return append(b, make([]byte, 8)...)
	}
	var b []byte
	if header {
		b = field(true)
	}
	b = append(b, bytes.Repeat([]byte{'i'}, n)...)
	return append(b, field(false)...)
}

// lyrics3v2 returns a Lyrics3 v2.00 tag whose LYR field holds text.
func lyrics3v2(text string) []byte {
	body := "LYRICSBEGIN" + "IND00003110" + "LYR" + pad6(len(text)) + text
	return []byte(body + pad6(len(body)) + "LYRICS200")
}

func lyrics3v1(text string) []byte { return []byte("LYRICSBEGIN" + text + "LYRICSEND") }

func pad6(n int) string {
	s := strconv.Itoa(n)
	return string(bytes.Repeat([]byte{'0'}, 6-len(s))) + s
}

// id3v2Tag returns an ID3v2 tag of major version major whose body is n
// bytes, with flags; for ID3v2.4 with the footer flag, the footer.
func id3v2Tag(major, flags byte, n int) []byte {
	size := []byte{byte(n >> 21 & 0x7F), byte(n >> 14 & 0x7F), byte(n >> 7 & 0x7F), byte(n & 0x7F)}
	b := append([]byte{'I', 'D', '3', major, 0, flags}, size...)
	b = append(b, bytes.Repeat([]byte{'t'}, n)...)
	if major == 4 && flags&0x10 != 0 {
		b = append(b, '3', 'D', 'I', major, 0, flags)
		b = append(b, size...)
	}
	return b
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// TestEnd checks which tags at the end of a file are found, by the
// descriptions of each.
func TestEnd(t *testing.T) {
	audio := bytes.Repeat([]byte{0xFF, 0xFB, 0x90, 0x64}, 1000)
	// ID3v2.3 has no footer: one that says 2.3 is junk.
	v23Footer := cat(id3v2Tag(3, 0x10, 30), []byte("3DI\x03\x00\x10\x00\x00\x00\x1e"))
	lyrics := "[00:01]la la la\r\n[00:02]" + string(bytes.Repeat([]byte("la "), 400))
	tests := []struct {
		name string
		tail []byte
		// audio: how much of the tail is audio the tags do not cover
		audio int
	}{
		{"nothing", nil, 0},
		{"ID3v1", id3v1Tag(), 0},
		{"APEv2 without header", apeTag(40, false), 0},
		{"APEv2 with header", apeTag(40, true), 0},
		{"APEv2 and ID3v1", cat(apeTag(40, true), id3v1Tag()), 0},
		{"appended ID3v2.4", id3v2Tag(4, 0x10, 300), 0},
		{"appended ID3v2.4 and ID3v1", cat(id3v2Tag(4, 0x10, 300), id3v1Tag()), 0},
		// Lyrics3 sits between the audio and an ID3v1 tag, "which must
		// be present" (id3.org, Lyrics3 v2.00).
		{"Lyrics3 v2 and ID3v1", cat(lyrics3v2(lyrics), id3v1Tag()), 0},
		{"Lyrics3 v1 and ID3v1", cat(lyrics3v1(lyrics), id3v1Tag()), 0},
		{"APEv2, Lyrics3 v2 and ID3v1", cat(apeTag(40, true), lyrics3v2(lyrics), id3v1Tag()), 0},
		{"Lyrics3 v2 without ID3v1 is not a tag", lyrics3v2(lyrics), len(lyrics3v2(lyrics))},
		{"Lyrics3 v1 without ID3v1 is not a tag", lyrics3v1(lyrics), len(lyrics3v1(lyrics))},
		{"Lyrics3 v2 whose size misses LYRICSBEGIN", cat([]byte("LYRICSBEGINabc000005LYRICS200"), id3v1Tag()), len("LYRICSBEGINabc000005LYRICS200")},
		{"Lyrics3 v1 longer than 5,100 bytes", cat(lyrics3v1(string(bytes.Repeat([]byte{'x'}, 5101))), id3v1Tag()), 11 + 5101 + 9},
		{"a 3DI footer of ID3v2.3 is not a footer", v23Footer, len(v23Footer)},
		{"APE footer with a bad version", func() []byte {
			b := apeTag(40, false)
			b[len(b)-32+8] = 7
			return b
		}(), 40 + 32},
		{"APE tag larger than the file", func() []byte {
			b := apeTag(40, false)
			binary.LittleEndian.PutUint32(b[len(b)-32+12:], 1<<20)
			return b
		}(), 40 + 32},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := cat(audio, tt.tail)
			end, err := End(bytes.NewReader(file), 0, int64(len(file)))
			if want := int64(len(audio) + tt.audio); err != nil || end != want {
				t.Errorf("End = %d, %v; want %d", end, err, want)
			}
		})
	}
}

// TestEndStopsAtStart: no tag at the end reaches into what Start found.
func TestEndStopsAtStart(t *testing.T) {
	file := cat(id3v2Tag(3, 0, 100), id3v1Tag())
	start, end, err := Audio(bytes.NewReader(file), int64(len(file)))
	if err != nil || start != 110 || end != int64(len(file))-128 {
		t.Errorf("Audio = %d, %d, %v; want 110, %d", start, end, err, len(file)-128)
	}
	file = cat(id3v2Tag(3, 0, 10), []byte("APETAGEX"), make([]byte, 24))
	start, end, err = Audio(bytes.NewReader(file), int64(len(file)))
	if err != nil || start != 20 || end != int64(len(file)) {
		t.Errorf("tag in the ID3v2 tag: Audio = %d, %d, %v; want 20, %d", start, end, err, len(file))
	}
}

func TestStart(t *testing.T) {
	audio := []byte{0xFF, 0xFB, 0x90, 0x64}
	tests := []struct {
		name string
		file []byte
		want int64
	}{
		{"no tag", audio, 0},
		{"ID3v2.3", cat(id3v2Tag(3, 0, 20), audio), 30},
		{"ID3v2.4 with footer", cat(id3v2Tag(4, 0x10, 20), audio), 40},
		{"two tags", cat(id3v2Tag(3, 0, 20), id3v2Tag(4, 0, 5), audio), 45},
		{"size past the end", cat([]byte("ID3\x04\x00\x00\x7f\x7f\x7f\x7f"), audio), 10},
	}
	for _, tt := range tests {
		if got, err := Start(bytes.NewReader(tt.file), int64(len(tt.file))); err != nil || got != tt.want {
			t.Errorf("%s: Start = %d, %v; want %d", tt.name, got, err, tt.want)
		}
	}
}

// TestID3v2Size pins the header rules: the detection pattern of ID3v2.4
// §3.1, and a footer only where ID3v2.4 defines one.
func TestID3v2Size(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		want int64 // 0: not a tag
	}{
		{"ID3v2.3", []byte("ID3\x03\x00\x00\x00\x00\x02\x01"), 10 + 257},
		{"ID3v2.4 with footer", []byte("ID3\x04\x00\x10\x00\x00\x00\x05"), 10 + 5 + 10},
		{"ID3v2.3 with the undefined footer bit", []byte("ID3\x03\x00\x10\x00\x00\x00\x05"), 10 + 5},
		{"unknown version still skipped", []byte("ID3\x05\x00\x00\x00\x00\x00\x05"), 10 + 5},
		{"version 0xFF", []byte("ID3\xff\x00\x00\x00\x00\x00\x05"), 0},
		{"revision 0xFF", []byte("ID3\x03\xff\x00\x00\x00\x00\x05"), 0},
		{"size not syncsafe", []byte("ID3\x03\x00\x00\x00\x00\x80\x05"), 0},
		{"short", []byte("ID3\x03\x00\x00\x00\x00\x00"), 0},
	}
	for _, tt := range tests {
		n, ok := ID3v2Size(tt.b)
		if ok != (tt.want != 0) || n != tt.want {
			t.Errorf("%s: ID3v2Size = %d, %v; want %d", tt.name, n, ok, tt.want)
		}
	}
}

// FuzzAudio checks that no file makes Audio panic or return a span outside
// the file.
func FuzzAudio(f *testing.F) {
	f.Add(cat(id3v2Tag(4, 0x10, 20), []byte{0xFF, 0xFB, 0x90, 0x64}, apeTag(10, true), lyrics3v2("la"), id3v1Tag()))
	f.Add(cat(lyrics3v1("x"), id3v1Tag()))
	f.Add([]byte("LYRICSBEGIN000000LYRICS200TAG"))
	f.Fuzz(func(t *testing.T, b []byte) {
		start, end, err := Audio(bytes.NewReader(b), int64(len(b)))
		if err != nil || start < 0 || end < start || end > int64(len(b)) {
			t.Fatalf("Audio = %d, %d, %v for %d bytes", start, end, err, len(b))
		}
	})
}
