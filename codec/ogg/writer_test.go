package ogg

import (
	"bytes"
	"fmt"
	"testing"
)

// readPages parses b into pages, failing on anything that is not one.
func readPages(t *testing.T, b []byte) []Page {
	t.Helper()
	var pages []Page
	for len(b) > 0 {
		p, err := ParsePage(b)
		if err != nil {
			t.Fatalf("page %d: %v", len(pages), err)
		}
		pages = append(pages, p)
		b = b[p.Size():]
	}
	return pages
}

// TestWriterRoundTrip: packets of every awkward length (empty, a multiple
// of 255, longer than a page) come back whole and in order through
// ParsePage and Packets; the first page is BOS and holds the first packet
// alone, headers end their pages, only the last page is EOS, sequence
// numbers count up, and each page's granule is that of its last packet.
func TestWriterRoundTrip(t *testing.T) {
	header := []byte("\x01head")
	tags := bytes.Repeat([]byte("t"), 600)
	sizes := []int{100, 0, 255, 510, 200000, 3, 300, 4000, 5000, 20}
	w := NewWriter(0x1234)
	w.MaxGranules = 2000
	var out []byte
	out = w.WriteHeader(out, header)
	headerPages := w.Pages()
	out = w.WriteHeader(out, tags)
	tagPages := w.Pages()
	var packets [][]byte
	granule := map[string]int64{}
	for i, n := range sizes {
		p := bytes.Repeat([]byte{byte(i + 1)}, n)
		packets = append(packets, p)
		g := int64(960 * (i + 1))
		granule[fmt.Sprint(i)] = g
		out = w.WritePacket(out, p, g)
	}
	out = w.End(out)
	if again := w.End(nil); len(again) != 0 {
		t.Errorf("End twice wrote %d bytes", len(again))
	}

	pages := readPages(t, out)
	if headerPages != 1 || tagPages != 2 {
		t.Errorf("headers on pages %d and %d, want 1 and 2", headerPages, tagPages)
	}
	var z Packets
	var got [][]byte
	var ended []int64 // the granule of the packets ending on each page, -1 for none
	for i := range pages {
		p := &pages[i]
		if p.Serial != 0x1234 || p.Sequence != uint32(i) {
			t.Errorf("page %d: serial %#x, sequence %d", i, p.Serial, p.Sequence)
		}
		if (p.Flags&BOS != 0) != (i == 0) || (p.Flags&EOS != 0) != (i == len(pages)-1) {
			t.Errorf("page %d of %d: flags %#x", i, len(pages), p.Flags)
		}
		last := int64(-1)
		if err := z.Add(p, func(packet []byte, lost bool) error {
			if lost {
				t.Errorf("page %d: packets lost", i)
			}
			got = append(got, bytes.Clone(packet))
			if n := len(got) - 3; n >= 0 {
				last = granule[fmt.Sprint(n)]
			} else {
				last = 0
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		ended = append(ended, last)
		if last >= 0 && p.Granule != last || last < 0 && p.Granule != -1 && i != len(pages)-1 {
			t.Errorf("page %d: granule %d, want %d", i, p.Granule, last)
		}
		if len(p.Body) > 4096+255*255 {
			t.Errorf("page %d: %d bytes", i, len(p.Body))
		}
	}
	want := append([][]byte{header, tags}, packets...)
	if len(got) != len(want) {
		t.Fatalf("%d packets back, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("packet %d: %d bytes back, want %d", i, len(got[i]), len(want[i]))
		}
	}
	if pages[0].Granule != 0 || len(pages[0].Segments) != 1 {
		t.Errorf("BOS page: granule %d, %d segments; want the header alone", pages[0].Granule, len(pages[0].Segments))
	}
	if z.Lost() != 0 {
		t.Errorf("%d packets lost", z.Lost())
	}
	if pages[len(pages)-1].Granule != 960*int64(len(sizes)) {
		t.Errorf("last granule %d", pages[len(pages)-1].Granule)
	}
	// The 200000-byte packet spans pages, of which the middle ones end no
	// packet.
	if !bytes.Contains(fmt.Append(nil, ended), []byte("-1")) {
		t.Errorf("no page without a packet end: %v", ended)
	}
}

// TestWriterFlushLimits: audio pages are written when MaxBytes or
// MaxGranules is reached, and on Flush.
func TestWriterFlushLimits(t *testing.T) {
	cases := []struct {
		name      string
		maxBytes  int
		maxGran   int64
		wantPages int // after the BOS page, for 20 packets of 100 bytes, 960 granules each
	}{
		{"by bytes", 1000, 0, 2},    // 10 packets a page
		{"by granules", 0, 4800, 4}, // 5 packets a page
		{"default 4 KiB", 0, 0, 0},  // 2000 bytes never reach it
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := &Writer{Serial: 1, MaxBytes: c.maxBytes, MaxGranules: c.maxGran}
			out := w.WriteHeader(nil, []byte("head"))
			for i := range 20 {
				out = w.WritePacket(out, make([]byte, 100), int64(960*(i+1)))
			}
			if got := len(readPages(t, out)) - 1; got != c.wantPages {
				t.Errorf("%d audio pages, want %d", got, c.wantPages)
			}
			before := w.Pages()
			w.Flush(nil)
			if flushed := w.Pages() - before; (c.wantPages == 0) != (flushed == 1) {
				t.Errorf("Flush wrote %d pages", flushed)
			}
			if w.Flush(nil) != nil {
				t.Error("a second Flush wrote a page")
			}
		})
	}
}
