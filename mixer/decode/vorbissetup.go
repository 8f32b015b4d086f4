package decode

import (
	"encoding/binary"
	"errors"
	"io"
)

// jfreymuth/vorbis v1.0.2 misreads a setup header with a floor 1 of zero
// partitions, which libvorbis writes for the LFE channel of every 5.1
// file: where Vorbis I §7.2.2 reads no class at all (maximum_class is
// −1), it reads one, 13 bits or more, and everything after is garbage
// ("vorbis: decoding error"). Such a floor is never used to decode, so
// the fix is to hand oggvorbis a setup header with 13 zero bits inserted
// after the partition count of each such floor: it reads them as a class
// of dimension 1 without subclasses, which no partition refers to. The
// header pages are rebuilt in memory and the audio pages follow from the
// file unchanged.

// zeroPartitionPad is what the decoder reads for one class with no
// subclasses: dimensions (3 bits), subclasses (2), one subclass book (8).
const zeroPartitionPad = 3 + 2 + 8

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
	fixed, ok := padZeroPartitionFloors(packets[2])
	if !ok {
		return plain
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
		binary.LittleEndian.PutUint32(page[22:], oggCRC(page))
		out = append(out, page...)
		continued = segs[len(segs)-1] == 255
		seq++
	}
	return out
}

// oggCRC is the Ogg page checksum: CRC-32, polynomial 0x04C11DB7, not
// reflected, initial value and final XOR 0, over the page with its
// checksum field zero (RFC 3533 §6).
func oggCRC(page []byte) uint32 {
	var crc uint32
	for _, b := range page {
		crc ^= uint32(b) << 24
		for range 8 {
			if crc&0x80000000 != 0 {
				crc = crc<<1 ^ 0x04C11DB7
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// padZeroPartitionFloors parses the setup header packet as far as the
// floors (Vorbis I §4.2.4) and returns it with zeroPartitionPad zero bits
// after the partition count of each floor 1 that has no partitions. It
// reports false when there is none, or the header does not parse.
func padZeroPartitionFloors(pkt []byte) ([]byte, bool) {
	if len(pkt) < 7 || pkt[0] != 5 || string(pkt[1:7]) != "vorbis" {
		return nil, false
	}
	r := &bitReader{b: pkt[7:]}
	for range r.read(8) + 1 {
		if !skipCodebook(r) {
			return nil, false
		}
	}
	for range r.read(6) + 1 {
		if r.read(16) != 0 { // time domain transforms: placeholders, all 0
			return nil, false
		}
	}
	var at []int // bit positions to pad at
	for range r.read(6) + 1 {
		switch r.read(16) {
		case 0:
			r.skip(8 + 16 + 16 + 6 + 8)
			r.skip(8 * (r.read(4) + 1))
		case 1:
			partitions := r.read(5)
			if partitions == 0 {
				at = append(at, r.pos)
			}
			var classList [32]int
			maxClass := -1
			for i := range partitions {
				classList[i] = r.read(4)
				maxClass = max(maxClass, classList[i])
			}
			var dims [16]int
			for i := 0; i <= maxClass; i++ {
				dims[i] = r.read(3) + 1
				sub := r.read(2)
				if sub != 0 {
					r.skip(8)
				}
				r.skip(8 * (1 << sub))
			}
			r.skip(2)
			rangeBits := r.read(4)
			for _, c := range classList[:partitions] {
				r.skip(dims[c] * rangeBits)
			}
		default:
			return nil, false
		}
		if r.eof {
			return nil, false
		}
	}
	if len(at) == 0 {
		return nil, false
	}
	return insertZeroBits(pkt, 7*8, at, zeroPartitionPad), true
}

// skipCodebook reads past one codebook (Vorbis I §3.2.1).
func skipCodebook(r *bitReader) bool {
	if r.read(24) != 0x564342 {
		return false
	}
	dims := r.read(16)
	entries := r.read(24)
	if r.read(1) == 0 { // not ordered
		sparse := r.read(1) == 1
		for range entries {
			if !sparse || r.read(1) == 1 {
				r.skip(5)
			}
			if r.eof {
				return false
			}
		}
	} else {
		r.skip(5)
		for cur := 0; cur < entries; {
			n := r.read(ilog(entries - cur))
			if n == 0 && r.eof {
				return false
			}
			cur += n
		}
	}
	switch lookup := r.read(4); lookup {
	case 0:
	case 1, 2:
		r.skip(32 + 32)
		bits := r.read(4) + 1
		r.skip(1)
		values := entries * dims
		if lookup == 1 {
			values = lookup1Values(entries, dims)
		}
		r.skip(values * bits)
	default:
		return false
	}
	return !r.eof
}

// ilog is the number of bits needed for x (Vorbis I §9.2.1).
func ilog(x int) int {
	n := 0
	for ; x > 0; x >>= 1 {
		n++
	}
	return n
}

// lookup1Values is the largest r with r^dims <= entries (§9.2.3).
func lookup1Values(entries, dims int) int {
	if dims <= 0 {
		return 0
	}
	r := 0
	for {
		p := 1
		for range dims {
			p *= r + 1
			if p > entries {
				return r
			}
		}
		r++
	}
}

// bitReader reads the Vorbis bit packing: least significant bit first.
type bitReader struct {
	b   []byte
	pos int // in bits
	eof bool
}

// skip passes over n bits.
func (r *bitReader) skip(n int) {
	if n < 0 || r.pos+n > len(r.b)*8 {
		r.eof = true
		r.pos = len(r.b) * 8
		return
	}
	r.pos += n
}

// read returns the next n bits (n <= 32) as an int; past the end, zeros
// and eof.
func (r *bitReader) read(n int) int {
	v := 0
	for i := range n {
		if r.pos>>3 >= len(r.b) {
			r.eof = true
			return 0
		}
		v |= int(r.b[r.pos>>3]>>(r.pos&7)&1) << i
		r.pos++
	}
	return v
}

// insertZeroBits returns pkt with n zero bits inserted at each bit
// position in at (counted from base, in order).
func insertZeroBits(pkt []byte, base int, at []int, n int) []byte {
	total := len(pkt)*8 + len(at)*n
	out := make([]byte, (total+7)/8)
	w := 0
	next := 0
	for i := 0; i < len(pkt)*8; i++ {
		if next < len(at) && i == base+at[next] {
			w += n
			next++
		}
		if pkt[i>>3]>>(i&7)&1 != 0 {
			out[w>>3] |= 1 << (w & 7)
		}
		w++
	}
	return out
}
