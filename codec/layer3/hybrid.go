package layer3

import "math"

// The hybrid filter bank's first half, per granule channel (ISO 11172-3
// §2.4.3.4.8-10): short bands reordered from coded order (band, window,
// line) to the order the short IMDCTs read (line-interleaved windows),
// then alias reduction between neighbouring long-block subbands.

// reorder puts the short bands of xr into IMDCT order: line j of window
// w in the short band starting at line s goes to 3(s+j)+w. tmp is
// scratch. It returns the new end of the non-zero lines.
func reorder(h *header, g *granule, xr, tmp *[576]float32, nz int) int {
	short := &shortBands[h.rate]
	from := 0
	if g.mixed {
		from = mixedShortFrom
	}
	start, end := 3*short[from], 3*short[from]
	for b := from; b < 13 && 3*short[b] < nz; b++ {
		base, width := 3*short[b], short[b+1]-short[b]
		for w := range 3 {
			src := xr[base+w*width : base+(w+1)*width]
			for j, v := range src {
				tmp[base+3*j+w] = v
			}
		}
		end = 3 * short[b+1]
	}
	copy(xr[start:end], tmp[start:end])
	return max(nz, end)
}

// Alias reduction butterflies: cs = 1/√(1+c²), ca = c/√(1+c²) for the
// coefficients c of §2.4.3.4.10 (Table B.9).
var aliasCS, aliasCA [8]float32

func init() {
	for i, c := range [8]float64{-0.6, -0.535, -0.33, -0.185, -0.095, -0.041, -0.0142, -0.0037} {
		s := math.Sqrt(1 + c*c)
		aliasCS[i] = float32(1 / s)
		aliasCA[i] = float32(c / s)
	}
}

// alias applies the butterflies across the subband boundaries 1 …
// bounds−1 that have non-zero lines near them, and returns the new end
// of the non-zero lines.
func alias(xr *[576]float32, nz, bounds int) int {
	end := nz
	for sb := 1; sb < bounds && 18*sb-8 < nz; sb++ {
		lo := xr[18*sb-8 : 18*sb]
		hi := xr[18*sb : 18*sb+8]
		for i := range 8 {
			a, b := lo[7-i], hi[i]
			lo[7-i] = a*aliasCS[i] - b*aliasCA[i]
			hi[i] = b*aliasCS[i] + a*aliasCA[i]
		}
		end = max(end, 18*sb+8)
	}
	return end
}
