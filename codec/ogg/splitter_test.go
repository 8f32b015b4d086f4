package ogg

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// testPage builds a page holding whole packets.
func testPage(flags byte, serial, seq uint32, granule int64, packets ...[]byte) []byte {
	p := Page{Flags: flags, Serial: serial, Sequence: seq, Granule: granule}
	for _, pk := range packets {
		n := len(pk)
		for n >= 255 {
			p.Segments = append(p.Segments, 255)
			n -= 255
		}
		p.Segments = append(p.Segments, byte(n))
		p.Body = append(p.Body, pk...)
	}
	return AppendPage(nil, &p)
}

// vorbisChain is a chain's pages: the three headers (the comment with
// title), then audio pages of one packet each.
func vorbisChain(serial uint32, title string, audio int) [][]byte {
	comment := append([]byte("\x03vorbis\x03\x00\x00\x00enc\x01\x00\x00\x00"), byte(len("TITLE="+title)), 0, 0, 0)
	comment = append(append(comment, "TITLE="+title...), 1)
	pages := [][]byte{
		testPage(BOS, serial, 0, 0, []byte("\x01vorbis-ident-30-bytes-long....")),
		testPage(0, serial, 1, 0, comment, []byte("\x05vorbis-setup")),
	}
	for i := range audio {
		flags := byte(0)
		if i == audio-1 {
			flags = EOS
		}
		pages = append(pages, testPage(flags, serial, uint32(2+i), int64(1024*(i+1)), bytes.Repeat([]byte{byte(i)}, 300)))
	}
	return pages
}

type seen struct {
	pages [][]byte
	infos []PageInfo
}

func split(t *testing.T, s *Splitter, stream []byte, step int) (seen, error) {
	t.Helper()
	var got seen
	emit := func(page []byte, info *PageInfo) {
		got.pages = append(got.pages, bytes.Clone(page))
		got.infos = append(got.infos, *info)
	}
	for len(stream) > 0 {
		n := min(step, len(stream))
		if err := s.Split(stream[:n], emit); err != nil {
			return got, err
		}
		stream = stream[n:]
	}
	return got, nil
}

// TestSplitterChains: two chained Vorbis streams come out page for page,
// headers marked as such, titles reported, whatever the read sizes.
func TestSplitterChains(t *testing.T) {
	a, b := vorbisChain(7, "One", 3), vorbisChain(9, "Two", 2)
	all := append(append([][]byte{}, a...), b...)
	stream := bytes.Join(all, nil)
	for _, step := range []int{1, 7, 4096, len(stream)} {
		var titles []string
		s := NewSplitter(SplitterOptions{OnHeader: func(c Codec, i int, p []byte) {
			if c != Vorbis {
				t.Errorf("codec %v", c)
			}
			if i == 1 {
				titles = append(titles, string(p[len(p)-4:len(p)-1]))
			}
		}})
		got, err := split(t, s, stream, step)
		if err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		if len(got.pages) != len(all) {
			t.Fatalf("step %d: %d pages, want %d", step, len(got.pages), len(all))
		}
		for i := range all {
			if !bytes.Equal(got.pages[i], all[i]) {
				t.Errorf("step %d: page %d differs", step, i)
			}
		}
		want := []PageInfo{
			{Serial: 7, Codec: Vorbis, First: true, Header: true},
			{Serial: 7, Codec: Vorbis, Header: true, Done: true},
			{Serial: 7, Codec: Vorbis, Start: true},
			{Serial: 7, Codec: Vorbis, Start: true},
			{Serial: 7, Codec: Vorbis, Start: true},
			{Serial: 9, Codec: Vorbis, First: true, Header: true},
			{Serial: 9, Codec: Vorbis, Header: true, Done: true},
			{Serial: 9, Codec: Vorbis, Start: true},
			{Serial: 9, Codec: Vorbis, Start: true},
		}
		for i := range want {
			if got.infos[i] != want[i] {
				t.Errorf("step %d: page %d info %+v, want %+v", step, i, got.infos[i], want[i])
			}
		}
		if strings.Join(titles, ",") != "One,Two" {
			t.Errorf("step %d: titles %q", step, titles)
		}
		if st := s.Stats(); st.Chains != 2 || st.Skipped != 0 || st.BadPages != 0 {
			t.Errorf("step %d: stats %+v", step, st)
		}
	}
}

// TestSplitterContinuedAndFLAC: a FLAC chain whose headers run until the
// block marked last, and an audio packet across two pages: the page that
// continues it is no place to start.
func TestSplitterContinuedAndFLAC(t *testing.T) {
	first := append([]byte("\x7fFLAC\x01\x00\x00\x02fLaC"), 0x00, 0, 0, 34)
	first = append(first, make([]byte, 34)...)
	comment := append([]byte{0x04, 0, 0, 8}, "\x00\x00\x00\x00\x00\x00\x00\x00"...)
	picture := append([]byte{0x86, 0, 0, 3}, 1, 2, 3)
	long := bytes.Repeat([]byte{0xAB}, 255*3)
	p := Page{Serial: 3, Sequence: 3, Granule: -1, Segments: []byte{255, 255}, Body: long[:510]}
	part1 := AppendPage(nil, &p)
	p = Page{Flags: Continued | EOS, Serial: 3, Sequence: 4, Granule: 4096, Segments: []byte{255, 0}, Body: long[510:]}
	part2 := AppendPage(nil, &p)
	stream := bytes.Join([][]byte{
		testPage(BOS, 3, 0, 0, first),
		testPage(0, 3, 1, 0, comment),
		testPage(0, 3, 2, 0, picture),
		part1, part2,
	}, nil)
	var idx []int
	s := NewSplitter(SplitterOptions{OnHeader: func(c Codec, i int, _ []byte) { idx = append(idx, i) }})
	got, err := split(t, s, stream, 100)
	if err != nil {
		t.Fatal(err)
	}
	want := []PageInfo{
		{Serial: 3, Codec: FLAC, First: true, Header: true},
		{Serial: 3, Codec: FLAC, Header: true},
		{Serial: 3, Codec: FLAC, Header: true, Done: true},
		{Serial: 3, Codec: FLAC, Start: true},
		{Serial: 3, Codec: FLAC},
	}
	if fmt.Sprint(got.infos) != fmt.Sprint(want) {
		t.Errorf("infos\n%+v\nwant\n%+v", got.infos, want)
	}
	if fmt.Sprint(idx) != "[0 1 2]" {
		t.Errorf("header packets %v", idx)
	}
}

