package flac

import "fmt"

// Subframe types (RFC 9639 §9.2.1).
const (
	maxFixedOrder = 4
	maxLPCOrder   = 32
)

// subframe decodes one channel's subframe (RFC 9639 §9.2) into out, whose
// length is the block size, for samples of bps bits (one more for a side
// channel).
func (d *Decoder) subframe(out []int32, bps uint) error {
	r := &d.br
	if r.read(1) != 0 {
		return fmt.Errorf("%w: subframe padding bit set", ErrFrame)
	}
	typ := r.read(6)
	if r.read(1) != 0 {
		// Wasted bits: every sample's low bits are zero, coded as a
		// unary count less one (§9.2.2).
		w := uint(r.unary()) + 1
		if r.err != nil {
			return r.err
		}
		if w >= bps {
			return fmt.Errorf("%w: %d wasted bits of %d", ErrFrame, w, bps)
		}
		defer shiftLeft(out, w)
		bps -= w
	}
	var err error
	switch {
	case typ == 0: // constant
		v := r.signed(bps)
		for i := range out {
			out[i] = v
		}
	case typ == 1: // verbatim
		for i := range out {
			out[i] = r.signed(bps)
		}
	case typ >= 8 && typ <= 8+maxFixedOrder:
		err = d.fixed(out, int(typ-8), bps)
	case typ >= 32:
		err = d.lpc(out, int(typ-31), bps)
	default:
		return fmt.Errorf("%w: reserved subframe type %d", ErrFrame, typ)
	}
	if err != nil {
		return err
	}
	return r.err
}

func shiftLeft(out []int32, w uint) {
	for i := range out {
		out[i] <<= w
	}
}

// warmUp reads the order unencoded samples a predictor starts from.
func (d *Decoder) warmUp(out []int32, order int, bps uint) error {
	if order > len(out) {
		return fmt.Errorf("%w: predictor order %d above the block size %d", ErrFrame, order, len(out))
	}
	for i := range order {
		out[i] = d.br.signed(bps)
	}
	return nil
}

// fixed decodes a subframe with a fixed predictor (RFC 9639 §9.2.5).
func (d *Decoder) fixed(out []int32, order int, bps uint) error {
	if err := d.warmUp(out, order, bps); err != nil {
		return err
	}
	if err := d.residual(out, order); err != nil {
		return err
	}
	// Wrapping arithmetic: a hostile residual gives noise, never a panic.
	switch order {
	case 1:
		for i := 1; i < len(out); i++ {
			out[i] += out[i-1]
		}
	case 2:
		for i := 2; i < len(out); i++ {
			out[i] += 2*out[i-1] - out[i-2]
		}
	case 3:
		for i := 3; i < len(out); i++ {
			out[i] += 3*out[i-1] - 3*out[i-2] + out[i-3]
		}
	case 4:
		for i := 4; i < len(out); i++ {
			out[i] += 4*out[i-1] - 6*out[i-2] + 4*out[i-3] - out[i-4]
		}
	}
	return nil
}

// lpc decodes a subframe with a linear predictor (RFC 9639 §9.2.6).
func (d *Decoder) lpc(out []int32, order int, bps uint) error {
	r := &d.br
	if err := d.warmUp(out, order, bps); err != nil {
		return err
	}
	prec := r.read(4) + 1
	if prec == 16 {
		return fmt.Errorf("%w: coefficient precision code 15", ErrFrame)
	}
	shift := r.signed(5)
	if shift < 0 {
		return fmt.Errorf("%w: negative prediction shift %d", ErrFrame, shift)
	}
	// Coefficients stored oldest sample first, to walk both forward.
	coef := d.coef[:order]
	for j := range coef {
		coef[order-1-j] = int64(r.signed(uint(prec)))
	}
	if r.err != nil {
		return r.err
	}
	if err := d.residual(out, order); err != nil {
		return err
	}
	// 64-bit sums: 32 coefficients of 15 bits times 25-bit samples.
	for i := order; i < len(out); i++ {
		hist := out[i-order : i]
		hist = hist[:len(coef)]
		var sum int64
		for j, c := range coef {
			sum += c * int64(hist[j])
		}
		out[i] += int32(sum >> uint(shift))
	}
	return nil
}

// residual decodes the residual (RFC 9639 §9.2.7) of out after its
// order warm-up samples, in Rice partitions with 4- or 5-bit parameters.
func (d *Decoder) residual(out []int32, order int) error {
	r := &d.br
	method := r.read(2)
	if method > 1 {
		return fmt.Errorf("%w: reserved residual coding method %d", ErrFrame, method)
	}
	pbits := uint(4 + method)
	escape := uint32(1)<<pbits - 1
	porder := uint(r.read(4))
	if r.err != nil {
		return r.err
	}
	n := len(out)
	psize := n >> porder
	if psize<<porder != n || psize < order {
		return fmt.Errorf("%w: partition order %d for %d samples and predictor order %d", ErrFrame, porder, n, order)
	}
	i := order
	for p := 1; p <= 1<<porder; p++ {
		end := p * psize
		k := r.read(pbits)
		if k == escape {
			nb := uint(r.read(5))
			for ; i < end; i++ {
				out[i] = r.signed(nb)
			}
		} else {
			d.rice(out[i:end], uint(k))
			i = end
		}
		if r.err != nil {
			return r.err
		}
	}
	return nil
}

// rice reads len(out) Rice-coded values with parameter k: a unary
// quotient, k low bits, and the sign folded into the lowest (§9.2.7.3).
func (d *Decoder) rice(out []int32, k uint) {
	r := &d.br
	for i := range out {
		q := r.unary()
		v := q<<k | r.read(k)
		out[i] = int32(v>>1) ^ -int32(v&1)
	}
}
