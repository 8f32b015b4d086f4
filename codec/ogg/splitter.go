package ogg

import (
	"errors"
	"fmt"
)

// Errors that end a stream a Splitter is cutting. They are wrapped with
// what was found.
var (
	// ErrNoSync means no checked page came for SplitterOptions.MaxLost
	// bytes.
	ErrNoSync = errors.New("ogg: no valid page")
	// ErrNoHeaders means pages came, but none began a logical stream:
	// a listener could never decode them.
	ErrNoHeaders = errors.New("ogg: no header pages")
	// ErrMultiplexed means several logical streams begin together (video
	// with audio, a Skeleton track): a server passing audio on cannot
	// tell listeners which to play.
	ErrMultiplexed = errors.New("ogg: multiplexed streams")
	// ErrUnsupportedCodec means the stream carries a codec other than
	// Vorbis, Opus or FLAC.
	ErrUnsupportedCodec = errors.New("ogg: unsupported codec")
)

// SplitterOptions configure a Splitter.
type SplitterOptions struct {
	// MaxLost is how many bytes may go by without a checked page, or
	// without a page that begins a logical stream, before Split fails;
	// 0 means 256 KiB.
	MaxLost int
	// MaxHeader bounds one header packet (a comment header may hold a
	// picture); longer ones are dropped whole. 0 means 4 MiB.
	MaxHeader int
	// OnHeader, when set, is given each header packet of each chain, in
	// order, with its index in the chain (0 is the identification
	// header). The packet is valid during the call only.
	OnHeader func(c Codec, index int, packet []byte)
}

// PageInfo is what a page is to someone joining the stream on it.
type PageInfo struct {
	Serial uint32
	Codec  Codec
	// First: the page begins a chain (a logical stream's BOS page). A
	// listener may start here with nothing before it.
	First bool
	// Header: the page carries header packets of its chain: a listener
	// starting later needs it first. Done: the chain's headers are all
	// in once this page is.
	Header, Done bool
	// Start: an audio page on which a packet begins, so that a decoder
	// given the chain's header pages first can start here.
	Start bool
}

// SplitStats counts what a Splitter dropped.
type SplitStats struct {
	Skipped  uint64 // bytes that were not a checked page
	BadPages uint64 // pages whose checksum failed, or whose lacing cannot be
	Foreign  uint64 // pages of a logical stream other than the chain's
	Orphans  uint64 // pages before any chain began
	Chains   uint64 // chains begun
}

// Splitter cuts a live Ogg stream into checked whole pages for a server
// to pass on, and follows its chains: one logical stream after another,
// each starting with its header pages (RFC 3533 §4, the chained streams
// of Vorbis I §A.2 and RFC 7845 §3). Garbage, truncated pages and pages
// whose checksum fails are skipped up to the next page; pages of another
// logical stream are dropped. It keeps one page's bytes at most and
// allocates nothing per page once the stream runs.
type Splitter struct {
	opts  SplitterOptions
	buf   []byte
	lost  int // bytes skipped since the last checked page
	stray int // bytes of pages dropped since a page was passed on
	stats SplitStats

	// The chain in progress.
	active    bool
	serial    uint32
	codec     Codec
	headers   int  // header packets still to come; -1: FLAC, until the last block
	index     int  // header packets seen
	afterBOS  bool // the last page passed on began a chain
	packets   Packets
	nextSeq   uint32
	anyPassed bool
	info      PageInfo
}

// NewSplitter returns a Splitter for one source's stream.
func NewSplitter(o SplitterOptions) *Splitter {
	if o.MaxLost <= 0 {
		o.MaxLost = 256 << 10
	}
	if o.MaxHeader <= 0 {
		o.MaxHeader = 4 << 20
	}
	return &Splitter{opts: o, buf: make([]byte, 0, 2*MaxPageSize), packets: Packets{Max: o.MaxHeader}}
}

// Stats returns what the Splitter dropped so far.
func (s *Splitter) Stats() SplitStats { return s.stats }

// Split takes the next bytes of the stream and calls emit with each whole
// checked page in it that belongs to the chain in progress (the page is
// valid during the call only). It fails, with one of the package's
// errors, when the stream cannot be passed on.
func (s *Splitter) Split(p []byte, emit func(page []byte, info *PageInfo)) error {
	for len(p) > 0 {
		n := min(len(p), cap(s.buf)-len(s.buf))
		s.buf = append(s.buf, p[:n]...)
		p = p[n:]
		if err := s.pages(emit); err != nil {
			return err
		}
	}
	return nil
}

// pages handles every whole page in buf and keeps what is left.
func (s *Splitter) pages(emit func([]byte, *PageInfo)) error {
	pos := 0
	defer func() { s.buf = s.buf[:copy(s.buf, s.buf[pos:])] }()
	for {
		b := s.buf[pos:]
		n, err := PageSize(b)
		if err == nil && len(b) >= HeaderSize && s.lost > 0 && !s.plausible(b) {
			err = ErrNoPage
		}
		if err != nil {
			skip := SkipToCapture(b)
			pos += skip
			if err := s.skip(skip); err != nil {
				return err
			}
			continue
		}
		if n > len(b) {
			return nil
		}
		page, err := ParsePage(b[:n])
		if err == nil && !lacingOK(&page) {
			err = ErrBadCRC
		}
		if err != nil {
			s.stats.BadPages++
			pos++
			if err := s.skip(1); err != nil {
				return err
			}
			continue
		}
		s.lost = 0
		if err := s.page(b[:n], &page, emit); err != nil {
			return err
		}
		pos += n
	}
}

