package broadcast

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"onair/codec/ogg"
	"onair/internal/testenv"
)

// oggPage builds a page of whole packets, or, with cont, a page whose
// first packet goes on from the page before.
func oggPage(flags byte, serial, seq uint32, granule int64, packets ...[]byte) []byte {
	p := ogg.Page{Flags: flags, Serial: serial, Sequence: seq, Granule: granule}
	for _, pk := range packets {
		n := len(pk)
		for n >= 255 {
			p.Segments = append(p.Segments, 255)
			n -= 255
		}
		p.Segments = append(p.Segments, byte(n))
		p.Body = append(p.Body, pk...)
	}
	return ogg.AppendPage(nil, &p)
}

// vorbisComment is a Vorbis comment header with a title.
func vorbisComment(title string) []byte {
	b := []byte("\x03vorbis")
	b = binary.LittleEndian.AppendUint32(b, 4)
	b = append(b, "test"...)
	b = binary.LittleEndian.AppendUint32(b, 1)
	b = binary.LittleEndian.AppendUint32(b, uint32(len("TITLE="+title)))
	b = append(b, "TITLE="+title...)
	return append(b, 1)
}

// vorbisIdent is an identification header: stereo, 44.1 kHz.
func vorbisIdent() []byte {
	b := []byte("\x01vorbis\x00\x00\x00\x00\x02")
	b = binary.LittleEndian.AppendUint32(b, 44100)
	b = append(b, make([]byte, 12)...)
	return append(b, 0xb8, 1)
}

// oggChain is a synthetic chain: its two header pages, then audio pages
// of 600 bytes; every fourth page goes on with a packet from the one
// before (no place to start).
func oggChain(serial uint32, title string, audio int) (headers [][]byte, pages [][]byte) {
	headers = [][]byte{
		oggPage(ogg.BOS, serial, 0, 0, vorbisIdent()),
		oggPage(0, serial, 1, 0, vorbisComment(title), []byte("\x05vorbis-setup")),
	}
	for i := range audio {
		seq := uint32(2 + i)
		body := bytes.Repeat([]byte{byte(serial), byte(i)}, 300)
		if i%4 == 3 {
			p := ogg.Page{Flags: ogg.Continued, Serial: serial, Sequence: seq, Granule: int64(1024 * (i + 1)), Segments: []byte{255, 255, 90}, Body: body}
			pages = append(pages, ogg.AppendPage(nil, &p))
			continue
		}
		pages = append(pages, oggPage(0, serial, seq, int64(1024*(i+1)), body))
	}
	return headers, pages
}

// startOggSource connects a source with an Ogg Content-Type.
func startOggSource(t *testing.T, ts *testServer, mount, ctype string) net.Conn {
	t.Helper()
	c := dial(t, ts.http)
	io.WriteString(c, "SOURCE "+mount+" HTTP/1.0\r\nAuthorization: Basic "+basic("source", testSourcePass)+
		"\r\nContent-Type: "+ctype+"\r\n\r\n")
	br := bufio.NewReader(c)
	if status, err := br.ReadString('\n'); err != nil || !strings.HasPrefix(status, "HTTP/1.0 200") {
		t.Fatalf("source status %q, %v", status, err)
	}
	skipHeaders(t, br)
	return c
}

// oggListener reads whole pages as a player gets them.
type oggListener struct {
	br      *bufio.Reader
	headers map[string]string
}

func listenOgg(t *testing.T, ts *testServer, mount string) *oggListener {
	t.Helper()
	c := dial(t, ts.http)
	io.WriteString(c, "GET "+mount+" HTTP/1.0\r\nUser-Agent: test-player\r\nIcy-MetaData: 1\r\n\r\n")
	br := bufio.NewReader(c)
	if status, err := br.ReadString('\n'); err != nil || !strings.HasPrefix(status, "HTTP/1.0 200") {
		t.Fatalf("listener status %q, %v", status, err)
	}
	return &oggListener{br: br, headers: skipHeaders(t, br)}
}

