package resample

import (
	"bytes"
	"strconv"
)

// Quality selects the length of the filter, trading stopband attenuation and
// passband width for CPU time.
type Quality int

// Qualities. The zero value is Best.
const (
	// Best is a 64-tap filter: flat within 0.05 dB to 0.408 of the lower
	// rate (18 kHz at 44.1 kHz), at least 100 dB down from half the lower rate.
	Best Quality = iota
	// Fast is a 32-tap filter for weak CPUs such as a Raspberry Pi, about
	// twice as fast as Best: flat within 0.05 dB to 0.363 of the lower rate
	// (16 kHz at 44.1 kHz), at least 74 dB down from half the lower rate.
	Fast
)

// String returns "best" or "fast", the names UnmarshalText accepts.
func (q Quality) String() string {
	switch q {
	case Best:
		return "best"
	case Fast:
		return "fast"
	}
	return "Quality(" + strconv.Itoa(int(q)) + ")"
}

// MarshalText returns the quality's name.
func (q Quality) MarshalText() ([]byte, error) {
	if q != Best && q != Fast {
		return nil, ErrUnknownQuality
	}
	return []byte(q.String()), nil
}

// UnmarshalText accepts "best" and "fast", in any case.
func (q *Quality) UnmarshalText(text []byte) error {
	switch {
	case bytes.EqualFold(text, []byte("best")):
		*q = Best
	case bytes.EqualFold(text, []byte("fast")):
		*q = Fast
	default:
		return ErrUnknownQuality
	}
	return nil
}

// design holds the filter parameters of a quality, found by searching cutoff
// and Kaiser beta for the deepest stopband (from half the lower rate up) that
// keeps the passband within 0.05 dB of flat.
type design struct {
	taps   int     // filter length in periods of the lower rate
	cutoff float64 // -6 dB point as a fraction of the lower rate
	beta   float64 // Kaiser window parameter
}

func (q Quality) design() design {
	if q == Fast {
		return design{taps: 32, cutoff: 0.425, beta: 7.5}
	}
	return design{taps: 64, cutoff: 0.4475, beta: 10.5}
}
