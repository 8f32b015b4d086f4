package layer3

import "fmt"

// Huffman decoding of the big values and count1 regions (ISO 11172-3
// §2.4.3.4.6). The code tables of huffdata.go become two-level lookup
// tables: the next rootBits bits of the stream index the first level,
// which holds the decoded pair for short codes and points to a second
// level for long ones. One 64-bit peek covers a codeword, linbits and
// signs, so a pair costs a load, one or two lookups and a few shifts.

// A lookup entry is a leaf, len | x<<12 | y<<8 with x, y < 16 and the
// codeword length below 256, or a link, linkFlag | offset<<8 | bits to a
// second-level table of 1<<bits entries at offset.
const linkFlag = 1 << 31

// bigTable is one of the 32 table_select choices for the big values.
type bigTable struct {
	lookup  []uint32
	root    uint // bits indexing the first level
	linbits uint // escape bits for values of 15 (tables 16-31)
	valid   bool // tables 4 and 14 do not exist
}

var (
	bigTables [32]bigTable
	count1A   []uint32 // root 6: the longest table A code
	count1B   []uint32 // root 4
)

// rootBits balances the first level's size against how often a second
// lookup is needed: most codewords in real streams are short.
const rootBits = 8

// huffSpec is one table_select's code table from huffdata.go.
type huffSpec struct {
	codes   [][2]uint16
	size    int // x and y are below size (15 and more escape to linbits)
	linbits uint
}

var huffSpecs = func() [32]huffSpec {
	specs := [32]huffSpec{
		1: {huffTable1[:], 2, 0}, 2: {huffTable2[:], 3, 0}, 3: {huffTable3[:], 3, 0},
		5: {huffTable5[:], 4, 0}, 6: {huffTable6[:], 4, 0}, 7: {huffTable7[:], 6, 0},
		8: {huffTable8[:], 6, 0}, 9: {huffTable9[:], 6, 0}, 10: {huffTable10[:], 8, 0},
		11: {huffTable11[:], 8, 0}, 12: {huffTable12[:], 8, 0}, 13: {huffTable13[:], 16, 0},
		15: {huffTable15[:], 16, 0},
	}
	for i, lb := range [8]uint{1, 2, 3, 4, 6, 8, 10, 13} {
		specs[16+i] = huffSpec{huffTable16[:], 16, lb}
	}
	for i, lb := range [8]uint{4, 5, 6, 7, 8, 9, 11, 13} {
		specs[24+i] = huffSpec{huffTable24[:], 16, lb}
	}
	return specs
}()

func init() {
	built := map[*[2]uint16][]uint32{} // 16-23 and 24-31 share lookups
	bigTables[0] = bigTable{valid: true}
	for t, s := range huffSpecs {
		if s.codes == nil {
			continue
		}
		lk, ok := built[&s.codes[0]]
		if !ok {
			syms := make([]uint32, len(s.codes))
			for i := range syms {
				syms[i] = uint32(i/s.size)<<4 | uint32(i%s.size)
			}
			lk = buildLookup(s.codes, syms, rootBits)
			built[&s.codes[0]] = lk
		}
		bigTables[t] = bigTable{lookup: lk, root: rootOf(s.codes, rootBits), linbits: s.linbits, valid: true}
	}
	syms := make([]uint32, 16)
	for i := range syms {
		syms[i] = uint32(i)
	}
	count1A = buildLookup(count1TableA[:], syms, 6)
	var b [16][2]uint16
	for i := range b {
		b[i] = [2]uint16{4, uint16(15 - i)}
	}
	count1B = buildLookup(b[:], syms, 4)
}

// rootOf is the first-level width for codes: rootBits, or less when no
// codeword is that long.
func rootOf(codes [][2]uint16, rootBits uint) uint {
	maxLen := uint(0)
	for _, c := range codes {
		maxLen = max(maxLen, uint(c[0]))
	}
	return min(rootBits, maxLen)
}