// page reads the next page, which must be one from its first byte.
func (l *oggListener) page(t *testing.T) ogg.Page {
	t.Helper()
	head, err := l.br.Peek(ogg.HeaderSize)
	if err != nil {
		t.Fatalf("read page: %v", err)
	}
	n, err := ogg.PageSize(head)
	if err != nil {
		t.Fatalf("the stream is not on a page boundary: %v (% x)", err, head[:8])
	}
	if n > len(head) {
		if head, err = l.br.Peek(ogg.HeaderSize + int(head[26])); err != nil {
			t.Fatal(err)
		}
		n, _ = ogg.PageSize(head)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(l.br, b); err != nil {
		t.Fatal(err)
	}
	p, err := ogg.ParsePage(b)
	if err != nil {
		t.Fatalf("page: %v", err)
	}
	return p
}

// describe is a page in the test's terms: serial, sequence and flags.
func describe(p ogg.Page) string {
	s := fmt.Sprintf("%d/%d", p.Serial, p.Sequence)
	if p.Flags&ogg.Continued != 0 {
		s += "c"
	}
	return s
}

// TestOggPassthroughPages: a listener who joins mid-chain gets the chain's
// header pages first, then pages from one a decoder can start on; a new
// chain reaches listeners already there as it comes, and listeners who
// join later with its own headers; no ICY, even when asked; the title
// comes from the comment header.
func TestOggPassthroughPages(t *testing.T) {
	ts := startServer(t, func(o *Options) { o.Defaults.BurstSize = 8 << 10 })
	src := startOggSource(t, ts, "/ogg", "application/ogg")
	headsA, audioA := oggChain(1, "One", 40)
	for _, p := range append(headsA, audioA...) {
		src.Write(p)
	}
	m := func() *Mount { return ts.Mount("/ogg") }
	testenv.WaitFor(t, "chain A on air", func() bool { return m() != nil && m().head.Load() > 3 })

	l1 := listenOgg(t, ts, "/ogg")
	if mi, ok := l1.headers["icy-metaint"]; ok {
		t.Errorf("an Ogg listener was told icy-metaint %s", mi)
	}
	if ct := l1.headers["content-type"]; ct != "application/ogg" {
		t.Errorf("Content-Type %q", ct)
	}
	first := []string{describe(l1.page(t)), describe(l1.page(t))}
	if strings.Join(first, " ") != "1/0 1/1" {
		t.Fatalf("first pages %v, want chain 1's headers", first)
	}
	p := l1.page(t)
	if p.Flags&ogg.Continued != 0 || p.Sequence < 2 {
		t.Fatalf("first audio page %s: not one a decoder can start on", describe(p))
	}
	// The burst is about 8 KiB back from the head, not the whole chain.
	if p.Sequence == 2 {
		t.Errorf("the burst went back to the chain's first audio page: it should hold about 8 KiB")
	}
	if got := m().Title(); got == nil || got.Title != "One" {
		t.Errorf("title %v, want One", got)
	}

	// The rest of chain A goes out once more is written: a chunk is
	// published when it holds about 4 KiB.
	headsB, audioB := oggChain(2, "Two", 40)
	for _, p := range append(headsB, audioB...) {
		src.Write(p)
	}
	for p.Sequence < 41 {
		next := l1.page(t)
		if next.Serial != 1 || next.Sequence != p.Sequence+1 {
			t.Fatalf("after %s came %s", describe(p), describe(next))
		}
		p = next
	}
	for i, want := range []string{"2/0", "2/1", "2/2"} {
		if got := describe(l1.page(t)); got != want {
			t.Fatalf("listener 1, page %d of the new chain: %s, want %s", i, got, want)
		}
	}
	testenv.WaitFor(t, "a chunk inside chain B", func() bool {
		c := m().chunkAt(m().head.Load() - 1)
		return c != nil && bytes.HasPrefix(c.lead, headsB[0])
	})
	if got := m().Title(); got == nil || got.Title != "Two" {
		t.Errorf("title %v, want Two", got)
	}
	l2 := listenOgg(t, ts, "/ogg")
	first = []string{describe(l2.page(t)), describe(l2.page(t))}
	if strings.Join(first, " ") != "2/0 2/1" {
		t.Fatalf("a later listener's first pages %v, want chain 2's headers", first)
	}
	if p := l2.page(t); p.Serial != 2 || p.Flags&ogg.Continued != 0 || p.Sequence < 3 {
		t.Fatalf("a later listener's first audio page %s", describe(p))
	}
}

// TestOggBadStreams: a stream that cannot be passed on ends its source
// with the reason, and other mounts play on.
func TestOggBadStreams(t *testing.T) {
	logs := &syncBuffer{}
	ts := startServer(t, func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(logs, nil)) })
	mp3 := startIcecastSource(t, ts, "/stream", "")
	mp3.send(t, 200)
	waitOnAir(t, ts, "/stream")
	l := listen(t, ts, "/stream", false)
	l.readFrames(t, 10)

	headsA, audioA := oggChain(1, "A", 2)
	headsB, _ := oggChain(2, "B", 0)
	theora := oggPage(ogg.BOS, 9, 0, 0, []byte("\x80theora-header"))
	for _, tc := range []struct {
		name   string
		stream []byte
		want   string
	}{
		{"video", theora, "unsupported codec: Theora"},
		{"multiplexed", append(append([]byte{}, headsA[0]...), headsB[0]...), "multiplexed"},
		{"no headers", bytes.Repeat(bytes.Join(audioA, nil), 300), "no header pages"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := startOggSource(t, ts, "/bad-"+strings.ReplaceAll(tc.name, " ", "-"), "audio/ogg")
			src.Write(tc.stream)
			src.SetReadDeadline(time.Now().Add(10 * time.Second))
			// Closed, or reset with audio unread: either way ended.
			if _, err := io.Copy(io.Discard, src); isTimeout(err) {
				t.Fatalf("the server did not end the source: %v", err)
			}
			testenv.WaitFor(t, "the reason logged", func() bool { return strings.Contains(logs.String(), tc.want) })
		})
	}
	// The MP3 mount never noticed.
	mp3.send(t, 20)
	l.readFrames(t, 20)
}

