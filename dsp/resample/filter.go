package resample

import "math"

const (
	// maxExact is the most coefficients an exact table may hold (512 KiB);
	// a ratio needing more gets an interpolated table.
	maxExact = 1 << 17
	// interpPhases is the phase resolution of an interpolated table when
	// upsampling. Linear interpolation between phases 1/512 of an input
	// period apart errs by about (2π·0.45/512)²/8 of a coefficient: -110 dB.
	interpPhases = 512
)

// table is a polyphase filter: row r holds the taps coefficients that weigh
// input frames n-half+1 … n+half for an output at input time n + r/rows.
type table struct {
	coef   []float32
	taps   int  // coefficients per row, a multiple of 4 (the kernels' unrolling)
	rows   int  // phases; an interpolated table has one more row, for r/rows = 1
	interp bool // rows is not the ratio's L: interpolate between rows
}

// newTable designs the filter for out/in = l/m (in lowest terms).
func newTable(l, m int, d design) table {
	// Count the filter's length in periods of the lower rate, so that
	// downsampling uses in/out times more input frames and keeps the
	// transition band in place; round half the length up to an even number.
	half := d.taps / 2
	fc := d.cutoff // cycles per input frame
	if m > l {
		half = 2 * int((int64(d.taps)*int64(m)+4*int64(l)-1)/(4*int64(l)))
		fc *= float64(l) / float64(m)
	}
	t := table{taps: 2 * half, rows: l}
	if int64(l)*int64(t.taps) > maxExact {
		t.interp = true
		t.rows = interpPhases
		if m > l {
			// A slower kernel (lower cutoff in input frames) needs
			// proportionally fewer phases for the same accuracy.
			t.rows = max(4, int((int64(interpPhases)*int64(l)+int64(m)-1)/int64(m)))
		}
	}
	n := t.rows
	if t.interp {
		n++
	}
	t.coef = make([]float32, n*t.taps)
	row := make([]float64, t.taps)
	ib := besselI0(d.beta)
	for r := range n {
		frac := float64(r) / float64(t.rows)
		var sum float64
		for i := range row {
			// Distance from the output's time to input frame n-half+1+i.
			x := frac + float64(half-1-i)
			row[i] = 2 * fc * sinc(2*fc*x) * kaiser(x/float64(half), d.beta, ib)
			sum += row[i]
		}
		// Every phase sums to exactly 1, so DC passes unchanged and no
		// phase-dependent gain modulates a steady signal.
		for i, v := range row {
			t.coef[r*t.taps+i] = float32(v / sum)
		}
	}
	return t
}

// sinc is sin(πx)/(πx).
func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

// kaiser is the Kaiser window at x in [-1, 1]; ib is besselI0(beta).
func kaiser(x, beta, ib float64) float64 {
	if x <= -1 || x >= 1 {
		return 0
	}
	return besselI0(beta*math.Sqrt(1-x*x)) / ib
}

// besselI0 is the modified Bessel function of the first kind, order 0, from
// its power series, which converges fast for the arguments a window uses.
func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; k < 500; k++ {
		f := x / (2 * float64(k))
		term *= f * f
		sum += term
		if term < sum*1e-17 {
			break
		}
	}
	return sum
}
