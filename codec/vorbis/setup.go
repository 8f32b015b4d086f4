package vorbis

import (
	"errors"
	"fmt"
	"math"
)

// The Vorbis library trusts the setup header: a damaged or hostile one
// can make it loop forever (an ordered codebook read past the end),
// allocate gigabytes (a codebook of 0 entries) or misread the stream. So
// CheckSetup walks the header first, as Vorbis I §4.2.4 lays it out, and
// refuses what the library cannot take safely.
//
// It also mends what the library reads wrong: a floor 1 with no
// partitions (libvorbis writes one for the LFE channel of 5.1 streams)
// has no class descriptions (§7.2.2, maximum_class −1), but the library
// reads one anyway. CheckSetup inserts the 13 zero bits it will read
// there: a class of dimension 1 with no subclass and no book, which no
// partition uses.

const (
	// zeroPartitionPad is what the library reads for one class with no
	// subclasses: dimension (3 bits), subclasses (2), its book (8).
	zeroPartitionPad = 3 + 2 + 8
	// Bounds on the codebooks' sizes in all, far above what encoders
	// write (some thousands), keeping the library's tables to tens of MB.
	maxSetupEntries = 1 << 20
	maxSetupValues  = 1 << 22
	// maxFloor1Points is libvorbis's bound on a floor 1's X list.
	maxFloor1Points = 65
	codebookSync    = 0x564342 // "BCV"
)

var errTruncated = errors.New("truncated")

// CheckSetup checks the setup header p of a stream of channels
// channels and returns it, or a mended copy, for the library.
func CheckSetup(p []byte, channels int) ([]byte, error) {
	if len(p) < 7 || string(p[:7]) != "\x05vorbis" {
		return nil, errors.New("not a setup header")
	}
	c := setupChecker{r: bitReader{b: p[7:]}, channels: channels}
	if err := c.check(); err != nil {
		return nil, err
	}
	if c.r.eof {
		return nil, errTruncated
	}
	if len(c.pad) == 0 {
		return p, nil
	}
	return insertZeroBits(p, 7*8, c.pad, zeroPartitionPad), nil
}

// setupChecker walks a setup header.
type setupChecker struct {
	r        bitReader
	channels int
	books    int
	floors   int
	residues int
	mappings int
	entries  int   // codebook entries so far
	values   int   // codebook values so far
	pad      []int // where floors without partitions need padding
}

func (c *setupChecker) check() error {
	c.books = c.r.readInt(8) + 1
	for i := range c.books {
		if err := c.codebook(); err != nil {
			return fmt.Errorf("codebook %d: %w", i, err)
		}
	}
	for range c.r.readInt(6) + 1 {
		if c.r.readInt(16) != 0 {
			return errors.New("time domain transform not 0")
		}
	}
	c.floors = c.r.readInt(6) + 1
	for i := range c.floors {
		if err := c.floor(); err != nil {
			return fmt.Errorf("floor %d: %w", i, err)
		}
	}
	c.residues = c.r.readInt(6) + 1
	for i := range c.residues {
		if err := c.residue(); err != nil {
			return fmt.Errorf("residue %d: %w", i, err)
		}
	}
	c.mappings = c.r.readInt(6) + 1
	for i := range c.mappings {
		if err := c.mapping(); err != nil {
			return fmt.Errorf("mapping %d: %w", i, err)
		}
	}
	for range c.r.readInt(6) + 1 {
		c.r.readInt(1) // block flag
		window, transform := c.r.readInt(16), c.r.readInt(16)
		if window != 0 || transform != 0 {
			return errors.New("mode window or transform type not 0")
		}
		if c.r.readInt(8) >= c.mappings {
			return errors.New("mode with no such mapping")
		}
	}
	if c.r.readInt(1) != 1 {
		return errors.New("no framing bit")
	}
	return nil
}

