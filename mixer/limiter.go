package mixer

// limiter keeps the sum within ±ceiling without clipping: it looks a few
// milliseconds ahead and ramps the gain down before a peak arrives, then
// lets it back up slowly. A crossfade of two loud tracks sums to as much as
// √2 of either, which is where it works; most of the time it passes audio
// through unchanged, one block behind nothing (its delay is its look-ahead).
type limiter struct {
	ceiling float32
	ahead   int       // look-ahead in frames
	release float32   // gain recovered per frame
	need    []float32 // ring: gain each queued frame needs (≤ 1)
	delay   []float32 // ring: queued frames, interleaved stereo
	pos     int
	loud    int // queued frames that need a gain below 1
	gain    float32
	hold    int // frames before the gain may rise again
	holdFor int
}

func newLimiter(rate int) *limiter {
	ahead := rate / 500 // 2 ms
	return &limiter{
		ceiling: 0.97, // about −0.26 dBFS: room for the encoder's overshoot
		ahead:   ahead,
		release: 1 / (0.15 * float32(rate)), // full recovery in 150 ms
		need:    fill(make([]float32, ahead), 1),
		delay:   make([]float32, 2*ahead),
		gain:    1,
		// Holding the gain for longer than a bass cycle keeps it from
		// rising and falling within each cycle of a loud low tone, which
		// would distort it.
		holdFor: rate / 25, // 40 ms
	}
}

func fill(s []float32, v float32) []float32 {
	for i := range s {
		s[i] = v
	}
	return s
}

// process limits buf (interleaved stereo) in place. Output lags input by
// the look-ahead.
func (l *limiter) process(buf []float32) {
	for i := 0; i+1 < len(buf); i += 2 {
		left, right := buf[i], buf[i+1]
		peak := max(abs32(left), abs32(right))
		need := float32(1)
		if peak > l.ceiling {
			need = l.ceiling / peak
		}
		// Swap the newest frame in for the oldest, which goes out now.
		outL, outR, outNeed := l.delay[2*l.pos], l.delay[2*l.pos+1], l.need[l.pos]
		if outNeed < 1 {
			l.loud--
		}
		if need < 1 {
			l.loud++
		}
		l.delay[2*l.pos], l.delay[2*l.pos+1] = left, right
		l.need[l.pos] = need
		l.pos++
		if l.pos == l.ahead {
			l.pos = 0
		}
		g := min(l.gain+l.release, 1)
		if l.hold > 0 {
			l.hold--
			g = l.gain
		}
		g = min(g, outNeed)
		if l.loud > 0 {
			l.hold = l.holdFor
			// The gain for the outgoing frame: a straight ramp down to each
			// queued frame's need, reached just as that frame goes out.
			for k := range l.ahead {
				j := l.pos + k
				if j >= l.ahead {
					j -= l.ahead
				}
				if n := l.need[j]; n < 1 {
					g = min(g, n+(1-n)*float32(k+1)/float32(l.ahead+1))
				}
			}
		}
		l.gain = g
		buf[i], buf[i+1] = clamp(outL*g, l.ceiling), clamp(outR*g, l.ceiling)
	}
}

func abs32(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}

// clamp is a safety net for rounding; the gain already keeps samples in.
func clamp(x, c float32) float32 {
	return max(-c, min(c, x))
}
