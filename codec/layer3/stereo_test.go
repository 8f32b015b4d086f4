package layer3

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestIntensityStereo checks stereo processing against the formulas of
// ISO 11172-3 §2.4.3.4.9.3 and 13818-3 §2.4.3.2 worked out here line by
// line, with illegal positions, the last bands' borrowed positions,
// middle/side below the bound and per-window bounds in short blocks.
func TestIntensityStereo(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 13))
	for _, tt := range []struct {
		name  string
		lsf   bool
		ms    bool
		short bool
		scale int // LSF intensity_scale
	}{
		{"mpeg1-long", false, false, false, 0},
		{"mpeg1-long-ms", false, true, false, 0},
		{"mpeg1-short", false, false, true, 0},
		{"mpeg1-short-ms", false, true, true, 0},
		{"lsf-long", true, false, false, 0},
		{"lsf-long-scale", true, false, false, 1},
		{"lsf-short-ms", true, true, true, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := header{lsf: tt.lsf, rate: 0, mode: modeJoint, ms: tt.ms, is: true, channels: 2}
			if tt.lsf {
				h.rate = 3
			}
			var d Decoder
			g := &d.si.gr[0][1]
			d.si.gr[0][0].blockType = blockNormal
			g.sfCompress = tt.scale
			if tt.short {
				g.blockType = blockShort
				d.si.gr[0][0].blockType = blockShort
			}
			sf := &d.sf[1]
			// Positions 0…7; in LSF a field of 3 bits (illegal 7) in the
			// low bands and 2 bits (illegal 3) in the high ones.
			for b := range 22 {
				sf.l[b] = uint8(rng.IntN(8))
				sf.lMax[b] = 7
				if tt.lsf && b >= 11 {
					sf.l[b], sf.lMax[b] = uint8(rng.IntN(4)), 3
				}
			}
			for b := range 13 {
				for w := range 3 {
					sf.s[b][w], sf.sMax[b][w] = uint8(rng.IntN(8)), 7
				}
			}
			long, short := &longBands[h.rate], &shortBands[h.rate]
			// The right channel has values below long band 6 (short: band
			// 4, 7 and 12 in the three windows).
			var bound [3]int
			for i := range 576 {
				d.xr[0][i] = float32(rng.Float64()*2 - 1)
			}
			if tt.short {
				bound = [3]int{4, 7, 13}
				for b := range 13 {
					width := short[b+1] - short[b]
					for w := range 3 {
						if b < bound[w] {
							for i := 3*short[b] + w*width; i < 3*short[b]+(w+1)*width; i++ {
								d.xr[1][i] = float32(rng.Float64()*2 - 1)
							}
						}
					}
				}
			} else {
				for i := range long[6] {
					d.xr[1][i] = float32(rng.Float64()*2 - 1)
				}
				d.xr[1][long[6]-1] = 0.5 // the last non-zero line is in band 5
			}
			d.nz = [2]int{576, 576}
			left, right := d.xr[0], d.xr[1]
			d.stereo(&h, 0)

			// want applies the standard's processing to lines [a, b) given
			// the band's position pos (−1: below the bound).
			wantL, wantR := left, right
			apply := func(a, b, pos int, illegal bool) {
				for i := a; i < b; i++ {
					l, r := float64(left[i]), float64(right[i])
					var kl, kr float64
					switch {
					case pos >= 0 && !illegal && !tt.lsf:
						ratio := math.Tan(float64(pos) * math.Pi / 12)
						kl, kr = ratio/(1+ratio), 1/(1+ratio)
					case pos >= 0 && !illegal:
						i0 := math.Pow(2, -0.25*float64(tt.scale+1))
						kl, kr = 1, 1
						if pos%2 == 1 {
							kl = math.Pow(i0, float64(pos+1)/2)
						} else {
							kr = math.Pow(i0, float64(pos)/2)
						}
					case tt.ms:
						wantL[i] = float32((l + r) / math.Sqrt2)
						wantR[i] = float32((l - r) / math.Sqrt2)
						continue
					default:
						continue
					}
					wantL[i], wantR[i] = float32(l*kl), float32(l*kr)
				}
			}
			if tt.short {
				for b := range 13 {
					width := short[b+1] - short[b]
					for w := range 3 {
						a := 3*short[b] + w*width
						pos, illegal := -1, false
						if b >= bound[w] {
							sb := min(b, 11)
							pos = int(sf.s[sb][w])
							illegal = pos == 7
						}
						apply(a, a+width, pos, illegal)
					}
				}
			} else {
				for b := range 22 {
					pos, illegal := -1, false
					if b >= 6 {
						lb := min(b, 20)
						pos = int(sf.l[lb])
						illegal = pos >= 7 || tt.lsf && pos == int(sf.lMax[lb])
					}
					apply(long[b], long[b+1], pos, illegal)
				}
			}
			for i := range 576 {
				if math.Abs(float64(d.xr[0][i]-wantL[i])) > 1e-6 || math.Abs(float64(d.xr[1][i]-wantR[i])) > 1e-6 {
					t.Fatalf("line %d: got %g, %g; want %g, %g", i, d.xr[0][i], d.xr[1][i], wantL[i], wantR[i])
				}
			}
		})
	}
}
