package frames

import (
	"bytes"
	"testing"

	"onair/codec/adts"
	"onair/codec/mpeg"
)

// FuzzSplitter checks that the splitter never panics, emits only frames that
// parse and are exactly as long as their headers say, accounts for every
// byte, keeps its buffer, and emits the same frames however the input is
// chunked.
func FuzzSplitter(f *testing.F) {
	// Small seeds: the fuzzer minimizes every new input it finds
	// interesting, in time quadratic in its length.
	var m stream
	m.tag(id3v2(4, 4, true))
	m.junk(junk(10, 8))
	for i := range 3 {
		m.frame(mp3Frame(f, 0xFFE31800, i)) // MPEG-2.5 L3 8 kbps 8 kHz: 72 bytes
	}
	m.tag(id3v1())
	m.frame(mp3Frame(f, 0xFFE31800, 4)[:30])
	m.frame(mp3Frame(f, 0xFFE31800, 5))
	m.frame(mp3Frame(f, 0xFFE31800, 6))
	f.Add(m.data, uint16(30), false, uint16(0))
	var a stream
	a.tag(id3v2(3, 0, false))
	for i := range 4 {
		a.frame(adtsFrame(f, 4, 2, 20+i*10, i))
	}
	a.junk(junk(10, 9))
	a.frame(adtsFrame(f, 4, 2, 20, 9))
	a.frame(adtsFrame(f, 4, 2, 20, 10))
	f.Add(a.data, uint16(13), true, uint16(0))
	f.Add([]byte("\xFF\xFB\x90\x64ID3\x04\x00\x10\x00\x00\x00\x01TAGAPETAGEX"), uint16(1), false, uint16(0))
	f.Fuzz(func(t *testing.T, data []byte, chunk uint16, isADTS bool, maxFrame uint16) {
		codec := MP3
		if isADTS {
			codec = ADTS
		}
		sp := NewSplitter(codec, int(maxFrame))
		bufCap := cap(sp.buf)
		got := split(sp, data, int(chunk%4096)+1)
		if cap(sp.buf) != bufCap {
			t.Fatalf("buffer grew from %d to %d", bufCap, cap(sp.buf))
		}
		for i, fr := range got {
			var size int
			var err error
			if isADTS {
				var h adts.Header
				h, err = adts.ParseHeader(fr)
				size = h.FrameSize()
			} else {
				var h mpeg.Header
				h, err = mpeg.ParseHeader(fr)
				size = h.FrameSize()
			}
			if err != nil || size != len(fr) || size > sp.maxFrame {
				t.Fatalf("frame %d of %d bytes: FrameSize %d, %v", i, len(fr), size, err)
			}
		}
		st := sp.Stats()
		if st.Frames != uint64(len(got)) || st.Pending != 0 || st.Bytes+st.Skipped+st.Tags != uint64(len(data)) {
			t.Fatalf("%+v for %d frames of %d bytes in", st, len(got), len(data))
		}
		whole := split(NewSplitter(codec, int(maxFrame)), data, max(len(data), 1))
		if len(whole) != len(got) {
			t.Fatalf("%d frames in chunks of %d, %d in one go", len(got), int(chunk%4096)+1, len(whole))
		}
		for i := range got {
			if !bytes.Equal(got[i], whole[i]) {
				t.Fatalf("frame %d differs between chunked and whole input", i)
			}
		}
		if i := codec.Sync(data); i >= 0 {
			f, v := probe(codec, codec.MaxFrame(), data[i:])
			if v != yes || len(data) < i+f.size {
				t.Fatalf("Sync = %d, no frame there", i)
			}
			if g, v := probe(codec, codec.MaxFrame(), data[i+f.size:]); v != yes || g.key != f.key {
				t.Fatalf("Sync = %d, no consistent successor", i)
			}
		}
	})
}
