package layer3

import "math"

// The hybrid filter bank's second half (ISO 11172-3 §2.4.3.4.10): per
// subband an IMDCT of 18 lines to 36 samples (or three of 6 lines to 12
// for short blocks), windowed by block type and overlapped with the
// previous granule's second half; then frequency inversion of the odd
// subbands.
//
// The 36-point IMDCT x[i] = Σk X[k]·cos(π/72·(2i+19)(2k+1)) is a DCT-IV
// of size 18, y[n] = Σk X[k]·cos(π/18·(n+½)(k+½)), read as
// x = (y[9…17], −y[17…0], −y[0…8]); the 12-point one likewise a 6-point
// DCT-IV read as (y[3…5], −y[5…0], −y[0…2]).
//
// The 18-point DCT-IV is computed through DCT-IIIs: with v[m] =
// x[m] + x[m−1] (x[−1] = 0), 2cos(π(2n+1)/72)·y[n] is the DCT-III
// Z[n] = Σm v[m]·cos(π(2n+1)m/36), whose even inputs make a 9-point
// DCT-III E and odd ones a 9-point DCT-IV O (the same trick again):
// Z[n] = E[n] + O[n], Z[17−n] = E[n] − O[n]. A 9-point DCT-III pairs its
// outputs n and 8−n, which share the products up to the sign of the odd
// terms. About 150 operations instead of 648.

var (
	// imdctWin[t] is the 36-sample window of block type t (0, 1, 3;
	// short blocks use shortWin on each of their three IMDCTs).
	imdctWin [4][36]float32
	shortWin [12]float32
	dct6Cos  [6][6]float32
	// cos9[n][m] = cos(π(2n+1)m/18) for the 9-point DCT-III.
	cos9 [4][9]float32
	// scale9[n] = 1/(2cos(π(2n+1)/36)), scale18[n] = 1/(2cos(π(2n+1)/72)):
	// the DCT-IV from DCT-III factors.
	scale9  [9]float32
	scale18 [18]float32
)

func init() {
	for i := range 36 {
		long := float32(math.Sin(math.Pi / 36 * (float64(i) + 0.5)))
		imdctWin[blockNormal][i] = long
		switch {
		case i < 18:
			imdctWin[blockStart][i] = long
		case i < 24:
			imdctWin[blockStart][i] = 1
		case i < 30:
			imdctWin[blockStart][i] = float32(math.Sin(math.Pi / 12 * (float64(i-18) + 0.5)))
		}
		switch {
		case i >= 18:
			imdctWin[blockStop][i] = long
		case i >= 12:
			imdctWin[blockStop][i] = 1
		case i >= 6:
			imdctWin[blockStop][i] = float32(math.Sin(math.Pi / 12 * (float64(i-6) + 0.5)))
		}
	}
	for i := range shortWin {
		shortWin[i] = float32(math.Sin(math.Pi / 12 * (float64(i) + 0.5)))
	}
	for n := range 4 {
		for m := range 9 {
			cos9[n][m] = float32(math.Cos(math.Pi * float64((2*n+1)*m) / 18))
		}
	}
	for n := range 9 {
		scale9[n] = float32(1 / (2 * math.Cos(math.Pi*float64(2*n+1)/36)))
	}
	for n := range 18 {
		scale18[n] = float32(1 / (2 * math.Cos(math.Pi*float64(2*n+1)/72)))
	}
	for n := range 6 {
		for k := range 6 {
			dct6Cos[n][k] = float32(math.Cos(math.Pi / 6 * (float64(n) + 0.5) * (float64(k) + 0.5)))
		}
	}
}

