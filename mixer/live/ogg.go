package live

import (
	"fmt"
	"log/slog"

	"onair/codec/ogg"
)

// Ogg framing (RFC 3533) is read with package ogg: pages, their
// checksums, and the packets of one logical stream joined across them.

// maxPacket bounds a packet held in memory: far above any audio packet,
// enough for a comment header with a picture in it.
const maxPacket = 4 << 20

// packetStream decodes the packets of one logical stream.
type packetStream interface {
	// packet handles the next packet; lost says packets went missing
	// before it.
	packet(p []byte, lost bool) error
}

// oggStream cuts an Ogg byte stream into pages, checks them, and hands
// the packets of its Vorbis, Opus or FLAC logical stream to a packetStream. A
// chained stream (a beginning-of-stream page after the last one ended,
// one logical stream per track) starts a new packetStream with the new
// headers.
type oggStream struct {
	log     *slog.Logger
	out     *output
	stats   *counters
	onTitle func(string)

	buf  []byte // pages not yet parsed
	lost int    // bytes skipped since the last good page
	idle int    // bytes of pages since the last Vorbis stream ended

	codec   packetStream // the logical stream played; nil between two
	opus    *opusLibrary // libopus, loaded for the first Opus stream
	serial  uint32       // its serial number
	packets ogg.Packets  // its packets, joined
}

func newOggStream(log *slog.Logger, out *output, stats *counters, onTitle func(string)) *oggStream {
	return &oggStream{
		log: log, out: out, stats: stats, onTitle: onTitle,
		buf:     make([]byte, 0, 2*ogg.MaxPageSize),
		packets: ogg.Packets{Max: maxPacket},
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
		n, err := ogg.PageSize(b)
		if err == nil && len(b) >= ogg.HeaderSize && s.lost > 0 && !s.plausible(b) {
			err = ogg.ErrNoPage
		}
		if err != nil {
			n := ogg.SkipToCapture(b)
			pos += n
			if err := s.skipped(n); err != nil {
				return err
			}
			continue
		}
		if n > len(b) {
			return nil
		}
		page, err := ogg.ParsePage(b[:n])
		if err != nil {
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
		if err := s.page(&page); err != nil {
			return err
		}
		pos += n
	}
}

// plausible judges a capture pattern found while hunting: a page of the
// stream played or the first page of a new one. The checksum cannot tell
// until the whole page is in, which a false header may claim to be 64 KiB
// on: waiting for that would delay the DJ by seconds.
func (s *oggStream) plausible(b []byte) bool {
	p, err := ogg.ParseHeader(b)
	switch {
	case err != nil, p.Flags&^(ogg.Continued|ogg.BOS|ogg.EOS) != 0:
		return false
	case p.Flags&ogg.BOS != 0:
		return p.Sequence == 0
	}
	return s.codec != nil && p.Serial == s.serial && p.Sequence-s.packets.NextSequence() < 1<<10
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
func (s *oggStream) page(p *ogg.Page) error {
	if p.Flags&ogg.BOS != 0 {
		if err := s.begin(p); err != nil {
			return err
		}
	}
	if s.codec == nil {
		// Between two streams of a chain, or after the last.
		if s.idle += p.Size(); s.idle > maxLost {
			return fmt.Errorf("%w: no Vorbis, Opus or FLAC stream in %d KiB", ErrCorrupt, maxLost>>10)
		}
		return nil
	}
	if p.Serial != s.serial {
		return nil // another logical stream multiplexed with ours
	}
	lost := s.packets.Lost()
	err := s.packets.Add(p, s.codec.packet)
	s.stats.badFrames.Add(int64(s.packets.Lost() - lost))
	if p.Flags&ogg.EOS != 0 {
		s.codec = nil
	}
	return err
}

// begin handles a beginning-of-stream page: its first packet, whole on it
// (Vorbis I §A.2, RFC 7845 §3, RFC 9639 §10.1), says what the logical
// stream is. A Vorbis, Opus or FLAC stream takes over from the one before,
// in a chain; others (Skeleton, a video stream) are left alone.
func (s *oggStream) begin(p *ogg.Page) error {
	switch ogg.Identify(p.FirstPacket()) {
	case ogg.Vorbis:
		s.packets.Reset()
		s.codec = newVorbisStream(s.log, s.out, s.stats, s.onTitle)
		s.serial, s.idle = p.Serial, 0
		s.log.Info("live Ogg Vorbis stream", "serial", p.Serial)
	case ogg.Opus:
		o, err := newOpusStream(s.log, s.out, s.stats, s.onTitle, s.opus)
		if err != nil {
			return err
		}
		s.packets.Reset()
		s.codec = o
		s.serial, s.idle = p.Serial, 0
		s.log.Info("live Ogg Opus stream", "serial", p.Serial)
	case ogg.FLAC:
		s.packets.Reset()
		s.codec = newFLACStream(s.log, s.out, s.stats, s.onTitle)
		s.serial, s.idle = p.Serial, 0
		s.log.Info("live Ogg FLAC stream", "serial", p.Serial)
	}
	return nil
}
