package layer3

import (
	"testing"
)

// A Layer III writer for test streams: it encodes what a test spells out
// (block types, tables, scale factors, quantized values) into frames, to
// reach what real encoders never produce (intensity stereo, mixed
// blocks) and to test the bitstream parsing on its own.

// bitWriter writes bits MSB first.
type bitWriter struct {
	buf []byte
	n   int // bits written
}

func (w *bitWriter) put(v uint32, n int) {
	for i := n - 1; i >= 0; i-- {
		if w.n%8 == 0 {
			w.buf = append(w.buf, 0)
		}
		if v>>i&1 != 0 {
			w.buf[w.n/8] |= 0x80 >> (w.n % 8)
		}
		w.n++
	}
}

func (w *bitWriter) putBits(o *bitWriter) {
	for i := range o.n {
		w.put(uint32(o.buf[i/8]>>(7-i%8)&1), 1)
	}
}

// testGranule is one granule of one channel to encode. part23Len,
// bigValues and regionEnd in g are worked out by buildFrame.
type testGranule struct {
	g                granule
	region0, region1 int // region0_count, region1_count of normal blocks
	sf               scalefactors
	q                [576]int32 // quantized values in coded order
}

// testFrame is one frame to encode, main_data_begin 0, no CRC.
type testFrame struct {
	version   int // 3 MPEG-1, 2 MPEG-2, 0 MPEG-2.5
	rateIndex int // 0-2 in the header
	mode      int
	modeExt   int
	scfsi     [2][4]bool
	gr        [2][2]testGranule
}

func (f *testFrame) header() header {
	h, _ := parseHeader(f.headerBytes(1))
	return h
}

func (f *testFrame) headerBytes(bitrateIndex int) []byte {
	return []byte{
		0xFF,
		0xE0 | byte(f.version)<<3 | 1<<1 | 1, // Layer III, no CRC
		byte(bitrateIndex)<<4 | byte(f.rateIndex)<<2,
		byte(f.mode)<<6 | byte(f.modeExt)<<4,
	}
}

// buildFrame encodes f into the smallest frame that holds it.
func buildFrame(t testing.TB, f *testFrame) []byte {
	t.Helper()
	h := f.header()
	for gr := range h.granules() {
		for ch := range h.channels {
			tg := &f.gr[gr][ch]
			bigEnd, _ := regions(&tg.q)
			tg.g.bigValues = bigEnd / 2
		}
	}
	// The side information as far as it is known tells the region ends.
	side := f.sideInfo(&h)
	var si sideInfo
	if err := parseSideInfo(&h, append(side, make([]byte, 8)...), &si); err != nil {
		t.Fatalf("test frame's side information: %v", err)
	}
	var main bitWriter
	for gr := range h.granules() {
		for ch := range h.channels {
			tg := &f.gr[gr][ch]
			tg.g.regionEnd = si.gr[gr][ch].regionEnd
			var w bitWriter
			if h.lsf {
				writeScalefactorsLSF(t, &w, &tg.g, h.is && ch == 1, &tg.sf)
			} else {
				writeScalefactorsMPEG1(t, &w, &tg.g, &f.scfsi[ch], gr, &tg.sf)
			}
			writeHuffman(t, &w, tg)
			tg.g.part23Len = w.n
			main.putBits(&w)
		}
	}
	side = f.sideInfo(&h)
	need := 4 + len(side) + len(main.buf)
	rates := [9]int{44100, 48000, 32000, 22050, 24000, 16000, 11025, 12000, 8000}
	kbps := []int{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320}
	if h.lsf {
		kbps = []int{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160}
	}
	for i := 1; i < len(kbps); i++ {
		size := 576 * h.granules() / 8 * kbps[i] * 1000 / rates[h.rate]
		if size >= need {
			frame := make([]byte, size)
			copy(frame, f.headerBytes(i))
			copy(frame[4:], side)
			copy(frame[4+len(side):], main.buf)
			return frame
		}
	}
	t.Fatalf("test frame needs %d bytes: too big for any bitrate", need)
	return nil
}

// regions returns where the big values and the count1 region of q end.
func regions(q *[576]int32) (bigEnd, count1End int) {
	lastBig, lastNZ := -1, -1
	for i, v := range q {
		if v != 0 {
			lastNZ = i
		}
		if v > 1 || v < -1 {
			lastBig = i
		}
	}
	bigEnd = (lastBig + 2) &^ 1
	count1End = bigEnd + (max(lastNZ+1-bigEnd, 0)+3)&^3
	if count1End > 576 {
		bigEnd = (lastNZ + 2) &^ 1
		count1End = bigEnd
	}
	return bigEnd, count1End
}

