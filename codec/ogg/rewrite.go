package ogg

// DropEmptyLastPacket returns page without the zero-length packet that
// ends it, rewritten into buf with its checksum made anew, or page itself
// when its last packet has bytes (a 0 lacing value after a 255 ends a
// longer packet, which stays). Some Opus muxers end a chain with an empty
// packet, which an Opus decoder may refuse (RFC 6716 §3.4, R1).
func DropEmptyLastPacket(page, buf []byte) ([]byte, []byte) {
	n := len(page)
	if n < HeaderSize || int(page[26]) < 2 || HeaderSize+int(page[26]) > n {
		return page, buf
	}
	segs := page[HeaderSize : HeaderSize+int(page[26])]
	if segs[len(segs)-1] != 0 || segs[len(segs)-2] == 255 {
		return page, buf // the last packet has bytes (a 0 after 255 ends a longer one)
	}
	p, err := ParsePage(page)
	if err != nil {
		return page, buf
	}
	p.Segments = p.Segments[:len(p.Segments)-1]
	buf = AppendPage(buf, &p)
	return buf, buf
}
