package layer3

import "math"

// Requantization (ISO 11172-3 §2.4.3.4.7.1): a quantized value v becomes
// sign(v)·|v|^(4/3)·2^(e/4), where the quarter-power exponent e is
//
//	long bands:  global_gain − 210 − m·(scalefac_l + preflag·pretab)
//	short bands: global_gain − 210 − 8·subblock_gain[w] − m·scalefac_s[w]
//
// with m = 2 (scalefac_scale 0) or 4 (scalefac_scale 1).

// maxQuantized is the largest |v|: 15 plus 13 linbits.
const maxQuantized = 15 + 1<<13 - 1

// pow43 is |v|^(4/3); pow2q[e+expBias] is 2^(e/4).
var (
	pow43 [maxQuantized + 1]float32
	pow2q [expBias + 64]float32
)

// expBias covers the smallest exponent, −210 − 8·7 − 4·(15+3) = −338.
const expBias = 512

func init() {
	for i := range pow43 {
		pow43[i] = float32(math.Pow(float64(i), 4.0/3))
	}
	for i := range pow2q {
		pow2q[i] = float32(math.Exp2(float64(i-expBias) / 4))
	}
}

// gain returns 2^(e/4), clamped to the table.
func gain(e int) float32 {
	return pow2q[min(max(e+expBias, 0), len(pow2q)-1)]
}

// requantize turns the quantized values q[:nz] of one granule channel
// into spectral values xr (zero from nz on), in the order they were
// coded: short-block bands stay band by band, window by window, until
// reorder. It returns nz.
func requantize(h *header, g *granule, sf *scalefactors, q *[576]int32, nz int, xr *[576]float32) int {
	nz = min(nz, 576)
	base := g.globalGain - 210
	mult := 2
	if g.sfScale {
		mult = 4
	}
	long := &longBands[h.rate]
	longEnd, shortFrom := nz, 13 // long bands cover all, no short ones
	if g.blockType == blockShort {
		longEnd, shortFrom = 0, 0
		if g.mixed {
			longEnd, shortFrom = long[mixedLong(h.lsf)], mixedShortFrom
		}
	}
	for b := 0; b < 22 && long[b] < min(longEnd, nz); b++ {
		e := int(sf.l[b])
		if g.preflag {
			e += pretab[b]
		}
		dequantize(q[long[b]:min(long[b+1], nz)], xr[long[b]:], gain(base-mult*e))
	}
	short := &shortBands[h.rate]
	for b := shortFrom; b < 13; b++ {
		width := short[b+1] - short[b]
		for w := range 3 {
			start := 3*short[b] + w*width
			if start >= nz {
				break
			}
			e := base - 8*g.subblockGain[w] - mult*int(sf.s[b][w])
			dequantize(q[start:min(start+width, nz)], xr[start:], gain(e))
		}
	}
	clear(xr[nz:])
	return nz
}

// dequantize sets xr[i] = sign(q[i])·|q[i]|^(4/3)·scale. The sign goes
// on as a bit, without a branch: signs in a spectrum are a coin toss
// the branch predictor cannot learn.
func dequantize(q []int32, xr []float32, scale float32) {
	xr = xr[:len(q)]
	for i, v := range q {
		sign := v >> 31 // 0 or −1
		a := min((v^sign)-sign, maxQuantized)
		x := pow43[a] * scale
		xr[i] = math.Float32frombits(math.Float32bits(x) ^ uint32(sign)&0x80000000)
	}
}
