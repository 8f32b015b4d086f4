package layer3

import "encoding/binary"

// bitReader reads the main data MSB first. Every read is bounded by end
// (the granule's part2_3_length, or the data's end if that comes first):
// a read past it yields zeros and leaves pos at end, so corrupt lengths
// cannot run off the buffer. buf must hold 8 bytes past end/8, so that
// peek can load a whole word at any position before end.
type bitReader struct {
	buf []byte
	pos int // bit position
	end int // bit position reads stop at
}

// peek returns the next 64 bits (fewer are valid near end), MSB first.
// Only for pos < end.
func (r *bitReader) peek() uint64 {
	return binary.BigEndian.Uint64(r.buf[r.pos>>3:]) << (r.pos & 7)
}

// read returns the next n bits (n ≤ 32), or 0 when they pass end.
func (r *bitReader) read(n int) int {
	if n == 0 {
		return 0
	}
	if r.pos+n > r.end {
		r.pos = r.end
		return 0
	}
	v := r.peek() >> (64 - n)
	r.pos += n
	return int(v)
}