// codebook checks one codebook (§3.2.1).
func (c *setupChecker) codebook() error {
	r := &c.r
	if r.readInt(24) != codebookSync {
		return errors.New("no sync pattern")
	}
	dims, entries := r.readInt(16), r.readInt(24)
	switch {
	case dims == 0 || entries < 2:
		return fmt.Errorf("%d entries of %d dimensions", entries, dims)
	case ilog(dims)+ilog(entries) > 24:
		return fmt.Errorf("%d entries of %d dimensions: too large", entries, dims)
	}
	if c.entries += entries; c.entries > maxSetupEntries {
		return errors.New("codebooks too large in all")
	}
	if r.readInt(1) == 0 { // lengths entry by entry, maybe sparse
		sparse := r.readInt(1) == 1
		for range entries {
			if !sparse || r.readInt(1) == 1 {
				r.readInt(5)
			}
			if r.eof {
				return errTruncated
			}
		}
	} else { // ordered: runs of growing lengths
		length := r.readInt(5) + 1
		for cur := 0; cur < entries; length++ {
			if length > 32 {
				return errors.New("codeword longer than 32 bits")
			}
			cur += r.readInt(ilog(entries - cur))
			if r.eof || cur > entries {
				return errors.New("bad length runs")
			}
		}
	}
	switch lookup := r.readInt(4); lookup {
	case 0:
	case 1, 2:
		r.skip(32 + 32) // minimum and delta
		bits := r.readInt(4) + 1
		r.skip(1) // sequence_p
		n := entries * dims
		if lookup == 1 {
			n = lookup1Values(entries, dims)
			// The library finds it with floating point: it must agree.
			if approx := int(math.Floor(math.Pow(float64(entries), 1/float64(dims)))); approx != n {
				return fmt.Errorf("lookup table of %d values the decoder reads as %d", n, approx)
			}
		}
		if c.values += entries * dims; c.values > maxSetupValues {
			return errors.New("codebook values too many in all")
		}
		r.skip(n * bits)
	default:
		return fmt.Errorf("lookup type %d", lookup)
	}
	if r.eof {
		return errTruncated
	}
	return nil
}

// floor checks one floor (§6.2.1, §7.2.2).
func (c *setupChecker) floor() error {
	r := &c.r
	switch typ := r.readInt(16); typ {
	case 0:
		order, rate, bark := r.readInt(8), r.readInt(16), r.readInt(16)
		r.skip(6 + 8) // amplitude bits and offset
		if order < 1 || rate < 1 || bark < 1 {
			return errors.New("floor 0 of order, rate or Bark map size 0")
		}
		for range r.readInt(4) + 1 {
			if r.readInt(8) >= c.books {
				return errors.New("no such codebook")
			}
		}
	case 1:
		return c.floor1()
	default:
		return fmt.Errorf("type %d", typ)
	}
	return nil
}

func (c *setupChecker) floor1() error {
	r := &c.r
	partitions := r.readInt(5)
	if partitions == 0 {
		c.pad = append(c.pad, r.pos)
	}
	var classOf [31]int
	maxClass := -1
	for i := range partitions {
		classOf[i] = r.readInt(4)
		maxClass = max(maxClass, classOf[i])
	}
	var dims [16]int
	for i := 0; i <= maxClass; i++ {
		dims[i] = r.readInt(3) + 1
		sub := r.readInt(2)
		if sub != 0 && r.readInt(8) >= c.books {
			return errors.New("no such master codebook")
		}
		for range 1 << sub {
			if r.readInt(8)-1 >= c.books {
				return errors.New("no such subclass codebook")
			}
		}
	}
	r.skip(2) // multiplier
	rangeBits := r.readInt(4)
	xs := [maxFloor1Points]int{0, 1 << rangeBits}
	n := 2
	for _, class := range classOf[:partitions] {
		for range dims[class] {
			if n == len(xs) {
				return errors.New("too many points")
			}
			x := r.readInt(rangeBits)
			for _, y := range xs[:n] {
				if x == y {
					return errors.New("repeated point")
				}
			}
			xs[n] = x
			n++
		}
	}
	return nil
}

