package layer3

import "fmt"

// Block types (ISO 11172-3 §2.4.2.7 block_type).
const (
	blockNormal = 0
	blockStart  = 1
	blockShort  = 2
	blockStop   = 3
)

// granule is the side information of one granule of one channel, with
// the Huffman region boundaries worked out.
type granule struct {
	part23Len    int // bits of scale factors and Huffman data
	bigValues    int // pairs in the big values region
	globalGain   int
	sfCompress   int // scalefac_compress: 4 bits MPEG-1, 9 bits LSF
	blockType    int
	mixed        bool // mixed_block_flag: long bands below, short above
	tableSelect  [3]int
	subblockGain [3]int
	preflag      bool
	sfScale      bool // scalefac_scale
	count1TableB bool // count1table_select

	// regionEnd is where each big values region ends (line index, even,
	// at most 2*bigValues): regions 0 and 1 end at scale factor band
	// boundaries, region 2 at the end of the big values.
	regionEnd [3]int
}

// sideInfo is a frame's side information (§2.4.1.7).
type sideInfo struct {
	mainDataBegin int        // bytes back into the reservoir
	scfsi         [2][4]bool // MPEG-1: granule 1 reuses these band groups' scale factors
	gr            [2][2]granule
}

// parseSideInfo reads the side information of a frame with header h from
// b (exactly sideInfoLen bytes, plus 8 bytes of slack) and checks it.
func parseSideInfo(h *header, b []byte, si *sideInfo) error {
	r := bitReader{buf: b, end: 8 * h.sideInfoLen()}
	if h.lsf {
		si.mainDataBegin = r.read(8)
		r.read(h.channels) // private bits
	} else {
		si.mainDataBegin = r.read(9)
		r.read(7 - 2*h.channels) // private bits: 5 mono, 3 stereo
		for ch := range h.channels {
			for band := range 4 {
				si.scfsi[ch][band] = r.read(1) == 1
			}
		}
	}
	for gr := range h.granules() {
		for ch := range h.channels {
			g := &si.gr[gr][ch]
			g.part23Len = r.read(12)
			g.bigValues = r.read(9)
			g.globalGain = r.read(8)
			if h.lsf {
				g.sfCompress = r.read(9)
			} else {
				g.sfCompress = r.read(4)
			}
			if r.read(1) == 1 { // window_switching_flag
				g.blockType = r.read(2)
				g.mixed = r.read(1) == 1
				g.tableSelect[0] = r.read(5)
				g.tableSelect[1] = r.read(5)
				g.tableSelect[2] = 0
				for w := range 3 {
					g.subblockGain[w] = r.read(3)
				}
				if g.blockType == blockNormal {
					return fmt.Errorf("%w: window switching with block type 0", ErrInvalidFrame)
				}
				// Region 0 ends at short band 3 of every window for short
				// blocks (long band 8 for start and stop blocks); region 1
				// takes the rest and there is no region 2 (§2.4.2.7).
				if g.blockType == blockShort {
					g.regionEnd[0] = 3 * shortBands[h.rate][3]
				} else {
					g.regionEnd[0] = longBands[h.rate][8]
				}
				g.regionEnd[1] = 576
			} else {
				g.blockType = blockNormal
				g.mixed = false
				for i := range 3 {
					g.tableSelect[i] = r.read(5)
				}
				r0 := r.read(4)
				r1 := r.read(3)
				g.regionEnd[0] = longBands[h.rate][min(r0+1, 22)]
				g.regionEnd[1] = longBands[h.rate][min(r0+r1+2, 22)]
			}
			if h.lsf {
				g.preflag = false // from scalefac_compress instead
			} else {
				g.preflag = r.read(1) == 1
			}
			g.sfScale = r.read(1) == 1
			g.count1TableB = r.read(1) == 1

			if g.bigValues > 288 {
				return fmt.Errorf("%w: big_values %d past 576 lines", ErrInvalidFrame, g.bigValues)
			}
			bigEnd := 2 * g.bigValues
			g.regionEnd[0] = min(g.regionEnd[0], bigEnd)
			g.regionEnd[1] = min(g.regionEnd[1], bigEnd)
			g.regionEnd[2] = bigEnd
			start := 0
			for i, end := range g.regionEnd {
				if end > start && !bigTables[g.tableSelect[i]].valid {
					return fmt.Errorf("%w: Huffman table %d does not exist", ErrInvalidFrame, g.tableSelect[i])
				}
				start = max(start, end)
			}
		}
	}
	return nil
}