// TestSplitterDamage: garbage, a truncated page, a page whose checksum
// fails, a page with impossible lacing and a page of another stream are
// dropped and counted; every good page still comes out.
func TestSplitterDamage(t *testing.T) {
	pages := vorbisChain(5, "X", 5)
	bad := bytes.Clone(pages[3])
	bad[len(bad)-1] ^= 0xFF
	// An EOS page whose last packet never ends: lacing a muxer cannot write.
	p := Page{Flags: EOS, Serial: 5, Sequence: 9, Segments: []byte{255}, Body: make([]byte, 255)}
	lacing := AppendPage(nil, &p)
	stream := bytes.Join([][]byte{
		[]byte("garbage before"), pages[0], pages[1],
		testPage(0, 77, 3, 0, []byte("someone else's")),
		pages[2][:40], // cut short: the next page follows at once
		bad,
		lacing,
		[]byte("OggS\x00junk"),
		pages[4], pages[5], pages[6],
	}, nil)
	s := NewSplitter(SplitterOptions{})
	got, err := split(t, s, stream, 333)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]byte{pages[0], pages[1], pages[4], pages[5], pages[6]}
	if len(got.pages) != len(want) {
		t.Fatalf("%d pages out, want %d", len(got.pages), len(want))
	}
	for i := range want {
		if !bytes.Equal(got.pages[i], want[i]) {
			t.Errorf("page %d differs", i)
		}
	}
	st := s.Stats()
	if st.Skipped == 0 || st.Foreign != 1 || st.BadPages == 0 {
		t.Errorf("stats %+v: want skipped bytes, a bad page and a foreign one", st)
	}
}

// TestSplitterRefuses: streams that cannot be passed on fail with a
// reason.
func TestSplitterRefuses(t *testing.T) {
	theora := testPage(BOS, 1, 0, 0, []byte("\x80theora-header"))
	a, b := vorbisChain(1, "A", 1), vorbisChain(2, "B", 1)
	audioOnly := bytes.Join(vorbisChain(3, "C", 400)[2:], nil)
	cases := []struct {
		name   string
		stream []byte
		want   error
	}{
		{"theora", theora, ErrUnsupportedCodec},
		{"multiplexed", append(append([]byte{}, a[0]...), b[0]...), ErrMultiplexed},
		{"no headers", audioOnly, ErrNoHeaders},
		{"garbage", bytes.Repeat([]byte("not ogg at all "), 20000), ErrNoSync},
	}
	for _, c := range cases {
		s := NewSplitter(SplitterOptions{MaxLost: 64 << 10})
		_, err := split(t, s, c.stream, 4096)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

// TestSplitterAllocs: pages of a running stream cost no allocation.
func TestSplitterAllocs(t *testing.T) {
	chain := vorbisChain(4, "A", 200)
	s := NewSplitter(SplitterOptions{})
	emit := func([]byte, *PageInfo) {}
	if err := s.Split(bytes.Join(chain[:3], nil), emit); err != nil {
		t.Fatal(err)
	}
	audio := bytes.Join(chain[3:199], nil)
	allocs := testing.AllocsPerRun(5, func() {
		s.stray = 0 // the same pages again: not a stream, but the same work
		if err := s.Split(audio, emit); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 0 {
		t.Errorf("%.0f allocations per run of pages", allocs)
	}
}

// FuzzSplitter: any bytes, cut anywhere, never panic, and every page
// passed on is a checked page of the chain it names.
func FuzzSplitter(f *testing.F) {
	f.Add(bytes.Join(vorbisChain(1, "A", 3), nil), 50)
	f.Add(bytes.Join(append(vorbisChain(1, "A", 2), vorbisChain(2, "B", 2)...), nil), 7)
	f.Add([]byte("OggS\x00\x02"), 1)
	f.Fuzz(func(t *testing.T, data []byte, step int) {
		step = 1 + int(uint(step)%4096)
		s := NewSplitter(SplitterOptions{MaxLost: 8 << 10, MaxHeader: 1 << 16})
		for len(data) > 0 {
			n := min(step, len(data))
			err := s.Split(data[:n], func(page []byte, info *PageInfo) {
				p, err := ParsePage(page)
				if err != nil || len(page) != p.Size() || p.Serial != info.Serial {
					t.Fatalf("passed on a page that is not one: %v", err)
				}
			})
			if err != nil {
				return
			}
			data = data[n:]
		}
	})
}
