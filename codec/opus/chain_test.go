package opus

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"onair/codec/ogg"
	"onair/internal/testaudio"
	"onair/internal/testenv"
)

// chainSpec is one logical stream of a test file: a tone and a title.
type chainSpec struct {
	serial        uint32
	artist, title string
	freq, seconds float64
}

// writeChains encodes each chain's tone with an OggWriter, written in
// blocks of an odd length (not a whole number of frames).
func writeChains(t *testing.T, lib *Library, chains []chainSpec) []byte {
	t.Helper()
	enc, err := lib.NewEncoder(EncoderOptions{Bitrate: 96})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	w := NewOggWriter(enc)
	var out []byte
	for _, c := range chains {
		if out, err = w.NewChain(out, c.serial, c.artist, c.title); err != nil {
			t.Fatal(err)
		}
		pcm := tone(c.seconds, c.freq, 2)
		for len(pcm) > 0 {
			n := min(len(pcm), 2*777)
			if out, err = w.Write(out, pcm[:n]); err != nil {
				t.Fatal(err)
			}
			pcm = pcm[n:]
		}
	}
	out, err = w.End(out)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var twoChains = []chainSpec{
	{7, "The Hosts", "Morning", 440, 1.01},
	{8, "", "Evening", 880, 0.5},
}

// TestOggWriterPages: what OggWriter writes reads back through package
// ogg: each chain a BOS page with OpusHead alone, OpusTags with the title,
// audio pages with granules counting from the chain's start, and an EOS
// page whose granule ends the audio exactly (pre-skip plus the samples).
func TestOggWriterPages(t *testing.T) {
	lib := needOpus(t)
	b := writeChains(t, lib, twoChains)
	type stream struct {
		pages, packets int
		head           Head
		title          string
		granule        int64
		eos            bool
		maxSpan        int64
	}
	streams := map[uint32]*stream{}
	var order []uint32
	var z ogg.Packets
	var prev int64
	for len(b) > 0 {
		p, err := ogg.ParsePage(b)
		if err != nil {
			t.Fatalf("after %d streams: %v", len(order), err)
		}
		b = b[p.Size():]
		s := streams[p.Serial]
		if p.Flags&ogg.BOS != 0 {
			if s != nil || len(p.Segments) != 1 || p.Granule != 0 {
				t.Fatalf("stream %d: BOS page %+v", p.Serial, p)
			}
			s = &stream{}
			streams[p.Serial] = s
			order = append(order, p.Serial)
			z.Reset()
			prev = 0
		}
		if s == nil || s.eos {
			t.Fatalf("page of stream %d outside it", p.Serial)
		}
		if p.Sequence != uint32(s.pages) {
			t.Errorf("stream %d: page %d numbered %d", p.Serial, s.pages, p.Sequence)
		}
		s.pages++
		if err := z.Add(&p, func(packet []byte, lost bool) error {
			switch s.packets++; s.packets {
			case 1:
				s.head, err = ParseHead(packet)
				return err
			case 2:
				s.title = TagsTitle(packet)
				if p.Granule != 0 {
					t.Errorf("stream %d: OpusTags on a page with granule %d", p.Serial, p.Granule)
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if s.packets == 2 && len(b) > 0 && p.Flags&ogg.EOS == 0 {
			// The audio starts on a page of its own (RFC 7845 §3).
			if next, _ := ogg.ParseHeader(b); next.Flags&ogg.Continued != 0 {
				t.Errorf("stream %d: audio continues the OpusTags page", p.Serial)
			}
		}
		if p.Granule >= 0 {
			s.maxSpan = max(s.maxSpan, p.Granule-prev)
			prev, s.granule = p.Granule, p.Granule
		}
		s.eos = p.Flags&ogg.EOS != 0
	}
	if fmt.Sprint(order) != "[7 8]" {
		t.Fatalf("streams %v, want [7 8]", order)
	}
	for i, c := range twoChains {
		s := streams[c.serial]
		title := c.title
		if c.artist != "" {
			title = c.artist + " - " + c.title
		}
		samples := int64(math.Round(c.seconds * SampleRate))
		switch {
		case !s.eos:
			t.Errorf("chain %d: no EOS page", i)
		case s.title != title:
			t.Errorf("chain %d: title %q, want %q", i, s.title, title)
		case s.head.Channels != 2 || s.head.PreSkip <= 0:
			t.Errorf("chain %d: head %+v", i, s.head)
		case s.granule != int64(s.head.PreSkip)+samples:
			t.Errorf("chain %d: last granule %d, want pre-skip %d + %d samples", i, s.granule, s.head.PreSkip, samples)
		case s.maxSpan > DefaultPageDuration*SampleRate/1000+FrameSize:
			t.Errorf("chain %d: a page spans %d samples", i, s.maxSpan)
		}
	}
}

// TestOggWriterFFmpeg: ffmpeg decodes a file of two chains, each tone at
// its frequency for its duration.
func TestOggWriterFFmpeg(t *testing.T) {
	lib := needOpus(t)
	bin := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	path := filepath.Join(t.TempDir(), "chains.opus")
	if err := os.WriteFile(path, writeChains(t, lib, twoChains), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "-hide_banner", "-loglevel", "error", "-nostdin",
		"-i", path, "-f", "s16le", "-ac", "2", "-ar", "48000", "-")
	cmd.Stderr = &stderr
	raw, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("ffmpeg: %v\n%s", err, stderr.Bytes())
	}
	left := testaudio.DecodeS16LE(raw, 2)[0]
	var want float64
	for _, c := range twoChains {
		want += c.seconds
	}
	if got := float64(len(left)) / SampleRate; math.Abs(got-want) > 0.021 {
		t.Errorf("ffmpeg decoded %.3f s, want %.3f s", got, want)
	}
	// The middle of each chain's tone, away from the join.
	start := 0.0
	for i, c := range twoChains {
		mid := int((start + c.seconds/2) * SampleRate)
		x := left[max(0, mid-SampleRate/8):min(len(left), mid+SampleRate/8)]
		level := testaudio.HannLevel(x, SampleRate, c.freq)
		if db := testaudio.DB(level / toneAmp); math.Abs(db) > 1 {
			t.Errorf("chain %d: %v Hz at %.2f dB", i, c.freq, db)
		}
		other := twoChains[1-i].freq
		if l := testaudio.HannLevel(x, SampleRate, other); l > toneAmp/100 {
			t.Errorf("chain %d: the other chain's %v Hz at %.4f", i, other, l)
		}
		start += c.seconds
	}
}

// TestOggWriterAllocs: writing audio does not allocate once running, pages
// included.
func TestOggWriterAllocs(t *testing.T) {
	lib := needOpus(t)
	enc, err := lib.NewEncoder(EncoderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	w := NewOggWriter(enc)
	dst := make([]byte, 0, 64<<10)
	if dst, err = w.NewChain(dst, 1, "a", "b"); err != nil {
		t.Fatal(err)
	}
	pcm := tone(0.05, toneHz, 2) // 2.5 frames: the calls differ
	for range 50 {
		dst, _ = w.Write(dst[:0], pcm)
	}
	pages := 0
	allocs := testing.AllocsPerRun(200, func() {
		if dst, err = w.Write(dst[:0], pcm); err != nil {
			t.Fatal(err)
		}
		if len(dst) > 0 {
			pages++
		}
	})
	if allocs != 0 || pages == 0 {
		t.Errorf("%v allocations per Write, %d writes with pages; want 0 and some", allocs, pages)
	}
}
