package vorbis

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"onair/codec/ogg"
	"onair/internal/testenv"
)

// sine44k is a stereo 3 kHz tone at 44.1 kHz, as an ffmpeg lavfi source.
const sine44k = "aevalsrc=0.5*sin(2*PI*3000*t)|0.5*sin(2*PI*3000*t):s=44100:d=0.2"

// encodeVorbis encodes the ffmpeg lavfi source src as Ogg Vorbis and
// returns the file's bytes. Without ffmpeg the test is skipped (fails in CI).
func encodeVorbis(t testing.TB, src string) []byte {
	t.Helper()
	bin := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	path := filepath.Join(t.TempDir(), "out.ogg")
	out, err := exec.Command(bin, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "lavfi", "-i", src,
		"-c:a", "libvorbis", "-q:a", "5", "-f", "ogg", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// oggPackets returns the packets of an Ogg file of one logical stream.
func oggPackets(t testing.TB, b []byte) [][]byte {
	t.Helper()
	var packets [][]byte
	var join ogg.Packets
	for len(b) > 0 {
		p, err := ogg.ParsePage(b)
		if err != nil {
			t.Fatal(err)
		}
		join.Add(&p, func(packet []byte, _ bool) error {
			packets = append(packets, bytes.Clone(packet))
			return nil
		})
		b = b[p.Size():]
	}
	return packets
}

// vorbisHeaders returns the three header packets of an Ogg Vorbis file.
func vorbisHeaders(t testing.TB, data []byte) [][]byte {
	t.Helper()
	packets := oggPackets(t, data)
	if len(packets) < 3 {
		t.Fatalf("%d packets", len(packets))
	}
	return packets[:3]
}

func TestLookup1Values(t *testing.T) {
	for _, tt := range []struct{ entries, dims, want int }{
		{81, 4, 3}, {80, 4, 2}, {1, 1, 1}, {256, 2, 16}, {255, 2, 15}, {0, 3, 0},
	} {
		if got := lookup1Values(tt.entries, tt.dims); got != tt.want {
			t.Errorf("lookup1Values(%d, %d) = %d, want %d", tt.entries, tt.dims, got, tt.want)
		}
	}
}

// TestCheckSetupReal: libvorbis's setup headers pass; a stereo one is
// handed on as it is, a 5.1 one is mended (its LFE floor has no
// partitions) and the library then reads it, which it cannot unmended.
func TestCheckSetupReal(t *testing.T) {
	for _, c := range []struct {
		name     string
		src      string
		channels int
		mended   bool
	}{
		{"stereo", sine44k, 2, false},
		{"5.1", "aevalsrc=0.5*sin(2*PI*3000*t)|0|0|0|0|0:s=44100:d=0.2:c=5.1", 6, true},
	} {
		h := vorbisHeaders(t, encodeVorbis(t, c.src))
		fixed, err := CheckSetup(h[2], c.channels)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if mended := !slices.Equal(fixed, h[2]); mended != c.mended {
			t.Errorf("%s: mended %v, want %v", c.name, mended, c.mended)
		}
		var d Decoder
		if _, err := d.ReadHeader(h[0]); err != nil {
			t.Fatal(err)
		}
		if err := d.readHeader(fixed); err != nil {
			t.Errorf("%s: the library refuses the checked setup header: %v", c.name, err)
		}
	}
}

// TestCheckSetupTruncated: a setup header cut anywhere is refused before
// the library sees it (an ordered codebook cut short makes the library
// loop forever).
func TestCheckSetupTruncated(t *testing.T) {
	setup := vorbisHeaders(t, encodeVorbis(t, sine44k))[2]
	for n := range len(setup) {
		if _, err := CheckSetup(setup[:n], 2); err == nil {
			t.Fatalf("setup header cut to %d of %d bytes passes", n, len(setup))
		}
	}
}

// bitWriter packs bits least significant first, as Vorbis does.
type bitWriter struct {
	b []byte
	n int // bits written
}

func (w *bitWriter) write(v uint64, bits int) *bitWriter {
	for i := range bits {
		if w.n%8 == 0 {
			w.b = append(w.b, 0)
		}
		w.b[w.n/8] |= byte(v>>i&1) << (w.n % 8)
		w.n++
	}
	return w
}

// TestCheckSetupHostile: codebooks the library would choke on are
// refused with the reason.
func TestCheckSetupHostile(t *testing.T) {
	// setup starts a header with one codebook of entries and dims.
	setup := func(dims, entries uint64) *bitWriter {
		w := &bitWriter{b: []byte("\x05vorbis"), n: 56}
		return w.write(0, 8).write(codebookSync, 24).write(dims, 16).write(entries, 24)
	}
	cases := []struct {
		name string
		w    *bitWriter
		want string
	}{
		// The library would allocate a Huffman table of 2^32-2 entries.
		{"no entries", setup(1, 0).write(0, 2), "0 entries"},
		{"no dimensions", setup(0, 4).write(0, 2), "0 dimensions"},
		{"too large", setup(1<<12, 1<<16), "too large"},
		// The library reads zero-length runs past the end for ever.
		{"ordered, cut short", setup(1, 100).write(1, 1).write(0, 5), "bad length runs"},
		{"ordered, lengths past 32", setup(1, 100).write(1, 1).write(30, 5).write(0, 7).write(0, 7).write(0, 7).write(0, 7), "longer than 32"},
		{"lookup type 3", setup(1, 2).write(0, 1).write(0, 1).write(1, 5).write(1, 5).write(3, 4), "lookup type 3"},
		{"lookup values cut short", setup(2, 16).write(0, 1).write(0, 1).write(0, 16*5).write(2, 4).write(0, 64).write(15, 4).write(0, 1), "truncated"},
	}
	for _, c := range cases {
		_, err := CheckSetup(c.w.b, 2)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error naming %q", c.name, err, c.want)
		}
	}
}

// TestCheckSetupBudget: codebooks that are each allowed but together
// would make the library allocate gigabytes are refused.
func TestCheckSetupBudget(t *testing.T) {
	w := &bitWriter{b: []byte("\x05vorbis"), n: 56}
	w.write(255, 8) // 256 codebooks
	for range 256 {
		// 2^19 entries of one dimension, all of length 19: one run.
		w.write(codebookSync, 24).write(1, 16).write(1<<19, 24)
		w.write(1, 1).write(18, 5).write(1<<19, 20)
		w.write(0, 4)
	}
	if _, err := CheckSetup(w.b, 2); err == nil || !strings.Contains(err.Error(), "codebook 2: codebooks too large in all") {
		t.Errorf("256 codebooks of 2^19 entries: %v, want the third refused", err)
	}
}
