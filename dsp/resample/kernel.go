package resample

import "slices"

// emit appends count output frames to dst, advancing pos and phase. The
// caller has made sure buf holds every input frame they need.
func (r *Resampler) emit(dst []float32, count int) []float32 {
	if count <= 0 {
		return dst
	}
	start := len(dst)
	dst = slices.Grow(dst, count*r.channels)[:start+count*r.channels]
	out := dst[start:]
	switch {
	case r.t.interp:
		r.emitInterp(out)
	case r.channels == 2:
		r.emitStereo(out)
	case r.channels == 1:
		r.emitMono(out)
	default:
		r.emitExact(out)
	}
	return dst
}

// advance moves pos and phase on by one output frame.
func (r *Resampler) advance(pos, phase int) (int, int) {
	pos += r.step
	phase += r.stepFrac
	if phase >= r.l {
		phase -= r.l
		pos++
	}
	return pos, phase
}

// emitStereo fills out from an exact table, two channels: the case the
// station runs all day, so written for the compiler to keep in registers.
func (r *Resampler) emitStereo(out []float32) {
	taps, first := r.t.taps, r.half-1
	pos, phase := r.pos, r.phase
	for j := 0; j+2 <= len(out); j += 2 {
		c := r.t.coef[phase*taps : phase*taps+taps]
		x := r.buf[2*(pos-first) : 2*(pos-first+taps)]
		out[j], out[j+1] = dot2(c, x)
		pos, phase = r.advance(pos, phase)
	}
	r.pos, r.phase = pos, phase
}

// emitMono fills out from an exact table, one channel.
func (r *Resampler) emitMono(out []float32) {
	taps, first := r.t.taps, r.half-1
	pos, phase := r.pos, r.phase
	for j := range out {
		c := r.t.coef[phase*taps : phase*taps+taps]
		out[j] = dot1(c, r.buf[pos-first:pos-first+taps])
		pos, phase = r.advance(pos, phase)
	}
	r.pos, r.phase = pos, phase
}

// emitExact fills out from an exact table, any number of channels.
func (r *Resampler) emitExact(out []float32) {
	ch, taps, first := r.channels, r.t.taps, r.half-1
	pos, phase := r.pos, r.phase
	for j := 0; j+ch <= len(out); j += ch {
		c := r.t.coef[phase*taps : phase*taps+taps]
		x := r.buf[ch*(pos-first) : ch*(pos-first+taps)]
		for k := range ch {
			out[j+k] = dotStride(c, x[k:], ch)
		}
		pos, phase = r.advance(pos, phase)
	}
	r.pos, r.phase = pos, phase
}

// emitInterp fills out from an interpolated table: each output's
// coefficients lie between two rows, and the two rows' outputs are blended.
func (r *Resampler) emitInterp(out []float32) {
	ch, taps, first := r.channels, r.t.taps, r.half-1
	pos, phase := r.pos, r.phase
	for j := 0; j+ch <= len(out); j += ch {
		q := int64(phase) * int64(r.t.rows)
		row := int(q / int64(r.l))
		f := float32(float64(q%int64(r.l)) / float64(r.l))
		c0 := r.t.coef[row*taps : row*taps+taps]
		c1 := r.t.coef[row*taps+taps : row*taps+2*taps]
		x := r.buf[ch*(pos-first) : ch*(pos-first+taps)]
		switch ch {
		case 2:
			l0, r0 := dot2(c0, x)
			l1, r1 := dot2(c1, x)
			out[j], out[j+1] = l0+f*(l1-l0), r0+f*(r1-r0)
		case 1:
			a, b := dot1(c0, x), dot1(c1, x)
			out[j] = a + f*(b-a)
		default:
			for k := range ch {
				a, b := dotStride(c0, x[k:], ch), dotStride(c1, x[k:], ch)
				out[j+k] = a + f*(b-a)
			}
		}
		pos, phase = r.advance(pos, phase)
	}
	r.pos, r.phase = pos, phase
}

// dot2 returns the dot products of c with the left and right channels of
// the interleaved x (len(x) = 2·len(c), len(c) a multiple of 4). Four
// accumulators let consecutive taps' multiply-adds overlap.
func dot2(c, x []float32) (float32, float32) {
	var l0, r0, l1, r1 float32
	for len(c) >= 4 && len(x) >= 8 {
		l0 += c[0]*x[0] + c[2]*x[4]
		r0 += c[0]*x[1] + c[2]*x[5]
		l1 += c[1]*x[2] + c[3]*x[6]
		r1 += c[1]*x[3] + c[3]*x[7]
		c, x = c[4:], x[8:]
	}
	return l0 + l1, r0 + r1
}

// dot1 returns the dot product of c and x (len(c) a multiple of 4).
func dot1(c, x []float32) float32 {
	var s0, s1, s2, s3 float32
	for len(c) >= 4 && len(x) >= 4 {
		s0 += c[0] * x[0]
		s1 += c[1] * x[1]
		s2 += c[2] * x[2]
		s3 += c[3] * x[3]
		c, x = c[4:], x[4:]
	}
	return (s0 + s1) + (s2 + s3)
}

// dotStride returns the dot product of c with every stride-th value of x.
func dotStride(c, x []float32, stride int) float32 {
	var s0, s1 float32
	i := 0
	for k := 0; k+1 < len(c); k += 2 {
		s0 += c[k] * x[i]
		s1 += c[k+1] * x[i+stride]
		i += 2 * stride
	}
	return s0 + s1
}
