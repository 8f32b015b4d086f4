package broadcast

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"onair/codec/flac"
	"onair/codec/ogg"
	"onair/codec/vorbis"
)

// Ogg passthrough: a source's pages go to listeners as they came, cut
// into chunks of whole pages. Each chain's header pages are kept, so that
// a listener who joins mid-chain gets them first (a chunk's lead), and a
// listener begins only on a chunk where a decoder can: the first page of
// a chain, or an audio page on which a packet begins. Titles come from
// the chains' comment headers; Ogg listeners never get ICY blocks.

// sourceLog is where a source's session is logged.
type sourceLog interface {
	Info(string, ...any)
}

// pumpOgg reads an Ogg source until it ends, passing on its pages. A
// stream that cannot be passed on ends the source, with the reason in the
// log and the mount's problem.
func (s *Server) pumpOgg(m *Mount, conn readDeadliner, body io.Reader, info StreamInfo, log sourceLog) error {
	buf := make([]byte, 16<<10)
	now := time.Now()
	var (
		started bool
		chain   streamFormat
		title   string
		damage  uint64
	)
	sp := ogg.NewSplitter(ogg.SplitterOptions{OnHeader: func(c ogg.Codec, i int, p []byte) {
		if i == 0 {
			chain = oggFormat(c, p)
		}
		if t := oggTitle(c, i, p); t != "" {
			title = t
		}
	}})
	var fixed []byte
	emit := func(page []byte, pi *ogg.PageInfo) {
		if pi.Codec == ogg.Opus && !pi.Header {
			// liquidsoap 2.1 ends each Opus chain with a zero-length
			// packet, which RFC 6716 (§3.4, R1) forbids and at which
			// ffmpeg stops decoding: listeners would lose the stream at
			// the first track change.
			page, fixed = ogg.DropEmptyLastPacket(page, fixed[:0])
		}
		if pi.First && !started {
			// The session's first chain says what the stream is, before
			// any listener can get a page of it.
			started = true
			st := info
			if st.SampleRate == 0 {
				st.SampleRate = chain.sampleRate
			}
			if st.Channels == 0 {
				st.Channels = chain.channels
			}
			m.SetInfo(st)
			m.setFormat(chain)
		}
		if pi.Done && title != "" {
			// A chain's title takes effect with its headers: where a
			// player reads it.
			m.SetTitle(title, "", now)
			title = ""
		}
		m.WritePage(page, pi, now)
	}
	for {
		if err := conn.SetReadDeadline(time.Now().Add(s.opts.SourceTimeout)); err != nil {
			return err
		}
		n, err := body.Read(buf)
		if n > 0 {
			now = time.Now()
			serr := sp.Split(buf[:n], emit)
			if st := sp.Stats(); st.Skipped+st.BadPages+st.Foreign != damage {
				damage = st.Skipped + st.BadPages + st.Foreign
				m.setProblem(fmt.Sprintf("damaged Ogg: %d bytes skipped, %d bad pages, %d pages of other streams dropped", st.Skipped, st.BadPages, st.Foreign))
			}
			if serr != nil {
				st := sp.Stats()
				m.setProblem(serr.Error())
				log.Info("Ogg source refused", "err", serr, "skipped", st.Skipped, "bad_pages", st.BadPages, "foreign_pages", st.Foreign)
				return fmt.Errorf("%w: %w", ErrBadStream, serr)
			}
		}
		if err != nil {
			if st := sp.Stats(); st.Skipped+st.BadPages+st.Foreign > 0 {
				log.Info("Ogg source damage", "skipped", st.Skipped, "bad_pages", st.BadPages, "foreign_pages", st.Foreign, "chains", st.Chains)
			}
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return ErrSourceIdle
			}
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// WritePage appends one whole Ogg page, as the splitter described it.
// A chain's first page begins a chunk; the chain's header pages are kept
// for the chunks after them.
func (m *Mount) WritePage(page []byte, pi *ogg.PageInfo, now time.Time) {
	if pi.First && m.format == (streamFormat{}) {
		// A writer inside the server (a station's Opus output) says what
		// it writes with its first page.
		f := streamFormat{ogg: pi.Codec}
		if info := m.Info(); info != nil {
			f.sampleRate, f.channels = info.SampleRate, info.Channels
		}
		m.setFormat(f)
	}
	switch {
	case pi.First:
		m.publish()
		m.oggHeads, m.oggNext = nil, append([]byte(nil), page...)
	case pi.Header:
		m.oggNext = append(m.oggNext, page...)
	}
	if pi.Done {
		m.oggHeads, m.oggNext = m.oggNext, nil
	}
	m.curMeta = m.meta.Load() // for the status pages only: no ICY on Ogg
	if m.pending != nil && len(m.pending.data)+len(page) > cap(m.pending.data) {
		m.publish()
	}
	if m.pending == nil {
		c := &chunk{pos: m.pos, data: make([]byte, 0, max(chunkTarget+2048, len(page))), meta: m.curMeta, gen: m.gen, format: m.format}
		if !pi.First {
			c.lead = m.oggHeads
			c.noStart = !pi.Start || m.oggHeads == nil
		}
		m.pending = c
	}
	m.pending.data = append(m.pending.data, page...)
	m.pos += int64(len(page))
	m.bytesIn.Add(int64(len(page)))
	if len(m.pending.data) >= chunkTarget {
		m.publish()
	}
}

// startable returns the first chunk from seq on that a listener may begin
// with, and its seq; nil when none is published yet.
func (m *Mount) startable(seq uint64) (*chunk, uint64) {
	for head := m.head.Load(); seq < head; seq++ {
		c := m.chunkAt(seq)
		if c == nil {
			return nil, seq
		}
		if !c.noStart {
			return c, seq
		}
	}
	return nil, seq
}

// oggFormat reads what a chain is from its identification header.
func oggFormat(c ogg.Codec, ident []byte) streamFormat {
	f := streamFormat{ogg: c}
	switch c {
	case ogg.Vorbis:
		if id, err := vorbis.ParseIdent(ident); err == nil {
			f.sampleRate, f.channels = id.Rate, id.Channels
		}
	case ogg.Opus:
		// OpusHead (RFC 7845 §5.1): the channel count at byte 9; Opus
		// always plays at 48 kHz, whatever rate it was made from.
		if len(ident) >= 19 {
			f.sampleRate, f.channels = 48000, int(ident[9])
		}
	case ogg.FLAC:
		if h, err := flac.ParseOggHeader(ident); err == nil {
			f.sampleRate, f.channels = h.Info.SampleRate, h.Info.Channels
		}
	}
	return f
}

// oggTitle reads a title from a chain's header packet i, when it is the
// comment header: Vorbis's second packet, OpusTags, or FLAC's
// VORBIS_COMMENT metadata block (type 4).
func oggTitle(c ogg.Codec, i int, p []byte) string {
	switch {
	case c == ogg.Vorbis && i == 1:
		return vorbis.CommentTitle(p)
	case c == ogg.Opus && i == 1 && len(p) >= 8 && string(p[:8]) == "OpusTags":
		return vorbis.CommentListTitle(p[8:])
	case c == ogg.FLAC && i > 0:
		if h, body, err := flac.ParseOggMetadata(p); err == nil && h.Type == flac.VorbisCommentBlock {
			return vorbis.CommentListTitle(body)
		}
	}
	return ""
}
