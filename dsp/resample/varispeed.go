package resample

// Varispeed reads a stereo stream at any fractional position, for a
// reader that must run a little faster or slower than its source (a
// producer on another clock). It uses an interpolated polyphase table of
// the quality's filter, so a moving position adds no audible error the
// way a low-order interpolation would.
type Varispeed struct {
	t    table
	half int
}

// NewVarispeed makes a reader with q's filter.
func NewVarispeed(q Quality) *Varispeed {
	if q != Best && q != Fast {
		panic("resample: unknown quality")
	}
	// A ratio too fine for an exact table gives an interpolated one with
	// interpPhases rows at the input rate's cutoff.
	t := newTable(1<<20, 1<<20, q.design())
	return &Varispeed{t: t, half: t.taps / 2}
}

// Half is how many frames the filter reaches each side of a position: the
// output at frame n + frac needs frames n-Half+1 … n+Half.
func (v *Varispeed) Half() int { return v.half }

// At returns the stereo output at frame Half-1 of x plus frac (0 ≤ frac <
// 1), where x holds 2·Half interleaved stereo frames.
func (v *Varispeed) At(x []float32, frac float64) (float32, float32) {
	taps := v.t.taps
	p := frac * float64(v.t.rows)
	row := int(p)
	if row >= v.t.rows {
		row = v.t.rows - 1
	}
	f := float32(p - float64(row))
	c0 := v.t.coef[row*taps : row*taps+taps]
	c1 := v.t.coef[row*taps+taps : row*taps+2*taps]
	x = x[:2*taps]
	l0, r0 := dot2(c0, x)
	l1, r1 := dot2(c1, x)
	return l0 + f*(l1-l0), r0 + f*(r1-r0)
}
