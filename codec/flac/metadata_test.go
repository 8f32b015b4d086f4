package flac

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"onair/internal/testenv"
)

// TestMetadataWithPicture reads a file whose PICTURE block (a cover, as
// taggers add) comes before its comment block: the picture is skipped,
// the title read, and the frames after it decode.
func TestMetadataWithPicture(t *testing.T) {
	ffmpeg := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	dir := t.TempDir()
	png, file := filepath.Join(dir, "c.png"), filepath.Join(dir, "a.flac")
	run(t, ffmpeg, "-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i", "color=c=red:s=64x64:d=1", "-frames:v", "1", png)
	run(t, ffmpeg, "-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i", "sine=d=1", "-i", png, "-map", "0", "-map", "1",
		"-c:a", "flac", "-c:v", "copy", "-disposition:v", "attached_pic", "-metadata", "artist=Art", "-metadata", "title=Cover", file)
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	// The file holds a PICTURE block (type 6) before the frames.
	var types []BlockType
	for at := 4; at+4 <= len(data); {
		h, err := ParseBlockHeader(data[at:])
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, h.Type)
		at += 4 + h.Length
		if h.Last {
			break
		}
	}
	if !slices.Contains(types, PictureBlock) {
		t.Fatalf("block types %v: ffmpeg wrote no picture", types)
	}
	r, err := NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if r.Title != "Art - Cover" || r.Info.SampleRate != 44100 {
		t.Errorf("title %q, %d Hz", r.Title, r.Info.SampleRate)
	}
	n := 0
	for {
		f, err := r.Next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatalf("frame: %v", err)
			}
			break
		}
		n += f.BlockSize
	}
	if n != 44100 {
		t.Errorf("%d samples, want 44100", n)
	}
}

// TestReadMetadataErrors: no marker, STREAMINFO not first, a block cut
// short are errors wrapping ErrMetadata.
func TestReadMetadataErrors(t *testing.T) {
	meta, _ := seedFrames(t)
	cases := map[string][]byte{
		"no marker":            append([]byte("fLaX"), meta[4:]...),
		"comment first":        append([]byte("fLaC\x04\x00\x00\x00"), meta[4:]...),
		"cut in STREAMINFO":    meta[:20],
		"cut in a later block": meta[:len(meta)-1],
		"second STREAMINFO":    append(append([]byte("fLaC\x00\x00\x00\x22"), meta[8:42]...), meta[4:]...),
		"forbidden type 127":   append(append([]byte(nil), meta[:42]...), 0xff, 0, 0, 0),
	}
	for name, b := range cases {
		if _, err := ReadMetadata(bytes.NewReader(b)); !errors.Is(err, ErrMetadata) {
			t.Errorf("%s: %v, want ErrMetadata", name, err)
		}
	}
}
