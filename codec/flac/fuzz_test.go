package flac

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"
)

// seedFrames returns the metadata and the frames of testdata/seed.flac
// (made by testdata/make.sh), each frame on its own.
func seedFrames(t testing.TB) (meta []byte, frames [][]byte) {
	t.Helper()
	data, err := os.ReadFile("testdata/seed.flac")
	if err != nil {
		t.Fatal(err)
	}
	r := bytes.NewReader(data)
	m, err := ReadMetadata(r)
	if err != nil {
		t.Fatalf("seed.flac: %v", err)
	}
	at := len(data) - r.Len()
	meta = data[:at]
	d := NewDecoder(m.Info)
	for at < len(data) {
		f, err := d.Decode(data[at:])
		if err != nil {
			t.Fatalf("seed.flac at %d: %v", at, err)
		}
		frames = append(frames, data[at:at+f.Len])
		at += f.Len
	}
	return meta, frames
}

// FuzzDecode decodes one frame with a Decoder sized for 4096-sample
// blocks: whatever the bytes, no panic, and a frame that decodes is no
// longer than the bytes, holds its block of samples, all in [−1, 1).
func FuzzDecode(f *testing.F) {
	_, frames := seedFrames(f)
	for _, b := range frames[:3] {
		f.Add(b)
	}
	var w bitWriter
	w.header(true, 6, 0, 1, 0, []byte{0xfe, 0xbf, 0xbf, 0xbf, 0xbf, 0xbf, 0xbe}, 15)
	w.put(0, 1)
	w.put(1, 6)
	w.put(0, 1)
	w.put(0, 16*16)
	w.put(0, 1)
	w.put(8+1, 6)
	w.put(0, 1)
	w.put(0, 16+2+4+4+5)
	f.Add(w.footer())
	d := NewDecoder(testInfo)
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := d.Decode(b)
		if err != nil {
			return
		}
		if fr.Len > len(b) || fr.Len < fr.Size+2 {
			t.Fatalf("frame of %d bytes, header %d, in %d", fr.Len, fr.Size, len(b))
		}
		if len(fr.PCM) != fr.BlockSize*fr.Channels || fr.BlockSize < 1 || fr.BlockSize > MaxBlockSize {
			t.Fatalf("%d samples for %d × %d", len(fr.PCM), fr.BlockSize, fr.Channels)
		}
		scale := float32(int32(1) << (fr.BitsPerSample - 1))
		for ch := range fr.Channels {
			s := d.Samples(ch)
			if len(s) != fr.BlockSize {
				t.Fatalf("channel %d: %d samples for a block of %d", ch, len(s), fr.BlockSize)
			}
			for i, v := range s {
				if got, want := fr.PCM[i*fr.Channels+ch], float32(v)/scale; got != want {
					t.Fatalf("channel %d sample %d: %g for %d", ch, i, got, v)
				}
			}
		}
	})
}

// FuzzReader reads a native stream: its metadata, then frames until the
// end. Every failed frame skips at least a byte, so the end comes within
// a call per byte.
func FuzzReader(f *testing.F) {
	data, err := os.ReadFile("testdata/seed.flac")
	if err != nil {
		f.Fatal(err)
	}
	meta, frames := seedFrames(f)
	f.Add(data)
	f.Add(append(bytes.Clone(meta), frames[0]...))
	f.Add(meta)
	f.Add([]byte("fLaC\x80\x00\x00\x22"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := NewReader(bytes.NewReader(b))
		if err != nil {
			return
		}
		for range len(b) + 2 {
			_, err := r.Next()
			if errors.Is(err, io.EOF) {
				return
			}
		}
		t.Fatalf("no end after %d calls for %d bytes", len(b)+2, len(b))
	})
}

// FuzzOggHeaders parses a packet as an Ogg FLAC first packet and as a
// metadata block packet: no panic, and what parses is within bounds.
func FuzzOggHeaders(f *testing.F) {
	data, err := os.ReadFile("testdata/seed.oga")
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range oggPackets(f, data)[:2] {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		if h, err := ParseOggHeader(p); err == nil {
			si := h.Info
			if si.Channels < 1 || si.Channels > MaxChannels || si.BitsPerSample < 4 || si.BitsPerSample > 32 || si.MaxBlockSize > MaxBlockSize {
				t.Fatalf("STREAMINFO out of bounds: %+v", si)
			}
		}
		if h, body, err := ParseOggMetadata(p); err == nil && len(body) != h.Length {
			t.Fatalf("body of %d bytes for a length of %d", len(body), h.Length)
		}
	})
}
