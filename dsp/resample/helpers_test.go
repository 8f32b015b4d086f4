package resample

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
)

// tone returns n frames of a sine of amplitude amp and frequency f Hz at
// rate Hz, the same on every channel but negated on odd channels, so that a
// resampler mixing channels up would be caught.
func tone(rate int, f, amp float64, n, ch int) []float32 {
	s := make([]float32, n*ch)
	for i := range n {
		v := amp * math.Sin(2*math.Pi*f*float64(i)/float64(rate))
		for k := range ch {
			if k%2 == 1 {
				s[i*ch+k] = float32(-v)
			} else {
				s[i*ch+k] = float32(v)
			}
		}
	}
	return s
}

// noise returns n frames of uniform noise in [-1, 1).
func noise(seed uint64, n, ch int) []float32 {
	rng := rand.New(rand.NewPCG(seed, 1))
	s := make([]float32, n*ch)
	for i := range s {
		s[i] = float32(2*rng.Float64() - 1)
	}
	return s
}

// run resamples src in blocks of the given number of frames (all at once
// for 0) and flushes.
func run(r *Resampler, src []float32, block int) []float32 {
	var out []float32
	if block <= 0 {
		out = r.Process(out, src)
	} else {
		step := block * r.channels
		for p := src; len(p) > 0; {
			n := min(step, len(p))
			out = r.Process(out, p[:n])
			p = p[n:]
		}
	}
	return r.Flush(out)
}

// channel returns channel k of interleaved frames as float64.
func channel(s []float32, ch, k int) []float64 {
	c := make([]float64, len(s)/ch)
	for i := range c {
		c[i] = float64(s[i*ch+k])
	}
	return c
}

// fitSine fits a·cos + b·sin at f Hz to y (sampled at rate Hz, y[0] at time
// start/rate) by least squares. It returns the amplitude, the phase error
// against a sine starting at time 0, and the residual's power relative to
// the fitted sine's in dB: THD+N.
func fitSine(y []float64, start, rate int, f float64) (amp, phase, thdn float64) {
	var cc, ss, cs, yc, ys float64
	w := 2 * math.Pi * f / float64(rate)
	for i, v := range y {
		c, s := math.Cos(w*float64(start+i)), math.Sin(w*float64(start+i))
		cc += c * c
		ss += s * s
		cs += c * s
		yc += v * c
		ys += v * s
	}
	det := cc*ss - cs*cs
	a := (yc*ss - ys*cs) / det
	b := (ys*cc - yc*cs) / det
	var res, sig float64
	for i, v := range y {
		fit := a*math.Cos(w*float64(start+i)) + b*math.Sin(w*float64(start+i))
		res += (v - fit) * (v - fit)
		sig += fit * fit
	}
	return math.Hypot(a, b), math.Atan2(a, b), 10 * math.Log10(res/sig)
}

// fft transforms x in place; len(x) is a power of two.
func fft(x []complex128) {
	n := len(x)
	for i, j := 1, 0; i < n; i++ {
		bit := n >> 1
		for ; j&bit != 0; bit >>= 1 {
			j ^= bit
		}
		j ^= bit
		if i < j {
			x[i], x[j] = x[j], x[i]
		}
	}
	for size := 2; size <= n; size <<= 1 {
		step := cmplx.Exp(complex(0, -2*math.Pi/float64(size)))
		for start := 0; start < n; start += size {
			w := complex(1, 0)
			for k := range size / 2 {
				a, b := x[start+k], x[start+k+size/2]*w
				x[start+k], x[start+k+size/2] = a+b, a-b
				w *= step
			}
		}
	}
}

// kaiserWindow returns an n-point Kaiser window; beta 20 puts its sidelobes
// near -190 dB, far below anything the tests measure.
func kaiserWindow(n int, beta float64) []float64 {
	w := make([]float64, n)
	ib := besselI0(beta)
	for i := range w {
		x := 2*float64(i)/float64(n-1) - 1
		w[i] = besselI0(beta*math.Sqrt(max(0, 1-x*x))) / ib
	}
	return w
}