// imdct runs the IMDCTs of one granule channel: xr (after reorder and
// alias reduction, non-zero below nz) to out[t][sb], time slot by
// subband as the synthesis filter bank reads them, through overlap.
func imdct(g *granule, xr *[576]float32, nz int, overlap *[32][18]float32, out *[18][32]float32) {
	longSB := 32
	if g.blockType == blockShort {
		longSB = 0
		if g.mixed {
			longSB = 2
		}
	}
	for sb := range 32 {
		ov := &overlap[sb]
		var z [18]float32 // this granule's half
		switch {
		case 18*sb >= nz:
			// No input: the output is last granule's tail alone.
			z, *ov = *ov, [18]float32{}
		case sb < longSB:
			bt := g.blockType
			if bt == blockShort { // the long subbands of a mixed block
				bt = blockNormal
			}
			imdct36((*[18]float32)(xr[18*sb:]), &imdctWin[bt], ov, &z)
		default:
			imdct12x3((*[18]float32)(xr[18*sb:]), ov, &z)
		}
		if sb&1 == 1 {
			// Frequency inversion: odd subbands' odd samples change sign.
			for t := 1; t < 18; t += 2 {
				z[t] = -z[t]
			}
		}
		for t := range 18 {
			out[t][sb] = z[t]
		}
	}
}

// imdct36 is one long-block IMDCT: out = first half + ov, ov = second
// half, both windowed by win.
func imdct36(x *[18]float32, win *[36]float32, ov, out *[18]float32) {
	var y [18]float32
	dct4of18(x, &y)
	for i := range 9 {
		out[i] = ov[i] + y[i+9]*win[i]
		out[i+9] = ov[i+9] - y[17-i]*win[i+9]
		ov[i] = -y[8-i] * win[i+18]
		ov[i+9] = -y[i] * win[i+27]
	}
}

// imdct12x3 is a short-block subband: three 12-point IMDCTs over the
// interleaved windows x[3k+w], windowed and overlapped at 6, 12 and 18
// of the 36 samples.
func imdct12x3(x *[18]float32, ov, out *[18]float32) {
	var z [36]float32
	for w := range 3 {
		var y [6]float32
		for n := range 6 {
			c := &dct6Cos[n]
			var s float32
			for k := range 6 {
				s += x[3*k+w] * c[k]
			}
			y[n] = s
		}
		o := z[6+6*w : 18+6*w]
		for i := range 3 {
			o[i] += y[i+3] * shortWin[i]
			o[i+9] -= y[i] * shortWin[i+9]
		}
		for i := range 6 {
			o[i+3] -= y[5-i] * shortWin[i+3]
		}
	}
	for i := range 18 {
		out[i] = ov[i] + z[i]
		ov[i] = z[i+18]
	}
}

// dct4of18 is the 18-point DCT-IV y[n] = Σk x[k]·cos(π/18·(n+½)(k+½)).
func dct4of18(x, y *[18]float32) {
	var e, w [9]float32
	// e: v's even entries; w: the DCT-III input for v's odd entries o,
	// w[p] = o[p] + o[p−1] with o[p] = v[2p+1].
	e[0] = x[0]
	prev := x[1] + x[0] // o[0]
	w[0] = prev
	for p := 1; p < 9; p++ {
		e[p] = x[2*p] + x[2*p-1]
		o := x[2*p+1] + x[2*p]
		w[p] = o + prev
		prev = o
	}
	var E, W [9]float32
	dct3of9(&e, &E)
	dct3of9(&w, &W)
	for n := range 9 {
		o := W[n] * scale9[n]
		y[n] = (E[n] + o) * scale18[n]
		y[17-n] = (E[n] - o) * scale18[17-n]
	}
}

// dct3of9 is the 9-point DCT-III z[n] = Σm u[m]·cos(π(2n+1)m/18).
func dct3of9(u, z *[9]float32) {
	for n := range 4 {
		c := &cos9[n]
		even := u[0] + u[2]*c[2] + u[4]*c[4] + u[6]*c[6] + u[8]*c[8]
		odd := u[1]*c[1] + u[3]*c[3] + u[5]*c[5] + u[7]*c[7]
		z[n] = even + odd
		z[8-n] = even - odd
	}
	z[4] = u[0] - u[2] + u[4] - u[6] + u[8]
}
