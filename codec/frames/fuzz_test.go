package frames

import (
	"bytes"
	"errors"
	"testing"
)

func FuzzParseMP3Header(f *testing.F) {
	for _, h := range []string{"\xFF\xFB\x90\x64", "\xFF\xF3\x80\xC4", "\xFF\xE3\x48\xC0", "\xFF\xFD\xA4\x00",
		"\xFF\xFF\xCA\x00", "\xFF\xE5\xEA\x03", "\xFF\xFB\x90\x66", "\xFF\xEB\x90\x64", "\xFF\xFB\xF0\x64", "ID3\x04"} {
		f.Add([]byte(h))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseMP3Header(b)
		if err != nil {
			if h != (MP3Header{}) {
				t.Fatalf("error %v with header %+v", err, h)
			}
			for _, e := range []error{ErrShortHeader, ErrNoSync, ErrReservedVersion, ErrReservedLayer,
				ErrFreeFormat, ErrBadBitrate, ErrBadSampleRate, ErrBadEmphasis} {
				if err == e {
					return
				}
			}
			t.Fatalf("unexpected error %v", err)
		}
		if n := h.FrameSize(); n <= MP3HeaderSize || n > MaxMP3Frame {
			t.Fatalf("%+v: FrameSize %d", h, n)
		}
		if s := h.Samples(); s != 384 && s != 576 && s != 1152 {
			t.Fatalf("%+v: Samples %d", h, s)
		}
		if h.Duration() <= 0 || h.Channels() < 1 || h.Channels() > 2 {
			t.Fatalf("%+v: Duration %v, Channels %d", h, h.Duration(), h.Channels())
		}
		enc, err := h.AppendBinary(nil)
		if err != nil || !bytes.Equal(enc, b[:MP3HeaderSize]) {
			t.Fatalf("AppendBinary(%+v) = % X, %v; want % X", h, enc, err, b[:MP3HeaderSize])
		}
	})
}

func FuzzParseADTSHeader(f *testing.F) {
	for _, h := range []string{"\xFF\xF1\x50\x80\x2E\x7F\xFC", "\xFF\xF0\x50\x80\x01\x3F\xFC", "\xFF\xF1\x7C\x80\x2E\x7F\xFC"} {
		f.Add([]byte(h))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseADTSHeader(b)
		if err != nil {
			if !errors.Is(err, ErrShortHeader) && !errors.Is(err, ErrNoSync) && !errors.Is(err, ErrReservedLayer) &&
				!errors.Is(err, ErrBadSampleRate) && !errors.Is(err, ErrBadFrameLength) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if h.FrameSize() < h.HeaderSize() || h.FrameSize() > MaxADTSFrame || h.SampleRate() == 0 || h.Duration() <= 0 {
			t.Fatalf("%+v: FrameSize %d SampleRate %d Duration %v", h, h.FrameSize(), h.SampleRate(), h.Duration())
		}
		enc, err := h.AppendBinary(nil)
		if err != nil || !bytes.Equal(enc, b[:ADTSHeaderSize]) {
			t.Fatalf("AppendBinary(%+v) = % X, %v; want % X", h, enc, err, b[:ADTSHeaderSize])
		}
	})
}

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
	f.Fuzz(func(t *testing.T, data []byte, chunk uint16, adts bool, maxFrame uint16) {
		codec := MP3
		if adts {
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
			if adts {
				var h ADTSHeader
				h, err = ParseADTSHeader(fr)
				size = h.FrameSize()
			} else {
				var h MP3Header
				h, err = ParseMP3Header(fr)
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
