package layer3

import "math"

// Joint stereo processing (ISO 11172-3 §2.4.3.4.9, 13818-3 §2.4.3.2),
// on the requantized spectra in coded order, before reordering.
//
// Middle/side: left = (m+s)/√2, right = (m−s)/√2.
//
// Intensity: above the highest band in which the right channel has a
// non-zero value (per window for short blocks), the left channel carries
// the sum and the right channel's scale factor is a position is_pos that
// splits it. MPEG-1: is_ratio = tan(is_pos·π/12), left·ratio/(1+ratio),
// right·1/(1+ratio); is_pos 7 (or more) is illegal. LSF: with
// i0 = 2^(−1/4), or 2^(−1/2) when intensity_scale is set, an odd is_pos
// scales left by i0^((is_pos+1)/2), an even one right by i0^(is_pos/2);
// the largest value the band's field can hold is illegal. An illegal
// band is coded as middle/side when that is on, else as left/right. The
// last long band (21) and short band (12) have no scale factor and take
// the position of the band below.

var (
	// isMPEG1[p] is {left, right} for is_pos p in 0…6.
	isMPEG1 [7][2]float32
	// isLSF[s][p] is {left, right} for intensity_scale s, is_pos p.
	isLSF [2][32][2]float32
)

const invSqrt2 = float32(1 / math.Sqrt2)

func init() {
	for p := range isMPEG1 {
		s, c := math.Sincos(float64(p) * math.Pi / 12)
		isMPEG1[p] = [2]float32{float32(s / (s + c)), float32(c / (s + c))}
	}
	for s := range isLSF {
		i0 := math.Exp2(-0.25 * float64(s+1))
		for p := range isLSF[s] {
			switch {
			case p == 0:
				isLSF[s][p] = [2]float32{1, 1}
			case p%2 == 1:
				isLSF[s][p] = [2]float32{float32(math.Pow(i0, float64(p+1)/2)), 1}
			default:
				isLSF[s][p] = [2]float32{1, float32(math.Pow(i0, float64(p)/2))}
			}
		}
	}
}

// segment is one scale factor band of one window (win −1: long block),
// lines [start, end) in coded order.
type segment struct {
	start, end int
	band, win  int
}

// stereo applies joint stereo processing to granule gr of a two-channel
// frame, d.xr and d.nz in, d.xr and d.nz out.
func (d *Decoder) stereo(h *header, gr int) {
	left, right := &d.xr[0], &d.xr[1]
	nz := max(d.nz[0], d.nz[1])
	d.nz[0], d.nz[1] = nz, nz
	if !h.is {
		midSide(left[:nz], right[:nz])
		return
	}
	g := &d.si.gr[gr][1] // the right channel's block structure rules
	sf := &d.sf[1]
	segs := d.segments(h, g)

	// last[c] is the last segment of class c (0 long, 1-3 short windows)
	// with a non-zero right-channel value: intensity coding starts after.
	last := [4]int{-1, -1, -1, -1}
	for i, s := range segs {
		if s.start < d.nz[1] && nonZero(right[s.start:s.end]) {
			last[s.win+1] = i
		}
	}
	if last[1] >= 0 || last[2] >= 0 || last[3] >= 0 {
		// A mixed block whose short part has non-zero values keeps its
		// long part below the bound.
		last[0] = len(segs)
	}
	scale := 0
	if h.lsf {
		scale = g.sfCompress & 1
	}
	for i, s := range segs {
		if i > last[s.win+1] {
			var pos, top int
			if s.win < 0 {
				b := min(s.band, 20)
				pos, top = int(sf.l[b]), int(sf.lMax[b])
			} else {
				b := min(s.band, 11)
				pos, top = int(sf.s[b][s.win]), int(sf.sMax[b][s.win])
			}
			var k [2]float32
			legal := false
			if h.lsf {
				legal = pos != top
				k = isLSF[scale][pos&31]
			} else if pos < 7 {
				legal = true
				k = isMPEG1[pos]
			}
			if legal {
				intensity(left[s.start:s.end], right[s.start:s.end], k[0], k[1])
				continue
			}
		}
		if h.ms {
			midSide(left[s.start:s.end], right[s.start:s.end])
		}
	}
}

// segments lists the bands of a granule channel with block structure g
// in coded order, into d.segs.
func (d *Decoder) segments(h *header, g *granule) []segment {
	segs := d.segs[:0]
	long, short := &longBands[h.rate], &shortBands[h.rate]
	nLong, shortFrom := 22, 13
	if g.blockType == blockShort {
		nLong, shortFrom = 0, 0
		if g.mixed {
			nLong, shortFrom = mixedLong(h.lsf), mixedShortFrom
		}
	}
	for b := range nLong {
		segs = append(segs, segment{long[b], long[b+1], b, -1})
	}
	for b := shortFrom; b < 13; b++ {
		width := short[b+1] - short[b]
		for w := range 3 {
			start := 3*short[b] + w*width
			segs = append(segs, segment{start, start + width, b, w})
		}
	}
	return segs
}

func midSide(l, r []float32) {
	r = r[:len(l)]
	for i, m := range l {
		s := r[i]
		l[i] = (m + s) * invSqrt2
		r[i] = (m - s) * invSqrt2
	}
}

func intensity(l, r []float32, kl, kr float32) {
	r = r[:len(l)]
	for i, v := range l {
		l[i] = v * kl
		r[i] = v * kr
	}
}

func nonZero(x []float32) bool {
	for _, v := range x {
		if v != 0 {
			return true
		}
	}
	return false
}
