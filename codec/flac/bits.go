package flac

import "math/bits"

// bitReader reads a frame's bits, most significant first (RFC 9639 §9).
// Reading past the end sets err and yields zeros, so that the hot loops
// check once per partition rather than once per value.
type bitReader struct {
	b     []byte
	pos   int    // the next byte to load into cache
	cache uint64 // bits not yet read, left-aligned
	n     uint   // how many of cache's bits are valid
	err   error
}

func (r *bitReader) reset(b []byte) {
	*r = bitReader{b: b}
}

// fill loads whole bytes until cache holds more than 56 bits or b ends.
func (r *bitReader) fill() {
	for r.n <= 56 && r.pos < len(r.b) {
		r.cache |= uint64(r.b[r.pos]) << (56 - r.n)
		r.pos++
		r.n += 8
	}
}

// read returns the next k bits (k ≤ 32) as an unsigned number.
func (r *bitReader) read(k uint) uint32 {
	if k == 0 {
		return 0
	}
	if r.n < k {
		r.fill()
		if r.n < k {
			r.err = ErrShort
			r.n, r.cache = 0, 0
			return 0
		}
	}
	v := uint32(r.cache >> (64 - k))
	r.cache <<= k
	r.n -= k
	return v
}

// signed returns the next k bits (k ≤ 32) as a two's complement number.
func (r *bitReader) signed(k uint) int32 {
	if k == 0 {
		return 0
	}
	v := r.read(k)
	return int32(v<<(32-k)) >> (32 - k)
}

// unary counts zero bits up to the next one bit, which it consumes.
func (r *bitReader) unary() uint32 {
	var q uint32
	for {
		if r.cache == 0 {
			// Nothing but zeros (or nothing) loaded: take them all.
			q += uint32(r.n)
			r.n = 0
			r.fill()
			if r.n == 0 {
				r.err = ErrShort
				return 0
			}
			continue
		}
		z := uint(bits.LeadingZeros64(r.cache))
		if z >= r.n {
			// Cannot happen: cache has no bits set past n.
			r.err = ErrShort
			return 0
		}
		r.cache <<= z + 1
		r.n -= z + 1
		return q + uint32(z)
	}
}

// offset returns how many bytes were read, counting a partly read byte.
func (r *bitReader) offset() int {
	return r.pos - int(r.n/8)
}

// align skips to the next byte boundary.
func (r *bitReader) align() {
	k := r.n % 8
	r.cache <<= k
	r.n -= k
}