// residue checks one residue (§8.6.1).
func (c *setupChecker) residue() error {
	r := &c.r
	if typ := r.readInt(16); typ > 2 {
		return fmt.Errorf("type %d", typ)
	}
	r.skip(24 + 24 + 24) // begin, end, partition size
	classes := r.readInt(6) + 1
	if r.readInt(8) >= c.books {
		return errors.New("no such classbook")
	}
	var cascade [64]int
	for i := range classes {
		cascade[i] = r.readInt(3)
		if r.readInt(1) == 1 {
			cascade[i] |= r.readInt(5) << 3
		}
	}
	for _, bits := range cascade[:classes] {
		for j := range 8 {
			if bits&(1<<j) != 0 && r.readInt(8) >= c.books {
				return errors.New("no such codebook")
			}
		}
	}
	return nil
}

// mapping checks one mapping (§4.2.4 step 5).
func (c *setupChecker) mapping() error {
	r := &c.r
	if r.readInt(16) != 0 {
		return errors.New("type not 0")
	}
	submaps := 1
	if r.readInt(1) == 1 {
		submaps = r.readInt(4) + 1
	}
	if r.readInt(1) == 1 {
		bits := ilog(c.channels - 1)
		for range r.readInt(8) + 1 {
			m, a := r.readInt(bits), r.readInt(bits)
			if m == a || m >= c.channels || a >= c.channels {
				return errors.New("bad channel coupling")
			}
		}
	}
	if r.readInt(2) != 0 {
		return errors.New("reserved bits set")
	}
	if submaps > 1 {
		for range c.channels {
			if r.readInt(4) >= submaps {
				return errors.New("no such submap")
			}
		}
	}
	for range submaps {
		r.skip(8) // unused time configuration
		if r.readInt(8) >= c.floors || r.readInt(8) >= c.residues {
			return errors.New("no such floor or residue")
		}
	}
	return nil
}

// ilog is the number of bits x needs (Vorbis I §9.2.1).
func ilog(x int) int {
	n := 0
	for ; x > 0; x >>= 1 {
		n++
	}
	return n
}

// lookup1Values is the largest v with v^dims <= entries (§9.2.3).
func lookup1Values(entries, dims int) int {
	v := int(math.Floor(math.Pow(float64(entries), 1/float64(dims))))
	for v > 0 && pow(v, dims) > entries {
		v--
	}
	for pow(v+1, dims) <= entries {
		v++
	}
	return v
}

// pow is v^n, or some number above 2^24 when it is larger: enough to
// compare with a codebook's entries.
func pow(v, n int) int {
	p := 1
	for range n {
		if p *= v; p > 1<<24 {
			break
		}
	}
	return p
}

// bitReader reads Vorbis bit packing: least significant bit first.
type bitReader struct {
	b   []byte
	pos int // in bits
	eof bool
}

// readInt returns the next n bits (n <= 32); past the end, zeros and eof.
func (r *bitReader) readInt(n int) int {
	v := 0
	for i := range n {
		if r.pos>>3 >= len(r.b) {
			r.eof = true
			return 0
		}
		v |= int(r.b[r.pos>>3]>>(r.pos&7)&1) << i
		r.pos++
	}
	return v
}

// skip passes over n bits.
func (r *bitReader) skip(n int) {
	if n < 0 || r.pos+n > len(r.b)*8 {
		r.eof, r.pos = true, len(r.b)*8
		return
	}
	r.pos += n
}

// insertZeroBits returns a copy of p with n zero bits inserted at each of
// the bit positions at (in order, counted from base).
func insertZeroBits(p []byte, base int, at []int, n int) []byte {
	out := make([]byte, (len(p)*8+len(at)*n+7)/8)
	w, next := 0, 0
	for i := range len(p) * 8 {
		if next < len(at) && i == base+at[next] {
			w += n
			next++
		}
		if p[i>>3]>>(i&7)&1 != 0 {
			out[w>>3] |= 1 << (w & 7)
		}
		w++
	}
	return out
}
