package live

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"log/slog"

	"onair/codec/ogg"
)

// Ogg framing (RFC 3533 §6): a page is the capture pattern "OggS", the
// version (0), the header type flags, the 64-bit granule position, the
// stream serial number, the page sequence number, the CRC, the segment
// count and the lacing values, then the segments. A packet is a run of
// 255-byte segments ended by a shorter one, and may go on from one page
// to the next.

const (
	pageHeaderLen = 27
	maxPageLen    = pageHeaderLen + 255 + 255*255

	flagContinued = 1
	flagBOS       = 2
	flagEOS       = 4

	// maxPacket bounds a packet held in memory: far above any audio
	// packet, enough for a comment header with a picture in it.
	maxPacket = 4 << 20
)

// oggStream cuts an Ogg byte stream into pages, checks them, and hands
// the packets of its Vorbis logical stream to a vorbisStream. A chained
// stream (a beginning-of-stream page after the last one ended, one
// logical stream per track) starts a new vorbisStream with the new
// headers.
type oggStream struct {
	log     *slog.Logger
	out     *output
	stats   *counters
	onTitle func(string)

	buf  []byte // pages not yet parsed
	lost int    // bytes skipped since the last good page
	idle int    // bytes of pages since the last Vorbis stream ended

	vorbis *vorbisStream // the logical stream played; nil between two
	serial uint32        // its serial number
	seq    uint32        // the page sequence number expected next
	pkt    []byte        // the packet being put together
	drop   bool          // the packet being put together is lost
}

func newOggStream(log *slog.Logger, out *output, stats *counters, onTitle func(string)) *oggStream {
	return &oggStream{
		log: log, out: out, stats: stats, onTitle: onTitle,
		buf: make([]byte, 0, 2*maxPageLen),
	}
}

// write takes the next bytes of the stream.
func (s *oggStream) write(p []byte) error {
	for len(p) > 0 {
		n := min(len(p), cap(s.buf)-len(s.buf))
		s.buf = append(s.buf, p[:n]...)
		p = p[n:]
		if err := s.pages(); err != nil {
			return err
		}
	}
	return nil
}

// pages handles every whole page in buf and keeps what is left. Bytes
// that are not a page with the right checksum are skipped up to the next
// capture pattern.
func (s *oggStream) pages() error {
	pos := 0
	defer func() {
		s.buf = s.buf[:copy(s.buf, s.buf[pos:])]
	}()
	for {
		b := s.buf[pos:]
		if len(b) < pageHeaderLen {
			return nil
		}
		if string(b[:4]) != "OggS" || b[4] != 0 || s.lost > 0 && !s.plausible(b) {
			n := skipToCapture(b)
			pos += n
			if err := s.skipped(n); err != nil {
				return err
			}
			continue
		}
		nseg := int(b[26])
		if len(b) < pageHeaderLen+nseg {
			return nil
		}
		size := pageHeaderLen + nseg
		for _, l := range b[pageHeaderLen : pageHeaderLen+nseg] {
			size += int(l)
		}
		if len(b) < size {
			return nil
		}
		if ogg.PageCRC(b[:size]) != binary.LittleEndian.Uint32(b[22:]) {
			s.stats.badPages.Add(1)
			pos++
			if err := s.skipped(1); err != nil {
				return err
			}
			continue
		}
		if s.lost > 0 {
			s.log.Debug("live Ogg in sync again", "skipped", s.lost)
			s.lost = 0
		}
		if err := s.page(b[:size]); err != nil {
			return err
		}
		pos += size
	}
}

// plausible judges a capture pattern found while hunting: a page of the
// stream played or the first page of a new one. The checksum cannot tell
// until the whole page is in, which a false header may claim to be 64 KiB
// on: waiting for that would delay the DJ by seconds.
func (s *oggStream) plausible(b []byte) bool {
	flags := b[5]
	serial := binary.LittleEndian.Uint32(b[14:])
	seq := binary.LittleEndian.Uint32(b[18:])
	switch {
	case flags&^(flagContinued|flagBOS|flagEOS) != 0:
		return false
	case flags&flagBOS != 0:
		return seq == 0
	}
	return s.vorbis != nil && serial == s.serial && seq-s.seq < 1<<10
}