// sideInfo writes the frame's side information.
func (f *testFrame) sideInfo(h *header) []byte {
	var w bitWriter
	if h.lsf {
		w.put(0, 8) // main_data_begin
		w.put(0, h.channels)
	} else {
		w.put(0, 9)
		w.put(0, 7-2*h.channels)
		for ch := range h.channels {
			for b := range 4 {
				w.put(b2u(f.scfsi[ch][b]), 1)
			}
		}
	}
	for gr := range h.granules() {
		for ch := range h.channels {
			tg := &f.gr[gr][ch]
			g := &tg.g
			w.put(uint32(g.part23Len), 12)
			w.put(uint32(g.bigValues), 9)
			w.put(uint32(g.globalGain), 8)
			if h.lsf {
				w.put(uint32(g.sfCompress), 9)
			} else {
				w.put(uint32(g.sfCompress), 4)
			}
			if g.blockType != blockNormal {
				w.put(1, 1)
				w.put(uint32(g.blockType), 2)
				w.put(b2u(g.mixed), 1)
				w.put(uint32(g.tableSelect[0]), 5)
				w.put(uint32(g.tableSelect[1]), 5)
				for _, sg := range g.subblockGain {
					w.put(uint32(sg), 3)
				}
			} else {
				w.put(0, 1)
				for _, ts := range g.tableSelect {
					w.put(uint32(ts), 5)
				}
				w.put(uint32(tg.region0), 4)
				w.put(uint32(tg.region1), 3)
			}
			if !h.lsf {
				w.put(b2u(g.preflag), 1)
			}
			w.put(b2u(g.sfScale), 1)
			w.put(b2u(g.count1TableB), 1)
		}
	}
	return w.buf
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// putField writes v in n bits, failing the test when it does not fit.
func putField(t testing.TB, w *bitWriter, v uint8, n int) {
	t.Helper()
	if int(v) >= 1<<n {
		t.Fatalf("scale factor %d does not fit in %d bits", v, n)
	}
	w.put(uint32(v), n)
}

// writeScalefactorsMPEG1 mirrors readScalefactorsMPEG1.
func writeScalefactorsMPEG1(t testing.TB, w *bitWriter, g *granule, scfsi *[4]bool, gr int, sf *scalefactors) {
	t.Helper()
	n1, n2 := slen1[g.sfCompress], slen2[g.sfCompress]
	if g.blockType == blockShort {
		from := 0
		if g.mixed {
			for b := range mixedLongMPEG1 {
				putField(t, w, sf.l[b], n1)
			}
			from = mixedShortFrom
		}
		for b := from; b < 12; b++ {
			n := n1
			if b >= 6 {
				n = n2
			}
			for win := range 3 {
				putField(t, w, sf.s[b][win], n)
			}
		}
		return
	}
	for grp := range 4 {
		if gr == 1 && scfsi[grp] {
			continue
		}
		n := n1
		if grp >= 2 {
			n = n2
		}
		for b := scfsiBands[grp]; b < scfsiBands[grp+1]; b++ {
			putField(t, w, sf.l[b], n)
		}
	}
}

// writeScalefactorsLSF mirrors readScalefactorsLSF.
func writeScalefactorsLSF(t testing.TB, w *bitWriter, g *granule, isRight bool, sf *scalefactors) {
	t.Helper()
	slen, table, _ := lsfSlen(g.sfCompress, isRight)
	kind := 0
	if g.blockType == blockShort {
		kind = 1
		if g.mixed {
			kind = 2
		}
	}
	k := 0
	for p, count := range lsfPartitions[table][kind] {
		for range count {
			var v uint8
			switch {
			case kind == 0 || kind == 2 && k < mixedLongLSF:
				v = sf.l[k]
			default:
				j := k
				if kind == 2 {
					j = k - mixedLongLSF + 3*mixedShortFrom
				}
				v = sf.s[j/3][j%3]
			}
			putField(t, w, v, slen[p])
			k++
		}
	}
}

// writeHuffman writes the big values and count1 regions of tg.
func writeHuffman(t testing.TB, w *bitWriter, tg *testGranule) {
	t.Helper()
	q, g := &tg.q, &tg.g
	bigEnd, count1End := regions(q)
	for i := 0; i < bigEnd; i += 2 {
		r := 0
		for r < 2 && i >= g.regionEnd[r] {
			r++
		}
		writePair(t, w, g.tableSelect[r], q[i], q[i+1])
	}
	for i := bigEnd; i < count1End; i += 4 {
		vwxy := 0
		for k := range 4 {
			if q[i+k] != 0 {
				vwxy |= 8 >> k
			}
		}
		if g.count1TableB {
			w.put(uint32(15-vwxy), 4)
		} else {
			c := count1TableA[vwxy]
			w.put(uint32(c[1]), int(c[0]))
		}
		for k := range 4 {
			if q[i+k] != 0 {
				w.put(b2u(q[i+k] < 0), 1)
			}
		}
	}
}

// writePair writes the pair (x, y) with big value table ts.
func writePair(t testing.TB, w *bitWriter, ts int, x, y int32) {
	t.Helper()
	spec := huffSpecs[ts]
	ax, ay := abs32(x), abs32(y)
	if spec.codes == nil {
		if x != 0 || y != 0 {
			t.Fatalf("values %d, %d in a region of table %d", x, y, ts)
		}
		return
	}
	sym := func(a int32) int {
		if spec.linbits > 0 && a >= 15 {
			if a-15 >= 1<<spec.linbits {
				t.Fatalf("value %d too big for table %d", a, ts)
			}
			return 15
		}
		if int(a) >= spec.size {
			t.Fatalf("value %d too big for table %d", a, ts)
		}
		return int(a)
	}
	sx, sy := sym(ax), sym(ay)
	c := spec.codes[sx*spec.size+sy]
	w.put(uint32(c[1]), int(c[0]))
	for _, v := range [2]int32{x, y} {
		a := abs32(v)
		if spec.linbits > 0 && a >= 15 {
			w.put(uint32(a-15), int(spec.linbits))
		}
		if a != 0 {
			w.put(b2u(v < 0), 1)
		}
	}
}

func abs32(v int32) int32 {
	if v < 0 {
		return -v
	}
	return v
}

// maxValue is the largest |value| table ts codes.
func maxValue(ts int) int32 {
	s := huffSpecs[ts]
	if s.codes == nil {
		return 0
	}
	if s.linbits > 0 {
		return 15 + 1<<s.linbits - 1
	}
	return int32(s.size - 1)
}
