package layer3

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The fast transforms against the formulas of ISO 11172-3, in float64.

// maxRelErr is the largest |got−want| relative to the largest |want|.
func maxRelErr(got []float32, want []float64) float64 {
	var e, m float64
	for i, w := range want {
		e = max(e, math.Abs(float64(got[i])-w))
		m = max(m, math.Abs(w))
	}
	return e / m
}

func randomFloats(rng *rand.Rand, x []float32) {
	for i := range x {
		x[i] = float32(rng.Float64()*2 - 1)
	}
}

func TestDCT32(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		var x, got [32]float32
		randomFloats(rng, x[:])
		dct32(&x, &got)
		want := make([]float64, 32)
		for m := range 32 {
			for k := range 32 {
				want[m] += float64(x[k]) * math.Cos(float64(m*(2*k+1))*math.Pi/64)
			}
		}
		if e := maxRelErr(got[:], want); e > 1e-6 {
			t.Fatalf("dct32: relative error %g", e)
		}
	}
}

func TestDCT4of18(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20 {
		var x, got [18]float32
		randomFloats(rng, x[:])
		dct4of18(&x, &got)
		want := make([]float64, 18)
		for n := range 18 {
			for k := range 18 {
				want[n] += float64(x[k]) * math.Cos(math.Pi/18*(float64(n)+0.5)*(float64(k)+0.5))
			}
		}
		if e := maxRelErr(got[:], want); e > 1e-5 {
			t.Fatalf("dct4of18: relative error %g", e)
		}
	}
}

// imdctRef is §2.4.3.4.10.2: x[i] = Σk X[k]·cos(π/(2n)·(2i+1+n/2)(2k+1)).
func imdctRef(X []float64, n int) []float64 {
	x := make([]float64, n)
	for i := range n {
		for k := range n / 2 {
			x[i] += X[k] * math.Cos(math.Pi/float64(2*n)*float64(2*i+1+n/2)*float64(2*k+1))
		}
	}
	return x
}

// windowRef is the window of block type bt at sample i (§2.4.3.4.10.3).
func windowRef(bt, i int) float64 {
	long := math.Sin(math.Pi / 36 * (float64(i) + 0.5))
	switch bt {
	case blockStart:
		switch {
		case i < 18:
			return long
		case i < 24:
			return 1
		case i < 30:
			return math.Sin(math.Pi / 12 * (float64(i-18) + 0.5))
		}
		return 0
	case blockStop:
		switch {
		case i < 6:
			return 0
		case i < 12:
			return math.Sin(math.Pi / 12 * (float64(i-6) + 0.5))
		case i < 18:
			return 1
		}
	}
	return long
}

// TestIMDCT checks the hybrid filter bank's second half for every block
// type over two granules (so overlap-add and frequency inversion count):
// subband 0 and 1 of each.
func TestIMDCT(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, bt := range []int{blockNormal, blockStart, blockShort, blockStop} {
		g := &granule{blockType: bt}
		var ov [32][18]float32
		var out [18][32]float32
		var prev [2][36]float64 // the reference's last windowed IMDCT per subband
		for range 2 {
			var xr [576]float32
			randomFloats(rng, xr[:36])
			imdct(g, &xr, 36, &ov, &out)
			for sb := range 2 {
				var z [36]float64
				if bt == blockShort {
					for w := range 3 {
						X := make([]float64, 6)
						for k := range 6 {
							X[k] = float64(xr[18*sb+3*k+w]) // reordered: windows interleaved
						}
						y := imdctRef(X, 12)
						for i := range 12 {
							z[6+6*w+i] += y[i] * math.Sin(math.Pi/12*(float64(i)+0.5))
						}
					}
				} else {
					X := make([]float64, 18)
					for k := range 18 {
						X[k] = float64(xr[18*sb+k])
					}
					y := imdctRef(X, 36)
					for i := range 36 {
						z[i] = y[i] * windowRef(bt, i)
					}
				}
				want := make([]float64, 18)
				got := make([]float32, 18)
				for i := range 18 {
					want[i] = z[i] + prev[sb][18+i]
					if sb == 1 && i%2 == 1 {
						want[i] = -want[i]
					}
					got[i] = out[i][sb]
				}
				prev[sb] = z
				if e := maxRelErr(got, want); e > 2e-6 {
					t.Errorf("block type %d subband %d: relative error %g", bt, sb, e)
				}
			}
		}
	}
}

// TestSynthesis runs the filter bank of Figure A.2 literally (V by the
// 64×32 matrix N, a 1024-value shift register, U and the window D) next
// to ours for a few granules of random subband samples.
func TestSynthesis(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var s synth
	var V [1024]float64
	d := func(i int) float64 { // D[i] from the stored half
		switch {
		case i <= 256:
			return float64(synthWindow[i]) / 65536
		case i%64 == 0:
			return float64(synthWindow[512-i]) / 65536
		}
		return -float64(synthWindow[512-i]) / 65536
	}
	out := make([]float32, 2*576)
	for range 3 {
		var in [18][32]float32
		for t := range in {
			for k := range in[t] {
				in[t][k] = float32((rng.Float64()*2 - 1) * 0.02) // no clipping
			}
		}
		s.run(&in, out, 0, false)
		want := make([]float64, 576)
		for t := range 18 {
			copy(V[64:], V[:1024-64])
			for i := range 64 {
				V[i] = 0
				for k := range 32 {
					V[i] += math.Cos(float64((16+i)*(2*k+1))*math.Pi/64) * float64(in[t][k])
				}
			}
			var U [512]float64
			for i := range 8 {
				for j := range 32 {
					U[64*i+j] = V[128*i+j]
					U[64*i+32+j] = V[128*i+96+j]
				}
			}
			for j := range 32 {
				for i := range 16 {
					want[32*t+j] += U[32*i+j] * d(32*i+j)
				}
			}
		}
		got := make([]float32, 576)
		for i := range got {
			got[i] = out[2*i]
		}
		if e := maxRelErr(got, want); e > 1e-5 {
			t.Fatalf("synthesis: relative error %g", e)
		}
	}
	if d(256) != 75038.0/65536 || d(255) != -d(257) || d(64) != d(448) {
		t.Errorf("synthesis window: D[256] = %g, D[255] = %g, D[257] = %g", d(256), d(255), d(257))
	}
}