// lacingOK rejects pages a muxer cannot have written: a stream's last page
// whose last packet never ends, and a first page without a whole first
// packet (RFC 3533 §6, Vorbis I §A.2, RFC 7845 §3).
func lacingOK(p *Page) bool {
	last := len(p.Segments) > 0 && p.Segments[len(p.Segments)-1] == 255
	switch {
	case p.Flags&^(Continued|BOS|EOS) != 0:
		return false
	case p.Flags&EOS != 0 && last:
		return false
	case p.Flags&BOS != 0:
		if p.Flags&Continued != 0 || p.Sequence != 0 || len(p.Segments) == 0 {
			return false
		}
		for _, l := range p.Segments {
			if l < 255 {
				return true
			}
		}
		return false
	}
	return true
}

// plausible judges a capture pattern found while hunting: the start of a
// chain, or a page of the chain in progress near where it was. The
// checksum cannot tell until the whole page is in, which a false header
// may claim to be 64 KiB on.
func (s *Splitter) plausible(b []byte) bool {
	p, err := ParseHeader(b)
	switch {
	case err != nil, p.Flags&^(Continued|BOS|EOS) != 0:
		return false
	case p.Flags&BOS != 0:
		return p.Sequence == 0
	}
	return s.active && p.Serial == s.serial && p.Sequence-s.nextSeq < 1<<10
}

// skip counts n bytes lost, failing past MaxLost in a row.
func (s *Splitter) skip(n int) error {
	s.lost += n
	s.stats.Skipped += uint64(n)
	if s.lost > s.opts.MaxLost {
		return fmt.Errorf("%w in %d KiB", ErrNoSync, s.opts.MaxLost>>10)
	}
	return nil
}

// drop counts a checked page that is not passed on, failing when such
// pages are all that comes.
func (s *Splitter) drop(p *Page, why *uint64) error {
	*why++
	s.stray += p.Size()
	if s.stray <= s.opts.MaxLost {
		return nil
	}
	if !s.anyPassed {
		return fmt.Errorf("%w: %d KiB of pages and no page that begins a stream", ErrNoHeaders, s.opts.MaxLost>>10)
	}
	return fmt.Errorf("%w: %d KiB of pages of streams other than %#x", ErrNoHeaders, s.opts.MaxLost>>10, s.serial)
}

// page handles one checked page.
func (s *Splitter) page(b []byte, p *Page, emit func([]byte, *PageInfo)) error {
	// The Splitter's own, so that handing it to emit allocates nothing.
	info := &s.info
	*info = PageInfo{Serial: p.Serial}
	switch {
	case p.Flags&BOS != 0:
		if s.afterBOS {
			return fmt.Errorf("%w: logical streams %#x and %#x begin together", ErrMultiplexed, s.serial, p.Serial)
		}
		c := Identify(p.FirstPacket())
		if c != Vorbis && c != Opus && c != FLAC {
			return fmt.Errorf("%w: %s (Vorbis, Opus and FLAC are passed on)", ErrUnsupportedCodec, c)
		}
		s.active, s.serial, s.codec, s.index = true, p.Serial, c, 0
		s.headers = headerPackets(c)
		s.packets.Reset()
		s.stats.Chains++
		info.First = true
	case !s.active:
		return s.drop(p, &s.stats.Orphans)
	case p.Serial != s.serial:
		return s.drop(p, &s.stats.Foreign)
	}
	info.Codec = s.codec
	if s.headers != 0 {
		info.Header = true
		if err := s.packets.Add(p, s.header); err != nil {
			return err
		}
		info.Done = s.headers == 0
	} else {
		info.Start = p.Flags&Continued == 0
	}
	s.afterBOS, s.stray, s.anyPassed = info.First, 0, true
	s.nextSeq = p.Sequence + 1
	if p.Flags&EOS != 0 {
		s.active = false
	}
	emit(b, info)
	return nil
}

// headerPackets is how many header packets begin a chain of codec c
// (Vorbis I §4.2, RFC 7845 §5); -1 for FLAC, whose last metadata block
// says it is the last.
func headerPackets(c Codec) int {
	switch c {
	case Vorbis:
		return 3
	case Opus:
		return 2
	}
	return -1
}

// header takes one header packet of the chain in progress.
func (s *Splitter) header(packet []byte, _ bool) error {
	if s.headers == 0 {
		return nil // audio on the page that ends the headers
	}
	if s.opts.OnHeader != nil {
		s.opts.OnHeader(s.codec, s.index, packet)
	}
	s.index++
	if s.headers > 0 {
		s.headers--
		return nil
	}
	// FLAC in Ogg: the first packet holds STREAMINFO's block header, the
	// others one metadata block each; the last block's header has its
	// top bit set.
	last := false
	switch {
	case s.index == 1 && len(packet) >= 13+4:
		last = packet[13]&0x80 != 0
	case s.index == 1:
		last = true // damaged: no more headers can be told
	case len(packet) > 0:
		last = packet[0]&0x80 != 0
	}
	if last || s.index > 1<<10 {
		s.headers = 0
	}
	return nil
}
