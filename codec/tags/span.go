package tags

import "encoding/binary"

// Lengths of the fixed parts of the tags.
const (
	id3v2HeaderSize = 10  // "ID3", version, revision, flags, syncsafe size
	id3v2FooterSize = 10  // "3DI" copy of the header, ID3v2.4 only
	id3v1Size       = 128 // "TAG" and fixed-width fields
	apeHeaderSize   = 32  // "APETAGEX" header or footer
	maxAPETag       = 16 << 20
)

// MaxProbe is the most bytes At needs to decide.
const MaxProbe = apeHeaderSize

// Verdict is At's answer to "does a tag start here?".
type Verdict uint8

// Verdicts.
const (
	No   Verdict = iota
	Yes          // it does
	More         // the bytes so far could start one: ask again with more
)

// At looks for a tag at the start of b, in the middle of a stream, and
// returns its whole length. Source clients that stream files as they are
// send ID3v2 tags at the start of each file and ID3v1 or APE tags at the
// end; none of it is audio.
//
// An ID3v1 tag is only taken at a frame boundary (atBoundary): "TAG" is three
// common letters, and inside garbage the search skips those bytes anyway. The
// ID3v2 and APE signatures are long and strict enough to be taken anywhere,
// which matters because an ID3v2 tag may hold a JPEG whose markers look like
// frame headers.
func At(b []byte, atBoundary bool) (int64, Verdict) {
	if len(b) == 0 {
		return 0, More
	}
	switch b[0] {
	case 'I':
		return id3v2At(b)
	case 'T':
		if !atBoundary {
			return 0, No
		}
		return id3v1Size, hasSig(b, "TAG")
	case 'A':
		return apeAt(b)
	}
	return 0, No
}

// hasSig tells whether b starts with sig, or could once more bytes arrive.
func hasSig(b []byte, sig string) Verdict {
	n := min(len(b), len(sig))
	if string(b[:n]) != sig[:n] {
		return No
	}
	if n < len(sig) {
		return More
	}
	return Yes
}

// id3v2At checks an ID3v2.2–2.4 header: "ID3", a major version of 2–4, a
// revision below 0xFF, no flag bits that version leaves undefined, and a
// 28-bit syncsafe size (each byte below 0x80). The tag is the header, size
// bytes, and a 10-byte footer when ID3v2.4's footer flag is set. Bytes
// present are checked even when the header is incomplete, so garbage is
// rejected without waiting.
func id3v2At(b []byte) (int64, Verdict) {
	if v := hasSig(b, "ID3"); v != Yes {
		return 0, v
	}
	if len(b) > 3 && (b[3] < 2 || b[3] > 4) {
		return 0, No
	}
	if len(b) > 4 && b[4] == 0xFF {
		return 0, No
	}
	if len(b) > 5 {
		// Defined flags: unsynchronisation and compression (2.2) or
		// extended header (2.3), experimental (2.3), footer (2.4).
		defined := [5]byte{2: 0xC0, 3: 0xE0, 4: 0xF0}[b[3]]
		if b[5]&^defined != 0 {
			return 0, No
		}
	}
	for i := 6; i < len(b) && i < id3v2HeaderSize; i++ {
		if b[i] >= 0x80 {
			return 0, No
		}
	}
	if len(b) < id3v2HeaderSize {
		return 0, More
	}
	return id3v2Len(b), Yes
}

// id3v2Len is the whole length of the tag whose header (checked by the
// caller) b starts with: the header, the 28-bit syncsafe size of the rest,
// and the footer. Only ID3v2.4 has a footer (§3.4; in 2.2 and 2.3 the flag
// bit is undefined and says nothing).
func id3v2Len(b []byte) int64 {
	size := int64(b[6])<<21 | int64(b[7])<<14 | int64(b[8])<<7 | int64(b[9])
	size += id3v2HeaderSize
	if b[3] == 4 && b[5]&0x10 != 0 {
		size += id3v2FooterSize
	}
	return size
}

// apeAt checks an APEv1/v2 header or footer (see apeParse). A header is
// followed by the items and footer; a footer comes last, after items the
// search has already skipped as garbage, so only its own 32 bytes remain.
func apeAt(b []byte) (int64, Verdict) {
	if v := hasSig(b, "APETAGEX"); v != Yes {
		return 0, v
	}
	if len(b) < apeHeaderSize {
		return 0, More
	}
	size, flags, ok := apeParse(b)
	if !ok {
		return 0, No
	}
	if flags&apeIsHeader != 0 {
		return apeHeaderSize + size, Yes
	}
	return apeHeaderSize, Yes
}

// APE tag flags (APEv2 specification, "Tag flags").
const (
	apeHasHeader = 1 << 31 // the tag has a header as well as its footer
	apeIsHeader  = 1 << 29 // this is the header, not the footer
)

// apeParse reads the 32-byte APEv1/v2 header or footer b: "APETAGEX",
// version 1000 or 2000, the size of the items and footer (at least a
// footer, at most 16 MiB), the item count, the flags, and 8 reserved bytes
// that must be zero.
func apeParse(b []byte) (size int64, flags uint32, ok bool) {
	if len(b) < apeHeaderSize || string(b[:8]) != "APETAGEX" {
		return 0, 0, false
	}
	version := binary.LittleEndian.Uint32(b[8:])
	n := binary.LittleEndian.Uint32(b[12:])
	if version != 1000 && version != 2000 || n < apeHeaderSize || n > maxAPETag ||
		binary.LittleEndian.Uint64(b[24:]) != 0 {
		return 0, 0, false
	}
	return int64(n), binary.LittleEndian.Uint32(b[20:]), true
}
