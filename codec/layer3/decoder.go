// Package layer3 decodes MPEG audio Layer III frames: MPEG-1 (ISO/IEC
// 11172-3) at 32, 44.1 and 48 kHz, MPEG-2 LSF (ISO/IEC 13818-3) at 16,
// 22.05 and 24 kHz and MPEG-2.5 at 8, 11.025 and 12 kHz, in every channel
// mode with middle/side and intensity stereo.
//
// A Decoder takes one whole frame at a time (the caller finds them; package
// mpeg reads the header) and gives interleaved stereo float32. It keeps all its state, the bit
// reservoir included, in itself: Decode allocates nothing, but for the
// error it returns on a damaged frame.
package layer3

import (
	"fmt"
	"io"
)

const (
	// maxReservoir is the furthest main_data_begin reaches back (9 bits).
	maxReservoir = 511
	// maxMainData bounds one frame's main data: 2881 bytes would be a
	// 640 kbit/s free-format frame at 32 kHz; real frames are below 1441.
	maxMainData = 4096
)

// Decoder decodes a stream of Layer III frames. The zero value is ready
// to use. A Decoder is large (about 40 kB): keep one per stream.
type Decoder struct {
	// main holds the reservoir: the tail of the main data of earlier
	// frames, then this frame's, then 8 zero bytes for bitReader.
	main    [maxReservoir + maxMainData + 8]byte
	mainLen int

	si      sideInfo
	sf      [2]scalefactors
	q       [576]int32
	xr      [2][576]float32
	nz      [2]int // xr[ch][nz[ch]:] is zero
	tmp     [576]float32
	segs    [39]segment
	overlap [2][32][18]float32
	sub     [18][32]float32 // subband samples by time slot
	synth   [2]synth
}

// Decode decodes one frame: the 4-byte header, the CRC if the header
// announces one (not checked), the side information and the main data,
// exactly the frame's length. It writes the samples to out interleaved
// as left, right (mono on both), in [−1, 1], and returns how many per
// channel: 1152 for MPEG-1, 576 for MPEG-2 and 2.5.
//
// Like io.Reader, Decode may return samples and an error: play the
// samples first. A frame it cannot decode but whose header is sound
// (ErrInvalidFrame in the side information; ErrNoMainData, the main
// data beginning before what the Decoder holds, as after Reset) still
// gives its sample count: the filter banks' fade-out of the frame
// before, then silence. A bad header or a short out gives 0 samples.
// The Decoder stays usable. A frame's main data joins the reservoir,
// where later frames may find theirs, whenever its side information
// could be read, valid or not.
func (d *Decoder) Decode(frame []byte, out []float32) (int, error) {
	h, err := parseHeader(frame)
	if err != nil {
		return 0, err
	}
	n := 576 * h.granules()
	if len(out) < 2*n {
		return 0, fmt.Errorf("layer3: %d output values for %d: %w", len(out), 2*n, io.ErrShortBuffer)
	}
	out = out[:2*n]
	off := 4
	if h.crc {
		off += 2
	}
	siLen := h.sideInfoLen()
	if len(frame) < off+siLen {
		d.fadeOut(&h, out)
		return n, fmt.Errorf("%w: %d bytes, too short for its side information", ErrInvalidFrame, len(frame))
	}
	main := frame[off+siLen:]
	if len(main) > maxMainData {
		d.fadeOut(&h, out)
		return n, fmt.Errorf("%w: %d bytes of main data", ErrInvalidFrame, len(main))
	}
	var sib [32 + 8]byte // the side information and slack for bitReader
	copy(sib[:], frame[off:off+siLen])
	err = parseSideInfo(&h, sib[:], &d.si)
	have := d.appendMain(main)
	if err != nil {
		d.fadeOut(&h, out)
		return n, err
	}
	if d.si.mainDataBegin > have {
		d.fadeOut(&h, out)
		return n, ErrNoMainData
	}

	r := bitReader{buf: d.main[:d.mainLen+8]}
	pos := 8 * (d.mainLen - len(main) - d.si.mainDataBegin)
	for gr := range h.granules() {
		for ch := range h.channels {
			g := &d.si.gr[gr][ch]
			r.pos, r.end = pos, min(pos+g.part23Len, 8*d.mainLen)
			pos += g.part23Len
			if h.lsf {
				readScalefactorsLSF(&r, g, h.is && ch == 1, &d.sf[ch])
			} else {
				readScalefactorsMPEG1(&r, g, &d.si.scfsi[ch], gr, &d.sf[ch])
			}
			nz := decodeHuffman(&r, g, &d.q)
			d.nz[ch] = requantize(&h, g, &d.sf[ch], &d.q, nz, &d.xr[ch])
		}
		if h.ms || h.is {
			d.stereo(&h, gr)
		}
		for ch := range h.channels {
			g := &d.si.gr[gr][ch]
			xr, nz := &d.xr[ch], d.nz[ch]
			if g.blockType == blockShort {
				nz = reorder(&h, g, xr, &d.tmp, nz)
				if g.mixed {
					nz = alias(xr, nz, 2)
				}
			} else {
				nz = alias(xr, nz, 32)
			}
			imdct(g, xr, nz, &d.overlap[ch], &d.sub)
			d.synth[ch].run(&d.sub, out[2*576*gr:], ch, h.channels == 1)
		}
	}
	return n, nil
}

// fadeOut fills out with a frame of silence run through the filter
// banks: what is left of the frame before fades out instead of
// stopping dead, and the frame after starts from rest.
func (d *Decoder) fadeOut(h *header, out []float32) {
	var g granule
	for gr := range h.granules() {
		for ch := range h.channels {
			imdct(&g, &d.xr[ch], 0, &d.overlap[ch], &d.sub)
			d.synth[ch].run(&d.sub, out[2*576*gr:], ch, h.channels == 1)
		}
	}
}

// appendMain adds a frame's main data to the reservoir, keeping the last
// maxReservoir bytes of what was there, and returns how many bytes
// before it a main_data_begin may reach.
func (d *Decoder) appendMain(b []byte) int {
	if d.mainLen > maxReservoir {
		copy(d.main[:], d.main[d.mainLen-maxReservoir:d.mainLen])
		d.mainLen = maxReservoir
	}
	have := d.mainLen
	d.mainLen += copy(d.main[d.mainLen:], b)
	clear(d.main[d.mainLen : d.mainLen+8])
	return have
}

// Reset forgets the bit reservoir and the filter banks' memory, for a
// stream that goes on somewhere else (after a seek or lost sync).
func (d *Decoder) Reset() {
	d.mainLen = 0
	d.overlap = [2][32][18]float32{}
	d.synth = [2]synth{}
}
