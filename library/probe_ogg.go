package library

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"

	"onair/codec/ogg"
	"onair/codec/vorbis"
)

// The Ogg walk follows the pages (RFC 3533): each starts with the capture
// pattern "OggS" and gives its length in its segment table, so the next
// page must be right behind it; each carries a CRC-32 of itself. The
// duration is the last granule position of the Vorbis stream (Vorbis I
// §A.2: the PCM sample count at the end of the page), summed over the
// streams of a chained file.

// probeOggWalk is what walking an Ogg file's pages found.
type probeOggWalk struct {
	started bool      // a stream began
	codec   ogg.Codec // of the first stream
	rate    int       // Vorbis sample rate
	samples int64     // granule positions of the ended chains
	granule int64     // the current chain's last granule position
	serial  uint32    // the current chain's Vorbis stream
	inChain bool      // a chain's first pages are behind
	pages   int64
	bytes   int64
	junk    int64 // bytes between pages
	damaged int   // places where the page chain broke
	badCRC  int   // pages whose CRC does not match
	cut     int64 // bytes missing from the last page
	head    probeVorbisHead
}

// walkOgg walks the Ogg file f of size bytes and fills r's duration, rate
// and bitrate. It returns an error for a file that is not Ogg Vorbis or
// too damaged to play, and a *probeIOError when f cannot be read.
func (p *prober) walkOgg(f *os.File, size int64, r *probeResult) (probeFacts, error) {
	p.br.Reset(io.NewSectionReader(f, 0, size))
	w := probeOggWalk{}
pages:
	for {
		// Peek as much as the page's header says it holds, until it says
		// no more: the fixed header, the segment table, the body.
		var page []byte
		for n := ogg.HeaderSize; ; {
			b, err := p.br.Peek(n)
			if len(b) < n {
				if err != nil && err != io.EOF {
					return probeFacts{}, &probeIOError{err}
				}
				if len(b) > 0 {
					w.cut += int64(n - len(b))
				}
				break pages
			}
			m, err := ogg.PageSize(b)
			if err != nil {
				w.damaged++
				skipped, err := probeOggResync(p.br)
				w.junk += skipped
				if err != nil {
					return probeFacts{}, err
				}
				continue pages
			}
			if m <= n {
				page = b[:m]
				break
			}
			n = m
		}
		if pg, err := ogg.ParsePage(page); err != nil {
			w.badCRC++
		} else if err := w.page(&pg); err != nil {
			return probeFacts{}, err
		}
		w.pages++
		w.bytes += int64(len(page))
		if _, err := p.br.Discard(len(page)); err != nil {
			return probeFacts{}, &probeIOError{err}
		}
	}
	w.samples += w.granule
	return w.verdict(r)
}

// page takes in one page whose CRC matched.
func (w *probeOggWalk) page(p *ogg.Page) error {
	if p.Flags&ogg.BOS != 0 {
		codec := ogg.Identify(p.FirstPacket())
		if w.inChain {
			// A new chain (the streams of a chained file follow one
			// another; within a chain, all begin before any data page).
			w.samples += w.granule
			w.granule = 0
			w.inChain = false
		}
		if !w.started {
			w.started, w.codec = true, codec
		}
		if codec == ogg.Vorbis {
			w.serial = p.Serial
			if id, err := vorbis.ParseIdent(p.FirstPacket()); err == nil && w.rate == 0 {
				w.rate = id.Rate
			}
			if !w.head.started {
				w.head.start(p.Serial)
			}
		}
		w.head.page(p)
		return nil
	}
	w.head.page(p)
	w.inChain = true
	// A granule position of -1 means no packet ends on this page.
	if p.Serial == w.serial && p.Granule >= 0 {
		w.granule = p.Granule
	}
	return nil
}