// buildLookup makes the two-level lookup table for the prefix code
// codes ({length, codeword} per symbol), whose symbols are syms (x<<4|y,
// or vwxy for count1). It panics unless the code is complete: every bit
// pattern must decode, which the tables of the standard are.
func buildLookup(codes [][2]uint16, syms []uint32, rootBits uint) []uint32 {
	root := rootOf(codes, rootBits)
	// The second level under a root prefix is as wide as its longest code.
	sub := make([]uint, 1<<root)
	for _, c := range codes {
		if l := uint(c[0]); l > root {
			p := uint(c[1]) >> (l - root)
			sub[p] = max(sub[p], l-root)
		}
	}
	lk := make([]uint32, 1<<root)
	for p, bits := range sub {
		if bits > 0 {
			lk[p] = linkFlag | uint32(len(lk))<<8 | uint32(bits)
			lk = append(lk, make([]uint32, 1<<bits)...)
		}
	}
	for i, c := range codes {
		l, code := uint(c[0]), uint(c[1])
		leaf := uint32(l) | syms[i]<<8
		if l <= root {
			first := code << (root - l)
			for j := range uint(1) << (root - l) {
				lk[first+j] = leaf
			}
			continue
		}
		link := lk[code>>(l-root)]
		bits := uint(link & 0xFF)
		rest := code & (1<<(l-root) - 1)
		first := uint(link>>8&0x7FFFFF) + rest<<(bits-(l-root))
		for j := range uint(1) << (bits - (l - root)) {
			lk[first+j] = leaf
		}
	}
	for i, e := range lk {
		if e == 0 {
			panic(fmt.Sprintf("layer3: incomplete Huffman table: no code for lookup entry %d", i))
		}
	}
	return lk
}

// decodeHuffman decodes the big values and count1 regions of one granule
// channel from r into q (quantized values, sign included) and returns
// where the non-zero part ends: q[n:] is all zero. r.end is the end of
// the granule's part2_3_length; a codeword running past it ends the
// decoding (the rest is zero), as does a count1 quadruple that would.
func decodeHuffman(r *bitReader, g *granule, q *[576]int32) int {
	i := 0
	for region := range 3 {
		stop := g.regionEnd[region]
		t := &bigTables[g.tableSelect[region]]
		if t.lookup == nil { // table 0: all zero, no bits
			for ; i < stop; i++ {
				q[i] = 0
			}
			continue
		}
		lk, root, linbits := t.lookup, t.root, t.linbits
		for ; i < stop; i += 2 {
			if r.pos >= r.end {
				return i
			}
			v := r.peek()
			e := lk[v>>(64-root)]
			if e&linkFlag != 0 {
				e = lk[uint(e>>8&0x7FFFFF)+uint(v<<root>>(64-uint(e&0xFF)))]
			}
			n := uint(e & 0xFF)
			v <<= n
			x, y := int32(e>>12&15), int32(e>>8&15)
			if x == 15 && linbits > 0 {
				x += int32(v >> (64 - linbits))
				v <<= linbits
				n += linbits
			}
			if x != 0 {
				if v>>63 != 0 {
					x = -x
				}
				v <<= 1
				n++
			}
			if y == 15 && linbits > 0 {
				y += int32(v >> (64 - linbits))
				v <<= linbits
				n += linbits
			}
			if y != 0 {
				if v>>63 != 0 {
					y = -y
				}
				n++
			}
			r.pos += int(n)
			q[i], q[i+1] = x, y
		}
	}
	if r.pos > r.end {
		// The last pair ran past part2_3_length: the granule is damaged.
		return i
	}
	lk := count1A
	root := uint(6)
	if g.count1TableB {
		lk, root = count1B, 4
	}
	for i+4 <= 576 && r.pos < r.end {
		v := r.peek()
		e := lk[v>>(64-root)]
		n := uint(e & 0xFF)
		v <<= n
		vwxy := e >> 8
		var quad [4]int32
		for k := range 4 {
			if vwxy&(8>>k) != 0 {
				quad[k] = 1
				if v>>63 != 0 {
					quad[k] = -1
				}
				v <<= 1
				n++
			}
		}
		if r.pos+int(n) > r.end {
			// Encoders let the last quadruple overrun part2_3_length by a
			// few bits; decoders drop it.
			break
		}
		r.pos += int(n)
		q[i], q[i+1], q[i+2], q[i+3] = quad[0], quad[1], quad[2], quad[3]
		i += 4
	}
	return i
}
