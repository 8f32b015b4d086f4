package layer3

// Scale factors (part 2 of a granule's main data): MPEG-1 per ISO
// 11172-3 §2.4.2.7 and §2.4.3.4.5, the LSF extensions per 13818-3
// §2.4.3.2.

// scalefactors holds one channel's scale factors. Long band 21 and short
// band 12 carry none and stay zero.
type scalefactors struct {
	l [22]uint8
	s [13][3]uint8
	// lMax and sMax are the largest value each band's field could hold,
	// 2^slen − 1: in the right channel of LSF intensity stereo it marks
	// an illegal intensity position (13818-3 §2.4.3.2).
	lMax [22]uint8
	sMax [13][3]uint8
}

// slen1 and slen2 are the MPEG-1 field widths by scalefac_compress.
var (
	slen1 = [16]int{0, 0, 0, 0, 3, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4}
	slen2 = [16]int{0, 1, 2, 3, 0, 1, 2, 3, 1, 2, 3, 1, 2, 3, 2, 3}
)

// scfsiBands are the four band groups scfsi refers to (long blocks).
var scfsiBands = [5]int{0, 6, 11, 16, 21}

// readScalefactorsMPEG1 reads a channel's MPEG-1 scale factors. In
// granule 1, long-block band groups whose scfsi bit is set keep granule
// 0's values.
func readScalefactorsMPEG1(r *bitReader, g *granule, scfsi *[4]bool, gr int, sf *scalefactors) {
	n1, n2 := slen1[g.sfCompress], slen2[g.sfCompress]
	if g.blockType == blockShort {
		from := 0
		if g.mixed {
			for b := range mixedLongMPEG1 {
				sf.l[b] = uint8(r.read(n1))
			}
			from = mixedShortFrom
		}
		for b := from; b < 12; b++ {
			n := n1
			if b >= 6 {
				n = n2
			}
			for w := range 3 {
				sf.s[b][w] = uint8(r.read(n))
			}
		}
		sf.s[12] = [3]uint8{}
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
			sf.l[b] = uint8(r.read(n))
		}
	}
	sf.l[21] = 0
}

// lsfSlen decodes an LSF scalefac_compress c into the widths of the four
// partitions' fields, the lsfPartitions row and preflag.
func lsfSlen(c int, isRight bool) (slen [4]int, table int, preflag bool) {
	if isRight {
		c >>= 1 // the low bit is intensity_scale
		switch {
		case c < 180:
			return [4]int{c / 36, (c % 36) / 6, c % 6, 0}, 3, false
		case c < 244:
			c -= 180
			return [4]int{(c % 64) >> 4, (c % 16) >> 2, c % 4, 0}, 4, false
		default:
			c -= 244
			return [4]int{c / 3, c % 3, 0, 0}, 5, false
		}
	}
	switch {
	case c < 400:
		return [4]int{(c >> 4) / 5, (c >> 4) % 5, (c & 15) >> 2, c & 3}, 0, false
	case c < 500:
		c -= 400
		return [4]int{(c >> 2) / 5, (c >> 2) % 5, c & 3, 0}, 1, false
	default:
		c -= 500
		return [4]int{c / 3, c % 3, 0, 0}, 2, true
	}
}

// lsfPartitions is nr_of_sfb_block (13818-3 §2.4.3.2):
// how many scale factors each of the four slen fields covers, by the
// table scalefac_compress selects (three for ordinary channels, three
// for the intensity-coded right channel) and by block kind (long,
// short, mixed). Short-block counts are band-windows, 3 per band; a
// mixed block's first partition starts with its 6 long bands.
var lsfPartitions = [6][3][4]int{
	{{6, 5, 5, 5}, {9, 9, 9, 9}, {6, 9, 9, 9}},
	{{6, 5, 7, 3}, {9, 9, 12, 6}, {6, 9, 12, 6}},
	{{11, 10, 0, 0}, {18, 18, 0, 0}, {15, 18, 0, 0}},
	{{7, 7, 7, 0}, {12, 12, 12, 0}, {6, 15, 12, 0}},
	{{6, 6, 6, 3}, {12, 9, 9, 6}, {6, 12, 9, 6}},
	{{8, 8, 5, 0}, {15, 12, 9, 0}, {6, 18, 9, 0}},
}

// readScalefactorsLSF reads a channel's MPEG-2/2.5 scale factors.
// isRight says the channel is the right one of an intensity stereo
// frame, which codes scalefac_compress differently. It sets g.preflag,
// which LSF derives from scalefac_compress.
func readScalefactorsLSF(r *bitReader, g *granule, isRight bool, sf *scalefactors) {
	slen, table, preflag := lsfSlen(g.sfCompress, isRight)
	g.preflag = preflag
	kind := 0
	if g.blockType == blockShort {
		kind = 1
		if g.mixed {
			kind = 2
		}
	}
	// k counts the scale factors read so far; where the k-th one goes
	// depends on the block kind.
	k := 0
	for p, count := range lsfPartitions[table][kind] {
		n := slen[p]
		top := uint8(1<<n - 1)
		for range count {
			v := uint8(r.read(n))
			switch {
			case kind == 0:
				sf.l[k], sf.lMax[k] = v, top
			case kind == 2 && k < mixedLongLSF:
				sf.l[k], sf.lMax[k] = v, top
			default:
				j := k
				if kind == 2 {
					j = k - mixedLongLSF + 3*mixedShortFrom
				}
				sf.s[j/3][j%3], sf.sMax[j/3][j%3] = v, top
			}
			k++
		}
	}
	// The bands without scale factors: long 21 (and, for long blocks,
	// nothing else), short 12.
	sf.l[21], sf.lMax[21] = 0, 0
	sf.s[12], sf.sMax[12] = [3]uint8{}, [3]uint8{}
}
