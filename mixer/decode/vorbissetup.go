package decode

import (
	"bytes"
	"errors"
	"io"

	"onair/codec/ogg"
	"onair/codec/vorbis"
)

// jfreymuth/vorbis v1.0.2 misreads a setup header with a floor 1 of zero
// partitions, which libvorbis writes for the LFE channel of every 5.1
// file: where Vorbis I §7.2.2 reads no class at all (maximum_class is
// −1), it reads one, 13 bits or more, and everything after is garbage
// ("vorbis: decoding error"). vorbis.CheckSetup mends the header; the
// header pages are rebuilt in memory around it and the audio pages follow
// from the file unchanged.

// errLostHeader stops the header read at a header packet lost between
// pages.
var errLostHeader = errors.New("ogg: header packet lost")

// maxHeaderBytes bounds the Vorbis header pages read into memory.
const maxHeaderBytes = 4 << 20

// oggSource is what oggvorbis reads: head (rebuilt header pages, or
// nothing) followed by body, the rest of the stream in the file. It is
// an io.ReadSeeker over the two.
type oggSource struct {
	head    []byte
	body    *io.SectionReader
	bodyOff int64 // where body starts in the file
	pos     int64
}

func (s *oggSource) size() int64 { return int64(len(s.head)) + s.body.Size() }

func (s *oggSource) Read(p []byte) (int, error) {
	if h := int64(len(s.head)); s.pos < h {
		n := copy(p, s.head[s.pos:])
		s.pos += int64(n)
		return n, nil
	}
	n, err := s.body.ReadAt(p, s.pos-int64(len(s.head)))
	s.pos += int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

func (s *oggSource) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		offset += s.pos
	case io.SeekEnd:
		offset += s.size()
	}
	if offset < 0 {
		return 0, errors.New("ogg: seek before start")
	}
	s.pos = offset
	return offset, nil
}

// fileOffset is where the reading position is in the file.
func (s *oggSource) fileOffset() int64 {
	return s.bodyOff + s.pos - int64(len(s.head))
}

// newOggSource returns the source for the Vorbis stream at off in f
// (size bytes), with its setup header fixed if it needs to be.
func newOggSource(f io.ReaderAt, off, size int64) *oggSource {
	plain := &oggSource{body: io.NewSectionReader(f, off, size-off), bodyOff: off}
	serial, packets, end, ok := readHeaderPackets(f, off, size)
	if !ok {
		return plain
	}
	id, err := vorbis.ParseIdent(packets[0])
	if err != nil {
		return plain
	}
	fixed, err := vorbis.CheckSetup(packets[2], id.Channels)
	if err != nil || bytes.Equal(fixed, packets[2]) {
		return plain // nothing to mend, or nothing the mend can parse
	}
	packets[2] = fixed
	var head []byte
	head = appendPages(head, serial, packets[:1], 0)
	head = appendPages(head, serial, packets[1:], 1)
	return &oggSource{head: head, body: io.NewSectionReader(f, end, size-end), bodyOff: end}
}

// readHeaderPackets reads the three Vorbis header packets from the Ogg
// pages (RFC 3533 §6) at off, their stream's serial number, and where the
// page holding the last one ends. Vorbis I §A.2 has the first audio
// packet start a fresh page, so the rest of the file is audio pages.
func readHeaderPackets(f io.ReaderAt, off, size int64) (uint32, [][]byte, int64, bool) {
	var serial uint32
	var packets [][]byte
	var join ogg.Packets
	keep := func(p []byte, lost bool) error {
		if lost {
			return errLostHeader
		}
		packets = append(packets, bytes.Clone(p))
		return nil
	}
	var hdr [ogg.HeaderSize + 255]byte
	start := off
	for len(packets) < 3 {
		if off-start > maxHeaderBytes {
			return 0, nil, 0, false
		}
		n, _ := f.ReadAt(hdr[:], off)
		pageSize, err := ogg.PageSize(hdr[:n])
		if err != nil {
			return 0, nil, 0, false
		}
		buf := make([]byte, pageSize)
		if n, _ := f.ReadAt(buf, off); n < pageSize {
			return 0, nil, 0, false
		}
		p, err := ogg.ParsePage(buf)
		if err != nil || off != start && p.Serial != serial {
			return 0, nil, 0, false
		}
		serial = p.Serial
		if err := join.Add(&p, keep); err != nil {
			return 0, nil, 0, false
		}
		off += int64(pageSize)
		if off > size {
			return 0, nil, 0, false
		}
		if len(packets) == 3 && (len(p.Segments) == 0 || p.Segments[len(p.Segments)-1] == 255) {
			return 0, nil, 0, false // an audio packet begins on the setup header's page
		}
	}
	if len(packets) != 3 {
		return 0, nil, 0, false
	}
	return serial, packets, off, true
}

// appendPages writes packets as Ogg pages of stream serial, numbered
// from seq: granule position 0 where a packet ends, −1 where none does,
// the continued flag where one goes on from the last page,
// beginning-of-stream on page 0.
func appendPages(out []byte, serial uint32, packets [][]byte, seq uint32) []byte {
	// The lacing values of all packets: 255s and a final value < 255.
	var lacing []byte
	var data []byte
	for _, p := range packets {
		n := len(p)
		for n >= 255 {
			lacing = append(lacing, 255)
			n -= 255
		}
		lacing = append(lacing, byte(n))
		data = append(data, p...)
	}
	continued := false
	for len(lacing) > 0 {
		segs := lacing[:min(len(lacing), 255)]
		lacing = lacing[len(segs):]
		body := 0
		for _, l := range segs {
			body += int(l)
		}
		page := ogg.Page{Granule: -1, Serial: serial, Sequence: seq, Segments: segs, Body: data[:body]}
		if continued {
			page.Flags |= ogg.Continued
		}
		if seq == 0 {
			page.Flags |= ogg.BOS
		}
		for _, l := range segs {
			if l < 255 {
				page.Granule = 0
			}
		}
		out = ogg.AppendPage(out, &page)
		data = data[body:]
		continued = segs[len(segs)-1] == 255
		seq++
	}
	return out
}
