package vorbis

import (
	"bytes"
	"encoding/binary"
	"strings"
)

// CommentTitle reads the title from a Vorbis comment header (Vorbis I
// §5.2.1: "\x03vorbis", the vendor string, then a count of
// "FIELD=value" comments, each length-prefixed): "ARTIST - TITLE", or
// TITLE alone, field names matched case-insensitively, the first of each
// kept. It returns "" when there is no title or the header is damaged
// before one.
func CommentTitle(p []byte) string {
	if len(p) < 7 || string(p[:7]) != "\x03vorbis" {
		return ""
	}
	return CommentListTitle(p[7:])
}

// CommentListTitle reads the title from a comment list without a
// packet's signature in front: the vendor string, the count and the
// comments. Opus (after "OpusTags", RFC 7845 §5.2) and FLAC (its
// VORBIS_COMMENT metadata block) carry the same list, so all three read
// titles here.
func CommentListTitle(p []byte) string {
	if _, ok := lengthPrefixed(&p); !ok || len(p) < 4 { // the vendor
		return ""
	}
	count := binary.LittleEndian.Uint32(p)
	p = p[4:]
	var artist, title string
	for range count {
		c, ok := lengthPrefixed(&p)
		if !ok {
			break
		}
		// Field names first, so that a picture is never copied.
		field, value, ok := bytes.Cut(c, []byte("="))
		switch {
		case !ok:
		case artist == "" && bytes.EqualFold(field, []byte("ARTIST")):
			artist = strings.TrimSpace(string(value))
		case title == "" && bytes.EqualFold(field, []byte("TITLE")):
			title = strings.TrimSpace(string(value))
		}
	}
	switch {
	case title == "":
		return ""
	case artist == "":
		return title
	}
	return artist + " - " + title
}

// lengthPrefixed takes a 32-bit little-endian length and that many bytes
// from the front of *p.
func lengthPrefixed(p *[]byte) ([]byte, bool) {
	b := *p
	if len(b) < 4 {
		return nil, false
	}
	n := binary.LittleEndian.Uint32(b)
	if uint64(n) > uint64(len(b)-4) {
		return nil, false
	}
	*p = b[4+n:]
	return b[4 : 4+n], true
}
