package ogg

import (
	"bytes"
	"fmt"
	"testing"
)

// pagesOf lays packets out on pages of at most perPage segments, as an
// encoder does, numbering them from 0.
func pagesOf(packets [][]byte, perPage int) []Page {
	var segs []byte
	var data []byte
	for _, p := range packets {
		segs = append(segs, lacing(len(p))...)
		data = append(data, p...)
	}
	var pages []Page
	continued := false
	for len(segs) > 0 {
		s := segs[:min(perPage, len(segs))]
		segs = segs[len(s):]
		n := 0
		for _, l := range s {
			n += int(l)
		}
		p := Page{Sequence: uint32(len(pages)), Segments: s, Body: data[:n]}
		if continued {
			p.Flags |= Continued
		}
		data = data[n:]
		continued = s[len(s)-1] == 255
		pages = append(pages, p)
	}
	return pages
}

// join runs pages through z and returns the packets as "n" (length) or
// "!n" after a loss.
func join(z *Packets, pages []Page) []string {
	var got []string
	for i := range pages {
		z.Add(&pages[i], func(p []byte, lost bool) error {
			s := fmt.Sprint(len(p))
			if lost {
				s = "!" + s
			}
			got = append(got, s)
			return nil
		})
	}
	return got
}

func TestPackets(t *testing.T) {
	sizes := []int{30, 600, 255, 0, 1000, 10}
	var packets [][]byte
	for i, n := range sizes {
		packets = append(packets, bytes.Repeat([]byte{byte(i)}, n))
	}
	all := pagesOf(packets, 2)
	tests := []struct {
		name  string
		pages func() []Page
		max   int
		want  string
		lost  int
	}{
		{"whole", func() []Page { return all }, 0, "[30 600 255 0 1000 10]", 0},
		// Two segments a page: [30 255] [255 90] [255 0] [0 255] [255 255]
		// [235 10].
		{"a page missing", func() []Page {
			// Page 2 holds the 255-byte packet: the sequence numbers say
			// it is gone (no count: nothing of it came).
			return append(append([]Page(nil), all[:2]...), all[3:]...)
		}, 0, "[30 600 !0 1000 10]", 0},
		{"the first page missing", func() []Page { return all[1:] }, 0, "[!255 0 1000 10]", 1},
		{"a page missing, the numbers hiding it", func() []Page {
			// Page 1 ends the 600-byte packet; page 2 does not continue
			// it, so the packet is lost.
			p := append([]Page(nil), all[:1]...)
			for _, q := range all[2:] {
				q.Sequence--
				p = append(p, q)
			}
			return p
		}, 0, "[30 !255 0 1000 10]", 1},
		{"a packet whose end never comes", func() []Page {
			// The packet left unfinished is lost, not the first one of
			// the page that fails to continue it.
			return []Page{
				{Flags: Continued, Segments: []byte{255}, Body: make([]byte, 255)},
				{Sequence: 1, Segments: []byte{10}, Body: make([]byte, 10)},
			}
		}, 0, "[!10]", 1},
		{"longer than Max", func() []Page { return all }, 700, "[30 600 255 0 !10]", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			z := Packets{Max: tt.max}
			if got := fmt.Sprint(join(&z, tt.pages())); got != tt.want || z.Lost() != tt.lost {
				t.Errorf("packets %s, %d lost; want %s, %d", got, z.Lost(), tt.want, tt.lost)
			}
		})
	}
}

// TestPacketsEOS: a stream ends at its EOS page, a packet left unfinished
// is lost, and the next stream (a chain) starts afresh at sequence 0.
func TestPacketsEOS(t *testing.T) {
	first := pagesOf([][]byte{make([]byte, 20), make([]byte, 300)}, 2)
	first[0].Flags |= EOS // the 300-byte packet never ends
	second := pagesOf([][]byte{make([]byte, 5)}, 1)
	var z Packets
	got := join(&z, []Page{first[0], second[0]})
	if fmt.Sprint(got) != "[20 5]" || z.Lost() != 1 {
		t.Errorf("packets %v, %d lost; want [20 5] and 1", got, z.Lost())
	}
}

// FuzzPages walks arbitrary bytes as a reader of a live stream does:
// pages where they parse, a skip to the next capture pattern where they
// do not, packets joined. Nothing may panic or pass Max.
func FuzzPages(f *testing.F) {
	var b []byte
	for _, p := range pagesOf([][]byte{[]byte("\x01vorbis"), make([]byte, 600), make([]byte, 3)}, 2) {
		b = AppendPage(b, &p)
	}
	f.Add(b)
	f.Add([]byte("OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x05OpusH"))
	f.Fuzz(func(t *testing.T, b []byte) {
		z := Packets{Max: 512}
		for len(b) > 0 {
			n, err := PageSize(b)
			if err != nil {
				b = b[SkipToCapture(b):]
				continue
			}
			if n > len(b) {
				break
			}
			p, err := ParsePage(b)
			if err != nil {
				b = b[1:]
				continue
			}
			if p.Size() != n {
				t.Fatalf("Size %d, PageSize %d", p.Size(), n)
			}
			Identify(p.FirstPacket())
			z.Add(&p, func(packet []byte, _ bool) error {
				if len(packet) > z.Max {
					t.Fatalf("a packet of %d bytes, Max %d", len(packet), z.Max)
				}
				return nil
			})
			b = b[n:]
		}
	})
}
