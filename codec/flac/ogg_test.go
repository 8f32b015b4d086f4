package flac

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"

	"onair/codec/ogg"
	"onair/codec/vorbis"
)

// oggPackets returns the packets of the first logical stream in data.
func oggPackets(t testing.TB, data []byte) [][]byte {
	t.Helper()
	var z ogg.Packets
	var out [][]byte
	var serial uint32
	for len(data) > 0 {
		n, err := ogg.PageSize(data)
		if err != nil || n > len(data) {
			t.Fatalf("Ogg page: %v", err)
		}
		p, err := ogg.ParsePage(data[:n])
		if err != nil {
			t.Fatalf("Ogg page: %v", err)
		}
		data = data[n:]
		if len(out) == 0 && p.Flags&ogg.BOS != 0 {
			serial = p.Serial
		}
		if p.Serial != serial {
			continue
		}
		if err := z.Add(&p, func(b []byte, _ bool) error {
			out = append(out, bytes.Clone(b))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestOggFLAC reads an Ogg FLAC stream made by ffmpeg with the mapping's
// functions: the first packet's STREAMINFO, the comment block's title,
// and frames (one a packet) that decode to the samples of the same
// signal encoded as native FLAC.
func TestOggFLAC(t *testing.T) {
	c := flacCase{"stereo", srcStereo, 48000, 2, 16, []string{"-metadata", "artist=Some One", "-metadata", "title=Ogg Test", "-f", "ogg"}}
	data, pcm := makeFLAC(t, c)
	packets := oggPackets(t, data)
	if len(packets) < 3 {
		t.Fatalf("%d packets", len(packets))
	}
	h, err := ParseOggHeader(packets[0])
	if err != nil {
		t.Fatalf("ParseOggHeader: %v", err)
	}
	if h.Major != 1 || h.Info.SampleRate != 48000 || h.Info.Channels != 2 || h.Info.BitsPerSample != 16 {
		t.Fatalf("header %+v", h)
	}
	var title string
	var headers, samples int
	d := NewDecoder(h.Info)
	for i, p := range packets[1:] {
		if len(p) == 0 {
			continue // ffmpeg ends the stream with an empty packet
		}
		if !IsOggFrame(p) {
			bh, body, err := ParseOggMetadata(p)
			if err != nil {
				t.Fatalf("packet %d: %v", i+1, err)
			}
			if bh.Type == VorbisCommentBlock {
				title = vorbis.CommentListTitle(body)
			}
			if samples > 0 {
				t.Errorf("packet %d: a header among the frames", i+1)
			}
			headers++
			continue
		}
		f, err := d.Decode(p)
		if err != nil {
			t.Fatalf("packet %d: %v", i+1, err)
		}
		if f.Len != len(p) {
			t.Errorf("packet %d: frame of %d bytes in a packet of %d", i+1, f.Len, len(p))
		}
		for j, v := range f.PCM {
			at := 2 * (samples*2 + j)
			if want := int16(uint16(pcm[at]) | uint16(pcm[at+1])<<8); v*32768 != float32(want) {
				t.Fatalf("packet %d sample %d: %g, ffmpeg %d", i+1, j, v*32768, want)
			}
		}
		samples += f.BlockSize
	}
	if title != "Some One - Ogg Test" {
		t.Errorf("title %q", title)
	}
	if h.Headers != 0 && headers != h.Headers {
		t.Errorf("%d header packets, the first packet says %d", headers, h.Headers)
	}
	if samples != len(pcm)/4 {
		t.Errorf("%d samples per channel, ffmpeg %d", samples, len(pcm)/4)
	}
}

// TestOggHeaderErrors: a first packet that is not Ogg FLAC 1.x, or is
// cut short, is refused.
func TestOggHeaderErrors(t *testing.T) {
	data, err := os.ReadFile("testdata/seed.oga")
	if err != nil {
		t.Fatal(err)
	}
	first := oggPackets(t, data)[0]
	if _, err := ParseOggHeader(first); err != nil {
		t.Fatalf("seed.oga: %v", err)
	}
	bad := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(first)) }
	cases := []struct {
		name string
		p    []byte
		want error
	}{
		{"cut short", first[:40], ErrMetadata},
		{"version 2", bad(func(b []byte) []byte { b[5] = 2; return b }), ErrUnsupported},
		{"no fLaC", bad(func(b []byte) []byte { b[9] = 'F'; return b }), ErrMetadata},
		{"not STREAMINFO", bad(func(b []byte) []byte { b[13] = 4; return b }), ErrMetadata},
		{"rate 0", bad(func(b []byte) []byte { b[27], b[28], b[29] = 0, 0, b[29]&0x0f; return b }), ErrMetadata},
	}
	for _, c := range cases {
		if _, err := ParseOggHeader(c.p); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if _, _, err := ParseOggMetadata([]byte{4, 0, 0, 10, 1, 2}); !errors.Is(err, ErrShort) {
		t.Errorf("a block longer than its packet: %v", err)
	}
}

// TestReaderResyncs damages a native stream in its middle and cuts its
// end: the Reader reports the bad frames, goes on from the next sync
// code, and ends.
func TestReaderResyncs(t *testing.T) {
	data, err := os.ReadFile("testdata/seed.flac")
	if err != nil {
		t.Fatal(err)
	}
	meta, frames := seedFrames(t)
	var damaged []byte
	damaged = append(damaged, meta...)
	for i, f := range frames {
		switch i {
		case 2:
			f = bytes.Clone(f)
			f[len(f)/2] ^= 0x55
		case 3:
			damaged = append(damaged, 0xff, 0xf8, 0x12, 0x34) // a false sync
		}
		damaged = append(damaged, f...)
	}
	damaged = damaged[:len(damaged)-10]
	r, err := NewReader(bytes.NewReader(damaged))
	if err != nil {
		t.Fatal(err)
	}
	var good, bad int
	for range len(data) {
		_, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			bad++
			continue
		}
		good++
	}
	// Lost: the damaged frame, and the last one cut short.
	if want := len(frames) - 2; good != want || bad < 2 {
		t.Errorf("%d good frames and %d errors, want %d good and at least 2 errors", good, bad, want)
	}
}
