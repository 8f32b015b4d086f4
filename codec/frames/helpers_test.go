package frames

import (
	"bytes"
	"encoding/binary"
	"testing"

	"onair/codec/adts"
	"onair/codec/mpeg"
)

// mp3Frame returns a whole frame for the header hdr with a payload that
// differs with seed, so that frames can be told apart.
func mp3Frame(t testing.TB, hdr uint32, seed int) []byte {
	t.Helper()
	b := binary.BigEndian.AppendUint32(nil, hdr)
	h, err := mpeg.ParseHeader(b)
	if err != nil {
		t.Fatalf("bad test header %08X: %v", hdr, err)
	}
	return payload(b, h.FrameSize(), seed)
}

// adtsFrame returns a whole AAC-LC frame of the given length at the given
// sample-rate index and channel configuration.
func adtsFrame(t testing.TB, rateIndex, channels, length, seed int) []byte {
	t.Helper()
	h := adts.Header{Profile: 1, SampleRateIndex: rateIndex, ChannelConfig: channels,
		Length: length, BufferFullness: 0x7FF, RawBlocks: 1}
	b, err := h.AppendBinary(nil)
	if err != nil {
		t.Fatalf("bad test header %+v: %v", h, err)
	}
	return payload(b, length, seed)
}

// payload extends header to size bytes of arbitrary data, 0xFF included:
// once locked, the splitter must not look inside frames.
func payload(header []byte, size, seed int) []byte {
	f := make([]byte, size)
	copy(f, header)
	for i := len(header); i < size; i++ {
		f[i] = byte(seed*31 + i*7)
	}
	return f
}

// junk returns n bytes that contain no frame sync (no 0xFF) and do not start
// a tag.
func junk(n, seed int) []byte {
	b := make([]byte, n)
	x := uint32(seed)*2654435761 + 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x % 255) // never 0xFF
	}
	if n > 0 {
		b[0] = 'x'
	}
	return b
}

// id3v2 returns an ID3v2 tag of the given major version whose body is
// bodyLen bytes, with a footer when footer is set (ID3v2.4 only). The body
// holds a valid MP3 header pair and "ID3" to prove it is skipped unread.
func id3v2(major byte, bodyLen int, footer bool) []byte {
	flags := byte(0)
	if footer {
		flags = 0x10
	}
	size := []byte{byte(bodyLen >> 21 & 0x7F), byte(bodyLen >> 14 & 0x7F), byte(bodyLen >> 7 & 0x7F), byte(bodyLen & 0x7F)}
	b := append([]byte{'I', 'D', '3', major, 0, flags}, size...)
	body := make([]byte, max(bodyLen, 50))
	copy(body, "TIT2\x00\x00\x00\x05\x00\x00\x03Test")
	copy(body[20:], []byte{0xFF, 0xFB, 0x90, 0x64})
	copy(body[40:], "ID3\x03\x00\x00\x00\x00\x00\x10")
	b = append(b, body[:bodyLen]...)
	if footer {
		b = append(b, '3', 'D', 'I', major, 0, flags)
		b = append(b, size...)
	}
	return b
}

// id3v1 returns a 128-byte ID3v1 tag.
func id3v1() []byte {
	b := make([]byte, 128)
	copy(b, "TAGA title\x00\x00\x00")
	copy(b[33:], "An artist")
	b[127] = 12 // genre
	return b
}

// apeTag returns an APEv2 tag with header, one item and footer.
func apeTag() []byte {
	item := []byte("\x05\x00\x00\x00\x00\x00\x00\x00Title\x00Hello")
	hdr := func(isHeader bool) []byte {
		b := []byte("APETAGEX")
		b = binary.LittleEndian.AppendUint32(b, 2000)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(item)+32))
		b = binary.LittleEndian.AppendUint32(b, 1)
		flags := uint32(1 << 31)
		if isHeader {
			flags |= 1 << 29
		}
		b = binary.LittleEndian.AppendUint32(b, flags)
		return append(b, make([]byte, 8)...)
	}
	return bytes.Join([][]byte{hdr(true), item, hdr(false)}, nil)
}

// stream is a synthetic source stream and what a splitter should make of it.
type stream struct {
	data    []byte
	frames  [][]byte
	skipped int
	tags    int
}

func (s *stream) frame(f []byte) {
	s.data = append(s.data, f...)
	s.frames = append(s.frames, f)
}

func (s *stream) junk(b []byte) {
	s.data = append(s.data, b...)
	s.skipped += len(b)
}

func (s *stream) tag(b []byte) {
	s.data = append(s.data, b...)
	s.tags += len(b)
}

// split feeds data to sp in chunks of the given size, then flushes, and
// returns copies of the frames emitted. Each chunk is copied into a scratch
// buffer that is scribbled over after Split returns, so that a splitter
// reading the caller's bytes too late is caught.
func split(sp *Splitter, data []byte, chunk int) [][]byte {
	var out [][]byte
	emit := func(f []byte) { out = append(out, bytes.Clone(f)) }
	scratch := make([]byte, chunk)
	for len(data) > 0 {
		n := copy(scratch, data)
		sp.Split(scratch[:n], emit)
		for i := range scratch {
			scratch[i] = 0xFF
		}
		data = data[n:]
	}
	sp.Flush(emit)
	return out
}

// sameFrames reports the first difference between got and want.
func sameFrames(t *testing.T, got, want [][]byte) {
	t.Helper()
	for i := range min(len(got), len(want)) {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("frame %d: got %d bytes starting % X, want %d bytes starting % X",
				i, len(got[i]), got[i][:min(8, len(got[i]))], len(want[i]), want[i][:min(8, len(want[i]))])
		}
	}
	if len(got) != len(want) {
		t.Fatalf("got %d frames, want %d", len(got), len(want))
	}
}
