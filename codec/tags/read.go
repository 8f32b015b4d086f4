package tags

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/dhowden/tag"

	"onair/icy"
)

// Fields is what the now-playing title and the library need from a
// file's tags.
type Fields struct {
	Artist, Title, Album string
	// Loudness is what the ReplayGain or R128 tags say; nil without them.
	Loudness *Loudness
}

// Read reads the ID3v2, Vorbis comment or ID3v1 tags of the file at path
// with github.com/dhowden/tag. A file without tags gives empty Fields and
// no error. ID3v1 text,
// which has no declared encoding, is taken as UTF-8 when it is valid
// UTF-8 and as Windows-1252 (a superset of Latin-1) otherwise. Fields an
// ID3v2 tag leaves empty are taken from an ID3v1 tag when there is one.
func Read(path string) (Fields, error) {
	f, err := os.Open(path)
	if err != nil {
		return Fields{}, fmt.Errorf("read tags: %w", err)
	}
	defer f.Close()
	var m tag.Metadata
	err = safely(func() (err error) {
		m, err = tag.ReadFrom(f)
		return err
	})
	if errors.Is(err, tag.ErrNoTagsFound) {
		return Fields{}, nil
	}
	if err != nil {
		// A damaged ID3v2 tag may still have an ID3v1 tag behind it.
		if v1, ok := readID3v1(f); ok {
			return v1, nil
		}
		return Fields{}, fmt.Errorf("read tags %s: %w", path, err)
	}
	t := Fields{Artist: m.Artist(), Title: m.Title(), Album: m.Album(), Loudness: gainFromRaw(m.Raw())}
	if m.Format() == tag.ID3v1 {
		return fromID3v1(t), nil
	}
	if m.FileType() == tag.MP3 && (t.Artist == "" || t.Title == "" || t.Album == "") {
		if o, ok := readID3v1(f); ok {
			t.Artist = cmp.Or(t.Artist, o.Artist)
			t.Title = cmp.Or(t.Title, o.Title)
			t.Album = cmp.Or(t.Album, o.Album)
		}
	}
	return t, nil
}

// DisplayTitle returns "Artist - Title", or Title alone, or the file name
// without its extension when untagged.
func DisplayTitle(path string, t Fields) string {
	artist, title := strings.TrimSpace(t.Artist), strings.TrimSpace(t.Title)
	switch {
	case title == "":
		base := filepath.Base(path)
		return strings.TrimSuffix(base, filepath.Ext(base))
	case artist == "":
		return title
	default:
		return artist + " - " + title
	}
}

// readID3v1 reads the ID3v1 tag at the end of f, if there is one.
func readID3v1(f *os.File) (Fields, bool) {
	var m tag.Metadata
	err := safely(func() (err error) {
		m, err = tag.ReadID3v1Tags(f)
		return err
	})
	if err != nil {
		return Fields{}, false
	}
	return fromID3v1(Fields{Artist: m.Artist(), Title: m.Title(), Album: m.Album()}), true
}

// fromID3v1 decodes the raw bytes dhowden/tag leaves in ID3v1 fields.
// ID3v1 declares no encoding: text that is not UTF-8 is taken as
// Windows-1252, as the ICY titles of Windows source clients are, by the
// same decoder (its five undefined bytes become U+FFFD).
func fromID3v1(t Fields) Fields {
	return Fields{Artist: decodeText(t.Artist), Title: decodeText(t.Title), Album: decodeText(t.Album)}
}

func decodeText(s string) string { return icy.DecodeText([]byte(s)) }

// safely runs fn, turning a panic in it into an error: the tag library can
// panic on a damaged tag, and a bad file must not take the server down.
func safely(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("tag reader panic: %v", r)
		}
	}()
	return fn()
}
