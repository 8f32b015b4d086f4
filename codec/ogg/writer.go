package ogg

// Writer lays the packets of one logical stream out on pages (RFC 3533
// §6): the first page, flagged BOS, holds the first packet alone, as
// Vorbis and Opus want of their identification header; a packet longer
// than a page goes on to the next one, flagged Continued; a page is
// written once MaxBytes of body or MaxGranules of the codec's time are
// gathered, at 255 segments, or when Flush is called; End writes the last
// page, flagged EOS. Each method appends the pages it completes to dst
// and returns it, so that every page can go out as one unit. Steady state
// does not allocate when dst has room.
type Writer struct {
	// Serial is the logical stream's serial number, chosen by the
	// caller: different for each stream of a chain.
	Serial uint32
	// MaxBytes is the body length at which a page is written; 0 means
	// 4096.
	MaxBytes int
	// MaxGranules is the span of granule positions at which a page is
	// written; 0 means no limit.
	MaxGranules int64

	seq       uint32 // the next page's sequence number
	segs      []byte // lacing values not yet on a page
	body      []byte // their bytes
	ends      []end  // the packets that end among segs
	continued bool   // segs[0] goes on with a packet begun on a page before
	start     int64  // the granule where the pending audio began
	last      int64  // the granule of the last packet taken
	page      Page   // the page being built, kept to not allocate
	ended     bool   // End was called
}

// end is where a packet ends among the pending segments, and its granule.
type end struct {
	seg     int // the index of its last segment
	granule int64
}

// NewWriter returns a Writer for the logical stream serial.
func NewWriter(serial uint32) *Writer { return &Writer{Serial: serial} }

// WritePacket takes the next packet and the granule position at its end,
// and appends the pages it completes. The stream's first packet goes out
// on the BOS page at once.
func (w *Writer) WritePacket(dst, packet []byte, granule int64) []byte {
	if w.ended {
		return dst
	}
	if len(w.segs) == 0 {
		w.start = w.last // the time of the page being gathered counts from here
	}
	for n := len(packet); ; n -= 255 {
		if n < 255 {
			w.segs = append(w.segs, byte(n))
			break
		}
		w.segs = append(w.segs, 255)
	}
	w.body = append(w.body, packet...)
	w.ends = append(w.ends, end{seg: len(w.segs) - 1, granule: granule})
	w.last = granule
	for len(w.segs) >= 255 {
		dst = w.emit(dst, 255, 0)
	}
	maxBytes := w.MaxBytes
	if maxBytes <= 0 {
		maxBytes = 4096
	}
	if w.seq == 0 || len(w.body) >= maxBytes || (w.MaxGranules > 0 && w.last-w.start >= w.MaxGranules) {
		dst = w.Flush(dst)
	}
	return dst
}

// WriteHeader takes a header packet (granule 0) and puts it on pages of
// its own, as RFC 7845 §3 asks of Opus's headers: the audio starts on a
// fresh page.
func (w *Writer) WriteHeader(dst, packet []byte) []byte {
	return w.Flush(w.WritePacket(dst, packet, 0))
}

// Flush writes what is pending on pages now.
func (w *Writer) Flush(dst []byte) []byte {
	for len(w.segs) > 0 {
		dst = w.emit(dst, min(len(w.segs), 255), 0)
	}
	return dst
}

// End writes what is pending and ends the stream with an EOS page (an
// empty one when nothing is pending). Later writes do nothing.
func (w *Writer) End(dst []byte) []byte {
	if w.ended {
		return dst
	}
	for len(w.segs) > 255 {
		dst = w.emit(dst, 255, 0)
	}
	dst = w.emit(dst, len(w.segs), EOS)
	w.ended = true
	return dst
}

// Pages returns how many pages were written.
func (w *Writer) Pages() int { return int(w.seq) }

// emit writes the first n pending segments as one page.
func (w *Writer) emit(dst []byte, n int, flags byte) []byte {
	size := 0
	for _, l := range w.segs[:n] {
		size += int(l)
	}
	granule := int64(-1) // no packet ends on the page
	done := 0
	for _, e := range w.ends {
		if e.seg >= n {
			break
		}
		granule, done = e.granule, done+1
	}
	if w.seq == 0 {
		flags |= BOS
	}
	if w.continued {
		flags |= Continued
	}
	if granule < 0 && flags&EOS != 0 {
		granule = w.last
	}
	w.page = Page{Flags: flags, Granule: granule, Serial: w.Serial, Sequence: w.seq,
		Segments: w.segs[:n], Body: w.body[:size]}
	dst = AppendPage(dst, &w.page)
	w.seq++
	w.continued = n > 0 && w.segs[n-1] == 255
	w.segs = w.segs[:copy(w.segs, w.segs[n:])]
	w.body = w.body[:copy(w.body, w.body[size:])]
	w.ends = w.ends[:copy(w.ends, w.ends[done:])]
	for i := range w.ends {
		w.ends[i].seg -= n
	}
	w.start = w.last // for what is left of a packet across pages
	w.page = Page{}
	return dst
}
