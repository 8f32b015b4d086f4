package loudness

import "math"

// biquad holds a second-order section's coefficients, a0 normalised to 1.
type biquad struct{ b0, b1, b2, a1, a2 float64 }

// BS.1770-4, Table 1 (stage 1, the head's shelf) and Table 2 (stage 2, the
// RLB high-pass), at 48 kHz.
var (
	shelf48    = biquad{1.53512485958697, -2.69169618940638, 1.19839281085285, -1.69065929318241, 0.73248077421585}
	highpass48 = biquad{1, -2, 1, -1.99004745483398, 0.99007225036621}
)

// prototype is an analogue biquad in s normalised to its corner w0,
//
//	H(p) = (c2·p² + c1·p + c0) / (p² + p/q + 1),  p = s/w0,
//
// which the bilinear transform pre-warped at w0 (k = tan(w0·T/2)) turns
// into a digital biquad whose response at the corner is the analogue one
// at any rate.
type prototype struct {
	f0, q, c0, c1, c2 float64
}

// analogue inverts the pre-warped bilinear transform: the digital
// denominator gives k and q, the numerator's values at z = 1, z = −1 and
// its odd part give c0, c2 and c1.
func analogue(d biquad, rate float64) prototype {
	n := 1 - d.a1 + d.a2 // a0·(1 − a1 + a2) = 4, before normalisation
	k := math.Sqrt((1 + d.a1 + d.a2) / n)
	kq := 2 * (1 - d.a2) / n // k/q
	a0 := 4 / n
	return prototype{
		f0: rate / math.Pi * math.Atan(k),
		q:  k / kq,
		c0: (d.b0 + d.b1 + d.b2) * a0 / (4 * k * k),
		c1: (d.b0 - d.b2) * a0 / (2 * k),
		c2: (d.b0 - d.b1 + d.b2) * a0 / 4,
	}
}

// digital is the prototype through the bilinear transform at rate,
// pre-warped at its corner.
func (p prototype) digital(rate float64) biquad {
	k := math.Tan(math.Pi * p.f0 / rate)
	k2 := k * k
	a0 := 1 + k/p.q + k2
	return biquad{
		b0: (p.c2 + p.c1*k + p.c0*k2) / a0,
		b1: 2 * (p.c0*k2 - p.c2) / a0,
		b2: (p.c2 - p.c1*k + p.c0*k2) / a0,
		a1: 2 * (k2 - 1) / a0,
		a2: (1 - k/p.q + k2) / a0,
	}
}

// kWeighting returns the two stages for rate.
func kWeighting(rate float64) (shelf, highpass biquad) {
	return analogue(shelf48, 48000).digital(rate), analogue(highpass48, 48000).digital(rate)
}

// response is the biquad's gain at freq Hz, for tests and docs.
func (b biquad) response(freq, rate float64) float64 {
	w := 2 * math.Pi * freq / rate
	c1, s1 := math.Cos(w), math.Sin(w)
	c2, s2 := math.Cos(2*w), math.Sin(2*w)
	nr, ni := b.b0+b.b1*c1+b.b2*c2, -b.b1*s1-b.b2*s2
	dr, di := 1+b.a1*c1+b.a2*c2, -b.a1*s1-b.a2*s2
	return math.Sqrt((nr*nr + ni*ni) / (dr*dr + di*di))
}
