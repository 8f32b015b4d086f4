package layer3

import (
	"math/rand/v2"
	"testing"
)

// TestHuffmanRoundTrip encodes random values with every big values table
// and both count1 tables (huffdata.go, through builder_test.go's writer)
// and decodes them back.
func TestHuffmanRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for ts := 1; ts < 32; ts++ {
		if !bigTables[ts].valid {
			continue
		}
		for _, tableB := range []bool{false, true} {
			var tg testGranule
			tg.g.tableSelect = [3]int{ts, ts, ts}
			tg.g.count1TableB = tableB
			m := maxValue(ts)
			for i := range 400 {
				tg.q[i] = rng.Int32N(2*m+1) - m
				if rng.IntN(4) == 0 {
					tg.q[i] = m // the largest escapes often
				}
			}
			for i := 400; i < 560; i++ {
				tg.q[i] = rng.Int32N(3) - 1
			}
			bigEnd, c1End := regions(&tg.q)
			tg.g.bigValues = bigEnd / 2
			tg.g.regionEnd = [3]int{bigEnd, bigEnd, bigEnd}
			var w bitWriter
			writeHuffman(t, &w, &tg)
			buf := append(w.buf, make([]byte, 8)...)
			r := bitReader{buf: buf, end: w.n}
			var q [576]int32
			nz := decodeHuffman(&r, &tg.g, &q)
			if nz != c1End || r.pos != w.n {
				t.Fatalf("table %d (count1 B %v): decoded to line %d, bit %d; want %d, %d", ts, tableB, nz, r.pos, c1End, w.n)
			}
			for i := range nz {
				if q[i] != tg.q[i] {
					t.Fatalf("table %d (count1 B %v): line %d = %d, want %d", ts, tableB, i, q[i], tg.q[i])
				}
			}
			// Cut short anywhere, decoding stops at the cut.
			for range 20 {
				r := bitReader{buf: buf, end: rng.IntN(w.n)}
				nz := decodeHuffman(&r, &tg.g, &q)
				if nz > c1End {
					t.Fatalf("table %d cut at bit %d: decoded %d lines", ts, r.end, nz)
				}
			}
		}
	}
}

// TestCount1Overrun: a last count1 quadruple that runs past
// part2_3_length is dropped, as encoders that overrun by a few bits
// expect; one that ends on it is kept.
func TestCount1Overrun(t *testing.T) {
	var tg testGranule
	tg.g.tableSelect = [3]int{1, 1, 1}
	tg.q = [576]int32{0: 1, 1: -1, 4: 1, 7: -1}
	var w bitWriter
	writeHuffman(t, &w, &tg)
	buf := append(w.buf, make([]byte, 8)...)
	var q [576]int32
	r := bitReader{buf: buf, end: w.n}
	if nz := decodeHuffman(&r, &tg.g, &q); nz != 8 || q[7] != -1 {
		t.Errorf("whole: %d lines, q[7] = %d", nz, q[7])
	}
	r = bitReader{buf: buf, end: w.n - 1}
	if nz := decodeHuffman(&r, &tg.g, &q); nz != 4 {
		t.Errorf("one bit short: %d lines, want the first quadruple only", nz)
	}
}

// TestHuffmanTablesComplete: each table is a complete prefix code with
// size² entries (buildLookup panics otherwise) and the lookups decode
// every codeword to its pair.
func TestHuffmanTablesComplete(t *testing.T) {
	for ts, spec := range huffSpecs {
		if spec.codes == nil {
			continue
		}
		if len(spec.codes) != spec.size*spec.size {
			t.Errorf("table %d: %d entries for size %d", ts, len(spec.codes), spec.size)
		}
		for i, c := range spec.codes {
			var w bitWriter
			w.put(uint32(c[1]), int(c[0]))
			v := uint64(0)
			for j, b := range w.buf {
				v |= uint64(b) << (56 - 8*j)
			}
			lk, root := bigTables[ts].lookup, bigTables[ts].root
			e := lk[v>>(64-root)]
			if e&linkFlag != 0 {
				e = lk[uint(e>>8&0x7FFFFF)+uint(v<<root>>(64-uint(e&0xFF)))]
			}
			if int(e&0xFF) != int(c[0]) || int(e>>12&15) != i/spec.size || int(e>>8&15) != i%spec.size {
				t.Fatalf("table %d entry %d: lookup gives %#x", ts, i, e)
			}
		}
	}
}