// verdict judges the walk and fills r.
func (w *probeOggWalk) verdict(r *probeResult) (probeFacts, error) {
	switch {
	case !w.started:
		return probeFacts{}, errors.New("corrupt: no Ogg stream start")
	case w.codec == ogg.Unknown:
		return probeFacts{}, errors.New("Ogg of an unknown codec is not supported, only Ogg Vorbis")
	case w.codec != ogg.Vorbis:
		return probeFacts{}, fmt.Errorf("Ogg %s is not supported, only Ogg Vorbis", w.codec)
	case w.rate <= 0:
		return probeFacts{}, errors.New("corrupt: no Vorbis sample rate")
	case w.junk*8 > w.bytes+w.junk || w.damaged+w.badCRC > max(8, int(w.pages/50)):
		return probeFacts{}, fmt.Errorf("corrupt: %d damaged places, %d pages with a bad CRC, %d bytes of garbage in %d bytes of pages",
			w.damaged, w.badCRC, w.junk, w.bytes)
	case w.samples <= 0:
		return probeFacts{}, errors.New("corrupt: no audio pages")
	}
	if w.damaged > 0 {
		r.warn(fmt.Sprintf("%d damaged places (%d bytes skipped)", w.damaged, w.junk))
	}
	if w.badCRC > 0 {
		r.warn(fmt.Sprintf("%d pages with a bad CRC", w.badCRC))
	}
	r.setLength(w.samples, w.bytes, w.rate, 0)
	return probeFacts{cut: w.cut, unit: "page", headErr: w.head.verdict()}, nil
}

// probeVorbisHead decodes the first probeHead of a file's first Vorbis
// stream as the walk goes past its pages, with the decoder the station
// plays it with.
type probeVorbisHead struct {
	started bool
	done    bool   // decoded enough, or failed
	serial  uint32 // the stream decoded
	packets ogg.Packets
	dec     vorbis.Decoder
	frames  int // decoded so far, per channel
	tried   int // audio packets
	bad     int // audio packets that did not decode
	err     error
}

// probeMaxPacket bounds a packet the head decode keeps: a comment header
// with a picture past it is passed over, as the live decoder does.
const probeMaxPacket = 1 << 20

// errHeadDone stops the packets of a page once the head is decoded.
var errHeadDone = errors.New("head decoded")

// start makes the stream of serial the one decoded.
func (h *probeVorbisHead) start(serial uint32) {
	h.started, h.serial = true, serial
	h.packets.Max = probeMaxPacket
}

// page takes in a page whose CRC matched.
func (h *probeVorbisHead) page(p *ogg.Page) {
	if !h.started || h.done || p.Serial != h.serial {
		return
	}
	err := h.packets.Add(p, h.packet)
	switch {
	case err == errHeadDone:
		h.done = true
	case err != nil:
		h.done, h.err = true, err
	case p.Flags&ogg.EOS != 0:
		h.done = true
	}
}

// packet decodes one packet of the stream.
func (h *probeVorbisHead) packet(p []byte, lost bool) error {
	if !h.dec.Ready() {
		if _, err := h.dec.ReadHeader(p); err != nil {
			return fmt.Errorf("does not decode: %w", err)
		}
		return nil
	}
	if lost {
		h.dec.Clear()
	}
	pcm, err := h.dec.Decode(p)
	h.tried++
	if err != nil {
		h.bad++
		return nil
	}
	h.frames += len(pcm) / h.dec.Ident().Channels
	if h.frames >= int(probeHead.Seconds()*float64(h.dec.Ident().Rate)) {
		return errHeadDone
	}
	return nil
}

// verdict judges the head decode.
func (h *probeVorbisHead) verdict() error {
	switch {
	case h.err != nil:
		return h.err
	case !h.dec.Ready():
		return errors.New("does not decode: the Vorbis headers are missing")
	case h.tried > 0 && h.bad*2 > h.tried:
		return fmt.Errorf("does not decode: %d of the first %d packets are damaged", h.bad, h.tried)
	case h.frames == 0:
		return errors.New("does not decode: no audio")
	}
	return nil
}

// probeOggResync skips to the next "OggS" and returns how many bytes it
// skipped; at the end of the file, all of them.
func probeOggResync(br *bufio.Reader) (int64, error) {
	var skipped int64
	for {
		buf, err := br.Peek(br.Size())
		if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
			return skipped, &probeIOError{err}
		}
		if len(buf) == 0 {
			return skipped, nil
		}
		// The caller found no page at buf[0].
		n := ogg.SkipToCapture(buf)
		found := ogg.HasCapture(buf[n:])
		if !found && err == io.EOF {
			n = len(buf)
		}
		if _, err := br.Discard(n); err != nil {
			return skipped, &probeIOError{err}
		}
		skipped += int64(n)
		if found {
			return skipped, nil
		}
	}
}
