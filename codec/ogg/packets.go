package ogg

// Packets joins the segments of one logical stream's pages into packets
// (RFC 3533 §6): a packet is a run of 255-byte segments ended by a shorter
// one, and may go on from one page to the next. Pages that went missing,
// a page whose Continued flag does not match what came before, and a
// packet longer than Max cost the packets they touch, which are counted
// and never given half. The zero value is ready, without a limit.
type Packets struct {
	// Max is the longest packet kept (0: no limit): longer ones are
	// dropped, so that a hostile stream cannot make it grow without end.
	Max int

	buf  []byte // the packet being joined
	drop bool   // the packet being joined is lost
	lost bool   // packets were lost since the last one given
	seq  uint32 // the page sequence number expected next
	any  bool   // a page was taken
	n    int    // packets lost so far
}

// Reset forgets the stream, for a new one (after an EOS page, or a BOS
// page of a chained stream). The count of lost packets is kept.
func (z *Packets) Reset() {
	z.buf, z.drop, z.lost, z.any = z.buf[:0], false, false, false
}

// NextSequence returns the sequence number of the page that would continue
// the stream.
func (z *Packets) NextSequence() uint32 { return z.seq }

// Lost returns how many packets were lost so far.
func (z *Packets) Lost() int { return z.n }

// Add takes the stream's next page and calls fn for each packet that ends
// on it, in order, with the packet (valid during the call only) and
// whether packets were lost since the last one fn was given: a decoder
// must then not join the two. Add stops at fn's first error and returns
// it. After an EOS page, the next page starts a stream afresh.
func (z *Packets) Add(p *Page, fn func(packet []byte, lost bool) error) error {
	if z.any && p.Sequence != z.seq {
		// Pages went missing: the packet across them is lost, and the
		// one after them does not follow the one before.
		z.dropPacket()
		z.lost = true
	}
	z.any, z.seq = true, p.Sequence+1
	switch {
	case p.Flags&Continued == 0 && (len(z.buf) > 0 || z.drop):
		z.dropPacket() // the page that should have ended it is lost
	case p.Flags&Continued != 0 && len(z.buf) == 0 && !z.drop:
		z.drop = true // the start of this packet is lost
	}
	body := p.Body
	for _, l := range p.Segments {
		seg := body[:l]
		body = body[l:]
		if !z.drop {
			if z.Max > 0 && len(z.buf)+len(seg) > z.Max {
				z.drop = true
				z.buf = z.buf[:0]
			} else {
				z.buf = append(z.buf, seg...)
			}
		}
		if l == 255 {
			continue
		}
		if z.drop {
			z.dropPacket()
			continue
		}
		lost := z.lost
		z.lost = false
		err := fn(z.buf, lost)
		z.buf = z.buf[:0]
		if err != nil {
			return err
		}
	}
	if p.Flags&EOS != 0 {
		if len(z.buf) > 0 || z.drop {
			z.dropPacket()
		}
		z.Reset()
	}
	return nil
}

// dropPacket loses the packet being joined, if any.
func (z *Packets) dropPacket() {
	if len(z.buf) > 0 || z.drop {
		z.n++
		z.lost = true
	}
	z.buf, z.drop = z.buf[:0], false
}
