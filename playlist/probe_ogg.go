package playlist

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"onair/codec/ogg"
)

// The Ogg walk follows the pages (RFC 3533): each starts with the capture
// pattern "OggS" and gives its length in its segment table, so the next
// page must be right behind it; each carries a CRC-32 of itself. The
// duration is the last granule position of the Vorbis stream (Vorbis I
// §A.2: the PCM sample count at the end of the page), summed over the
// streams of a chained file.

// probeOggHeader is the fixed part of an Ogg page header.
const probeOggHeader = 27

// probeOggWalk is what walking an Ogg file's pages found.
type probeOggWalk struct {
	codec   string // of the first stream: "vorbis", "Opus", "FLAC", …
	rate    int    // Vorbis sample rate
	samples int64  // granule positions of the ended chains
	granule int64  // the current chain's last granule position
	serial  uint32 // the current chain's Vorbis stream
	inChain bool   // a chain's first pages are behind
	pages   int64
	bytes   int64
	junk    int64 // bytes between pages
	damaged int   // places where the page chain broke
	badCRC  int   // pages whose CRC does not match
	cut     int64 // bytes missing from the last page
}

// walkOgg walks the Ogg file f of size bytes and fills r's duration, rate
// and bitrate. It returns an error for a file that is not Ogg Vorbis or
// too damaged to play, and a *probeIOError when f cannot be read.
func (p *prober) walkOgg(f *os.File, size int64, r *probeResult) (probeTailFacts, error) {
	p.br.Reset(io.NewSectionReader(f, 0, size))
	w := probeOggWalk{}
	for {
		page, err := p.br.Peek(probeOggHeader)
		if len(page) < probeOggHeader {
			if err != nil && err != io.EOF {
				return probeTailFacts{}, &probeIOError{err}
			}
			if len(page) > 0 {
				w.cut += int64(probeOggHeader - len(page))
			}
			break
		}
		if string(page[:4]) != "OggS" || page[4] != 0 {
			w.damaged++
			n, err := probeOggResync(p.br)
			w.junk += n
			if err != nil {
				return probeTailFacts{}, err
			}
			continue
		}
		nseg := int(page[26])
		page, err = p.br.Peek(probeOggHeader + nseg)
		if len(page) < probeOggHeader+nseg {
			if err != nil && err != io.EOF {
				return probeTailFacts{}, &probeIOError{err}
			}
			w.cut++
			break
		}
		n := probeOggHeader + nseg
		for _, s := range page[probeOggHeader:] {
			n += int(s)
		}
		page, err = p.br.Peek(n)
		if len(page) < n {
			if err != nil && err != io.EOF {
				return probeTailFacts{}, &probeIOError{err}
			}
			w.cut += int64(n - len(page))
			break
		}
		if ogg.PageCRC(page) != binary.LittleEndian.Uint32(page[22:]) {
			w.badCRC++
		} else if err := w.page(page, nseg); err != nil {
			return probeTailFacts{}, err
		}
		w.pages++
		w.bytes += int64(n)
		if _, err := p.br.Discard(n); err != nil {
			return probeTailFacts{}, &probeIOError{err}
		}
	}
	w.samples += w.granule
	return w.verdict(r)
}

// page takes in one page of nseg segments whose CRC matched.
func (w *probeOggWalk) page(page []byte, nseg int) error {
	flags := page[5]
	granule := int64(binary.LittleEndian.Uint64(page[6:]))
	serial := binary.LittleEndian.Uint32(page[14:])
	body := page[probeOggHeader+nseg:]
	if flags&2 != 0 { // beginning of a stream
		codec := probeOggCodec(body)
		if w.inChain {
			// A new chain (the streams of a chained file follow one
			// another; within a chain, all begin before any data page).
			w.samples += w.granule
			w.granule = 0
			w.inChain = false
		}
		if w.codec == "" {
			w.codec = codec
		}
		if codec == "vorbis" {
			w.serial = serial
			if len(body) >= 16 && w.rate == 0 {
				w.rate = int(binary.LittleEndian.Uint32(body[12:]))
			}
		}
		return nil
	}
	w.inChain = true
	// A granule position of -1 means no packet ends on this page.
	if serial == w.serial && granule >= 0 {
		w.granule = granule
	}
	return nil
}

// probeOggCodec names the codec whose first header packet starts body.
func probeOggCodec(body []byte) string {
	switch {
	case bytes.HasPrefix(body, []byte("\x01vorbis")):
		return "vorbis"
	case bytes.HasPrefix(body, []byte("OpusHead")):
		return "Opus"
	case bytes.HasPrefix(body, []byte("\x7fFLAC")):
		return "FLAC"
	case bytes.HasPrefix(body, []byte("Speex")):
		return "Speex"
	case bytes.HasPrefix(body, []byte("\x80theora")):
		return "Theora"
	}
	return "of an unknown codec"
}

// verdict judges the walk and fills r.
func (w *probeOggWalk) verdict(r *probeResult) (probeTailFacts, error) {
	switch {
	case w.codec == "":
		return probeTailFacts{}, errors.New("corrupt: no Ogg stream start")
	case w.codec != "vorbis":
		return probeTailFacts{}, fmt.Errorf("Ogg %s is not supported, only Ogg Vorbis", w.codec)
	case w.rate <= 0:
		return probeTailFacts{}, errors.New("corrupt: no Vorbis sample rate")
	case w.junk*8 > w.bytes+w.junk || w.damaged+w.badCRC > max(8, int(w.pages/50)):
		return probeTailFacts{}, fmt.Errorf("corrupt: %d damaged places, %d pages with a bad CRC, %d bytes of garbage in %d bytes of pages",
			w.damaged, w.badCRC, w.junk, w.bytes)
	case w.samples <= 0:
		return probeTailFacts{}, errors.New("corrupt: no audio pages")
	}
	if w.damaged > 0 {
		r.warn(fmt.Sprintf("%d damaged places (%d bytes skipped)", w.damaged, w.junk))
	}
	if w.badCRC > 0 {
		r.warn(fmt.Sprintf("%d pages with a bad CRC", w.badCRC))
	}
	r.setLength(w.samples, w.bytes, w.rate, 0)
	return probeTailFacts{cut: w.cut, unit: "page"}, nil
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
		// Not at 0: the caller found no page there.
		i := bytes.Index(buf[1:], []byte("OggS"))
		n := i + 1
		if i < 0 {
			n = max(len(buf)-3, 1)
			if err == io.EOF {
				n = len(buf)
			}
		}
		if _, err := br.Discard(n); err != nil {
			return skipped, &probeIOError{err}
		}
		skipped += int64(n)
		if i >= 0 {
			return skipped, nil
		}
	}
}