// TestOggMetadataUpdate: /admin/metadata on an Ogg mount says what it
// does: the status pages change, the stream does not.
func TestOggMetadataUpdate(t *testing.T) {
	ts := startServer(t, nil)
	src := startOggSource(t, ts, "/ogg", "audio/ogg")
	heads, audio := oggChain(1, "In stream", 10)
	for _, p := range append(heads, audio...) {
		src.Write(p)
	}
	testenv.WaitFor(t, "on air", func() bool { m := ts.Mount("/ogg"); return m != nil && m.HasAudio() })
	resp, body := httpGet(t, "http://source:"+testSourcePass+"@"+ts.http+"/admin/metadata?mount=/ogg&mode=updinfo&song=From+admin")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Ogg listeners") {
		t.Errorf("%s: %s", resp.Status, body)
	}
	if got := ts.Mount("/ogg").Title(); got == nil || got.Title != "From admin" {
		t.Errorf("title %v", got)
	}
	resp, body = httpGet(t, "http://"+ts.http+"/ogg.m3u8")
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "Ogg") {
		t.Errorf("HLS of an Ogg mount: %s %q", resp.Status, body)
	}
}

// TestDropEmptyOpusPacket: a zero-length packet at a page's end goes, and
// the page stays valid; a 0 that ends a packet of 255 bytes stays.
func TestDropEmptyOpusPacket(t *testing.T) {
	long := bytes.Repeat([]byte{7}, 255)
	for _, tc := range []struct {
		name    string
		packets [][]byte
		want    []byte // lacing values after
	}{
		{"empty last", [][]byte{[]byte("abc"), long, {}}, []byte{3, 255, 0}},
		{"255 bytes last", [][]byte{[]byte("abc"), long}, []byte{3, 255, 0}},
		{"no empty", [][]byte{[]byte("abc"), []byte("de")}, []byte{3, 2}},
		{"two empty", [][]byte{[]byte("abc"), {}, {}}, []byte{3, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := oggPage(ogg.EOS, 5, 9, 960, tc.packets...)
			out, _ := dropEmptyOpusPacket(in, nil)
			p, err := ogg.ParsePage(out)
			if err != nil {
				t.Fatalf("rewritten page: %v", err)
			}
			if !bytes.Equal(p.Segments, tc.want) || p.Flags != ogg.EOS || p.Serial != 5 || p.Sequence != 9 || p.Granule != 960 {
				t.Errorf("page %+v, want lacing %v", p, tc.want)
			}
		})
	}
}
