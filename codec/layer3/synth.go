package layer3

import "math"

// The polyphase synthesis filter bank (ISO 11172-3 §2.4.3.2.2, Figure
// A.2): per time slot, 32 subband samples S[k] make 64 new values of the
// vector V,
//
//	V[i] = Σk cos((16+i)(2k+1)π/64)·S[k],  i = 0 … 63,
//
// which join the last 15 slots' Vs; 32 output samples are windowed sums
// over them with the 512 coefficients D.
//
// The matrixing is a 32-point DCT-II, A[m] = Σk S[k]·cos(m(2k+1)π/64),
// read out through the cosine's symmetries in m (cos of (64−m) and of
// (m+64) are −cos of m, for odd 2k+1):
//
//	V[i] = A[16+i] (0 ≤ i < 16), 0 (i = 16), −A[48−i] (16 < i ≤ 48), −A[i−48] (i > 48)
//
// The DCT is Lee's recursive factorisation: 80 multiplications instead of
// 2048.

// synthDT is D by output sample: synthDT[j][2i] = D[64i+j] multiplies
// slot t−2i's V[j], synthDT[j][2i+1] = D[64i+32+j] slot t−2i−1's
// V[32+j].
var synthDT [32][16]float32

func init() {
	for i := range 512 {
		var d int32
		switch {
		case i <= 256:
			d = synthWindow[i]
		case i%64 == 0:
			d = synthWindow[512-i]
		default:
			d = -synthWindow[512-i]
		}
		j, m := i%32, i/64*2+i/32%2
		synthDT[j][m] = float32(d) / 65536
	}
}

// synth is one channel's synthesis filter bank state: the last 16 V
// vectors, laid out so that each output sample's 16 values sit side by
// side. Slot p (pos the newest, pos+m the one m slots back, mod 16) is
// stored at column p and again at p+16, so that the columns pos …
// pos+15 are the window in order. An output sample takes V[j] from the
// slots an even number back and V[32+j] from the others; with pos even
// those are the even slots, which even[j] holds as V[j] and the odd ones
// as V[32+j]; odd is the other way round, for odd pos.
type synth struct {
	even, odd [32][32]float32
	pos       int
}

// run turns 18 slots of 32 subband samples into 576 PCM samples, written
// to out[2n+ch] (and out[2n+1] too when dup is set: mono on both sides),
// clamped to [−1, 1].
func (s *synth) run(in *[18][32]float32, out []float32, ch int, dup bool) {
	out = out[:2*576]
	for t := range in {
		s.pos = (s.pos - 1) & 15
		p := s.pos
		var a [32]float32
		dct32(&in[t], &a)
		// V[j] and V[32+j] of the new slot, from A's symmetries.
		same, other := &s.even, &s.odd
		if p&1 == 1 {
			same, other = other, same
		}
		for j := range 32 {
			var lo, hi float32 // V[j], V[32+j]
			switch {
			case j < 16:
				lo, hi = a[16+j], -a[16-j]
			case j == 16:
				lo, hi = 0, -a[0]
			default:
				lo, hi = -a[48-j], -a[j-16]
			}
			same[j][p], same[j][p+16] = lo, lo
			other[j][p], other[j][p+16] = hi, hi
		}
		win := same
		o := out[64*t : 64*t+64]
		for j := range 32 {
			v := (*[16]float32)(win[j][p:])
			d := &synthDT[j]
			// Four partial sums keep four additions in flight.
			a0 := v[0]*d[0] + v[1]*d[1] + v[2]*d[2] + v[3]*d[3]
			a1 := v[4]*d[4] + v[5]*d[5] + v[6]*d[6] + v[7]*d[7]
			a2 := v[8]*d[8] + v[9]*d[9] + v[10]*d[10] + v[11]*d[11]
			a3 := v[12]*d[12] + v[13]*d[13] + v[14]*d[14] + v[15]*d[15]
			x := min(max((a0+a1)+(a2+a3), -1), 1)
			o[2*j+ch] = x
			if dup {
				o[2*j+1] = x
			}
		}
	}
}

// dctScale[n][k] = 1/(2·cos((2k+1)π/(2n))) for the n-point stage.
var (
	dctScale32 [16]float32
	dctScale16 [8]float32
	dctScale8  [4]float32
	dctScale4  [2]float32
	dctScale2  float32
)

func init() {
	scale := func(n, k int) float32 {
		return float32(1 / (2 * math.Cos(float64(2*k+1)*math.Pi/float64(2*n))))
	}
	for k := range 16 {
		dctScale32[k] = scale(32, k)
	}
	for k := range 8 {
		dctScale16[k] = scale(16, k)
	}
	for k := range 4 {
		dctScale8[k] = scale(8, k)
	}
	for k := range 2 {
		dctScale4[k] = scale(4, k)
	}
	dctScale2 = scale(2, 0)
}

// Each dctN computes the unnormalised N-point DCT-II of x into X, from
// two of half the size: the sums x[k]+x[N−1−k] give the even outputs,
// the differences scaled by 1/(2cos((2k+1)π/2N)) give H, and the odd
// outputs are H[m]+H[m+1].

func dct32(x, X *[32]float32) {
	var g, h, G, H [16]float32
	for k := range 16 {
		a, b := x[k], x[31-k]
		g[k] = a + b
		h[k] = (a - b) * dctScale32[k]
	}
	dct16(&g, &G)
	dct16(&h, &H)
	for m := range 15 {
		X[2*m] = G[m]
		X[2*m+1] = H[m] + H[m+1]
	}
	X[30], X[31] = G[15], H[15]
}

func dct16(x, X *[16]float32) {
	var g, h, G, H [8]float32
	for k := range 8 {
		a, b := x[k], x[15-k]
		g[k] = a + b
		h[k] = (a - b) * dctScale16[k]
	}
	dct8(&g, &G)
	dct8(&h, &H)
	for m := range 7 {
		X[2*m] = G[m]
		X[2*m+1] = H[m] + H[m+1]
	}
	X[14], X[15] = G[7], H[7]
}

func dct8(x, X *[8]float32) {
	var g, h, G, H [4]float32
	for k := range 4 {
		a, b := x[k], x[7-k]
		g[k] = a + b
		h[k] = (a - b) * dctScale8[k]
	}
	dct4(&g, &G)
	dct4(&h, &H)
	for m := range 3 {
		X[2*m] = G[m]
		X[2*m+1] = H[m] + H[m+1]
	}
	X[6], X[7] = G[3], H[3]
}

func dct4(x, X *[4]float32) {
	g0, g1 := x[0]+x[3], x[1]+x[2]
	h0, h1 := (x[0]-x[3])*dctScale4[0], (x[1]-x[2])*dctScale4[1]
	// Two-point DCTs: (a+b, (a−b)/(2cos(π/4))).
	G0, G1 := g0+g1, (g0-g1)*dctScale2
	H0, H1 := h0+h1, (h0-h1)*dctScale2
	X[0], X[1], X[2], X[3] = G0, H0+H1, G1, H1
}