// skipToCapture returns how many bytes of b to skip: up to the next
// capture pattern after the first byte, or up to the last 3 bytes, which
// may begin one.
func skipToCapture(b []byte) int {
	if i := bytes.Index(b[1:], []byte("OggS")); i >= 0 {
		return 1 + i
	}
	return len(b) - 3
}

// skipped counts n bytes lost, failing past maxLost in a row.
func (s *oggStream) skipped(n int) error {
	if s.lost == 0 {
		s.log.Debug("live Ogg lost sync")
	}
	s.lost += n
	s.stats.skipped.Add(int64(n))
	if s.lost > maxLost {
		return fmt.Errorf("%w: no valid Ogg page in %d KiB", ErrCorrupt, maxLost>>10)
	}
	return nil
}

// page handles one checked page.
func (s *oggStream) page(p []byte) error {
	flags := p[5]
	serial := binary.LittleEndian.Uint32(p[14:])
	seq := binary.LittleEndian.Uint32(p[18:])
	nseg := int(p[26])
	lacing := p[pageHeaderLen : pageHeaderLen+nseg]
	data := p[pageHeaderLen+nseg:]

	if flags&flagBOS != 0 {
		if err := s.begin(serial, lacing, data); err != nil {
			return err
		}
	}
	if s.vorbis == nil {
		// Between two streams of a chain, or after the last.
		if s.idle += len(p); s.idle > maxLost {
			return fmt.Errorf("%w: no Vorbis stream in %d KiB", ErrCorrupt, maxLost>>10)
		}
		return nil
	}
	if serial != s.serial {
		return nil // another logical stream multiplexed with ours
	}
	if seq != s.seq {
		// A page went missing: the packet across it is lost, and the one
		// after it must not overlap with the one before.
		s.dropPacket()
		s.vorbis.gap()
	}
	s.seq = seq + 1
	if flags&flagContinued == 0 && len(s.pkt) > 0 {
		s.dropPacket() // the page that should have ended it is lost
	} else if flags&flagContinued != 0 && len(s.pkt) == 0 {
		s.drop = true // the start of this packet is lost
	}
	for _, l := range lacing {
		seg := data[:l]
		data = data[l:]
		if !s.drop {
			if len(s.pkt)+len(seg) > maxPacket {
				s.dropPacket()
				s.drop = true
				s.vorbis.oversize()
			} else {
				s.pkt = append(s.pkt, seg...)
			}
		}
		if l < 255 {
			var err error
			if !s.drop {
				err = s.vorbis.packet(s.pkt)
			}
			s.pkt, s.drop = s.pkt[:0], false
			if err != nil {
				return err
			}
		}
	}
	if flags&flagEOS != 0 {
		s.vorbis = nil
		s.dropPacket()
	}
	return nil
}

// dropPacket forgets the packet being put together.
func (s *oggStream) dropPacket() {
	if len(s.pkt) > 0 || s.drop {
		s.stats.badFrames.Add(1)
	}
	s.pkt, s.drop = s.pkt[:0], false
}

// begin handles a beginning-of-stream page: its first packet, whole on it
// (Vorbis I §A.2, RFC 7845 §3), says what the logical stream is. A Vorbis
// stream takes over from the one before, in a chain; Opus or FLAC fail;
// others (Skeleton, a video stream) are left alone.
func (s *oggStream) begin(serial uint32, lacing, data []byte) error {
	n := 0
	for _, l := range lacing {
		n += int(l)
		if l < 255 {
			break
		}
	}
	first := data[:n]
	switch {
	case bytes.HasPrefix(first, []byte("\x01vorbis")):
		s.dropPacket()
		s.vorbis = newVorbisStream(s.log, s.out, s.stats, s.onTitle)
		s.serial, s.seq, s.idle = serial, 0, 0
		s.log.Info("live Ogg Vorbis stream", "serial", serial)
	case bytes.HasPrefix(first, []byte("OpusHead")):
		return unsupported("Opus", "Ogg Opus stream")
	case bytes.HasPrefix(first, []byte("\x7fFLAC")):
		return unsupported("FLAC", "Ogg FLAC stream")
	}
	return nil
}
