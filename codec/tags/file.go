package tags

import (
	"bytes"
	"fmt"
	"io"
)

// Lyrics3 (id3.org, "Lyrics3" and "Lyrics3 v2.00"): a block between the
// audio and the ID3v1 tag, "which must be present". Version 1 is
// "LYRICSBEGIN", at most 5,100 bytes of text and "LYRICSEND"; version 2 is
// "LYRICSBEGIN" and fields, then a 6-digit size of all that and "LYRICS200".
const (
	lyricsBegin   = "LYRICSBEGIN"
	lyrics1End    = "LYRICSEND"
	lyrics2End    = "LYRICS200"
	maxLyrics1    = 5100
	lyrics2Footer = 6 + 9 // the size digits and "LYRICS200"
)

// ID3v2Size returns the whole length of the ID3v2 tag whose header starts
// b (header, body and the ID3v2.4 footer), or false when b does not start
// with one. It takes the header as ID3v2.4 §3.1 says to detect a tag: "ID3",
// two version bytes below 0xFF, a flags byte and a size whose four bytes are
// each below 0x80. A version or flags this package does not know do not
// stop the tag from being skipped; [At], which looks inside streams where a
// tag is a surprise, is stricter.
func ID3v2Size(b []byte) (int64, bool) {
	if len(b) < id3v2HeaderSize || string(b[:3]) != "ID3" || b[3] == 0xFF || b[4] == 0xFF {
		return 0, false
	}
	for _, c := range b[6:10] {
		if c >= 0x80 {
			return 0, false
		}
	}
	return id3v2Len(b), true
}

// Audio returns where the audio of a file of size bytes read through r
// lies: [start, end) is the file less the ID3v2 tags at its start (see
// [Start]) and the tags at its end (see [End]). The error is a read error
// other than io.EOF.
func Audio(r io.ReaderAt, size int64) (start, end int64, err error) {
	start, err = Start(r, size)
	if err != nil {
		return 0, 0, err
	}
	end, err = End(r, start, size)
	if err != nil {
		return 0, 0, err
	}
	return start, end, nil
}

// Start returns the offset past the ID3v2 tags at the start of a file of
// size bytes. A tag whose size runs past the end of the file lies: the
// audio is then looked for right after its header.
func Start(r io.ReaderAt, size int64) (int64, error) {
	var off int64
	var b [id3v2HeaderSize]byte
	for {
		if ok, err := readFull(r, b[:], off); !ok {
			return off, err
		}
		n, ok := ID3v2Size(b[:])
		switch {
		case !ok:
			return off, nil
		case off+n > size:
			return off + id3v2HeaderSize, nil
		}
		off += n
	}
}

// End returns where the audio of a file of size bytes ends, never before
// start: size less the tags at the end of the file, in whatever order they
// were appended. It knows ID3v1 ("TAG", 128 bytes), APEv1 and APEv2 (a
// footer, the items and perhaps a header), an appended ID3v2.4 tag (found
// by its "3DI" footer), and Lyrics3 v1 and v2 right before an ID3v1 tag,
// the only place the Lyrics3 descriptions allow them.
func End(r io.ReaderAt, start, size int64) (int64, error) {
	t := tail{r: r, start: start, end: size}
	afterID3v1 := false // the last tag taken off was an ID3v1 tag
	for range 8 {
		n, id3v1, err := t.last(afterID3v1)
		if err != nil || n == 0 {
			return t.end, err
		}
		t.end -= n
		afterID3v1 = id3v1
	}
	return t.end, nil
}

// tail reads the tags at the end of a file, from the last one back.
type tail struct {
	r     io.ReaderAt
	start int64 // the audio starts here: no tag reaches before it
	end   int64 // the tags from here on are known
	b     [apeHeaderSize]byte
}

// read reads n bytes ending back bytes before end into b, if they lie
// inside [start, end).
func (t *tail) read(n int, back int64) (bool, error) {
	at := t.end - back
	if at < t.start || back < int64(n) {
		return false, nil
	}
	return readFull(t.r, t.b[:n], at)
}

// last returns the length of the tag that ends at end, or 0, and whether
// it is an ID3v1 tag.
func (t *tail) last(afterID3v1 bool) (n int64, id3v1 bool, err error) {
	if ok, err := t.read(3, id3v1Size); err != nil || ok && string(t.b[:3]) == "TAG" {
		return id3v1Size, true, err
	}
	if ok, err := t.read(apeHeaderSize, apeHeaderSize); err != nil {
		return 0, false, err
	} else if ok {
		if size, flags, ok := apeParse(t.b[:]); ok && flags&apeIsHeader == 0 {
			if flags&apeHasHeader != 0 {
				size += apeHeaderSize
			}
			if t.end-size < t.start {
				return 0, false, nil
			}
			return size, false, nil
		}
	}
	if afterID3v1 {
		if n, err := t.lyrics3(); n > 0 || err != nil {
			return n, false, err
		}
	}
	if ok, err := t.read(id3v2FooterSize, id3v2FooterSize); err != nil || !ok || string(t.b[:3]) != "3DI" {
		return 0, false, err
	}
	// The footer is a copy of the header with "3DI" for "ID3" (§3.4).
	copy(t.b[:3], "ID3")
	n, ok := ID3v2Size(t.b[:id3v2HeaderSize])
	if !ok || t.b[3] != 4 || t.b[5]&0x10 == 0 || t.end-n < t.start {
		return 0, false, nil
	}
	return n, false, nil
}

// lyrics3 returns the length of the Lyrics3 v1 or v2 tag that ends at end,
// or 0.
func (t *tail) lyrics3() (int64, error) {
	if ok, err := t.read(lyrics2Footer, lyrics2Footer); err != nil {
		return 0, err
	} else if ok && string(t.b[6:lyrics2Footer]) == lyrics2End {
		// The size counts from "LYRICSBEGIN" to the size digits.
		var n int64
		for _, c := range t.b[:6] {
			if c < '0' || c > '9' {
				return 0, nil
			}
			n = n*10 + int64(c-'0')
		}
		whole := n + lyrics2Footer
		if ok, err := t.read(len(lyricsBegin), whole); err != nil || !ok || string(t.b[:len(lyricsBegin)]) != lyricsBegin {
			return 0, err
		}
		return whole, nil
	}
	if ok, err := t.read(len(lyrics1End), int64(len(lyrics1End))); err != nil || !ok || string(t.b[:len(lyrics1End)]) != lyrics1End {
		return 0, err
	}
	// The text may not hold the keywords: the tag begins at the last
	// "LYRICSBEGIN" within reach.
	from := max(t.start, t.end-int64(len(lyrics1End)+maxLyrics1+len(lyricsBegin)))
	text := make([]byte, t.end-int64(len(lyrics1End))-from)
	if ok, err := readFull(t.r, text, from); !ok {
		return 0, err
	}
	i := bytes.LastIndex(text, []byte(lyricsBegin))
	if i < 0 {
		return 0, nil
	}
	return t.end - from - int64(i), nil
}

// readFull reads len(b) bytes at off. It reports false for fewer, with an
// error only for a read error other than io.EOF.
func readFull(r io.ReaderAt, b []byte, off int64) (bool, error) {
	n, err := r.ReadAt(b, off)
	if n == len(b) {
		return true, nil
	}
	if err != nil && err != io.EOF {
		return false, fmt.Errorf("tags: %w", err)
	}
	return false, nil
}
