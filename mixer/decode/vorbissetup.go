package decode

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"

	"onair/codec/ogg"
	"onair/codec/vorbis"
)

// jfreymuth/vorbis v1.0.2 misreads a setup header with a floor 1 of zero
// partitions, which libvorbis writes for the LFE channel of every 5.1
// file: where Vorbis I §7.2.2 reads no class at all (maximum_class is
// −1), it reads one, 13 bits or more, and everything after is garbage
// ("vorbis: decoding error"). vorbis.CheckVorbisSetup mends the header; the
// header pages are rebuilt in memory around it and the audio pages follow
// from the file unchanged.

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
	if len(packets[0]) < 12 {
		return plain
	}
	fixed, err := vorbis.CheckVorbisSetup(packets[2], int(packets[0][11]))
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
	var cur []byte
	var hdr [27 + 255]byte
	start := off
	for len(packets) < 3 {
		if off-start > maxHeaderBytes {
			return 0, nil, 0, false
		}
		if n, _ := f.ReadAt(hdr[:27], off); n < 27 || string(hdr[:4]) != "OggS" {
			return 0, nil, 0, false
		}
		nseg := int(hdr[26])
		if n, _ := f.ReadAt(hdr[27:27+nseg], off+27); n < nseg {
			return 0, nil, 0, false
		}
		s := binary.LittleEndian.Uint32(hdr[14:])
		if off != start && s != serial {
			return 0, nil, 0, false
		}
		serial = s
		body := 0
		for _, l := range hdr[27 : 27+nseg] {
			body += int(l)
		}
		data := make([]byte, body)
		if n, _ := f.ReadAt(data, off+27+int64(nseg)); n < body {
			return 0, nil, 0, false
		}
		p := 0
		for _, l := range hdr[27 : 27+nseg] {
			cur = append(cur, data[p:p+int(l)]...)
			p += int(l)
			if l < 255 {
				packets = append(packets, cur)
				cur = nil
			}
		}
		off += 27 + int64(nseg) + int64(body)
		if off > size {
			return 0, nil, 0, false
		}
	}
	if len(packets) != 3 || len(cur) != 0 {
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
		var flags byte
		if continued {
			flags |= 1
		}
		if seq == 0 {
			flags |= 2
		}
		granule := int64(-1)
		for _, l := range segs {
			if l < 255 {
				granule = 0
			}
		}
		page := make([]byte, 27, 27+len(segs)+body)
		copy(page, "OggS")
		page[5] = flags
		binary.LittleEndian.PutUint64(page[6:], uint64(granule))
		binary.LittleEndian.PutUint32(page[14:], serial)
		binary.LittleEndian.PutUint32(page[18:], seq)
		page[26] = byte(len(segs))
		page = append(page, segs...)
		page = append(page, data[:body]...)
		data = data[body:]
		binary.LittleEndian.PutUint32(page[22:], ogg.PageCRC(page))
		out = append(out, page...)
		continued = segs[len(segs)-1] == 255
		seq++
	}
	return out
}
