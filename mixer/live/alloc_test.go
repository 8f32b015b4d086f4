package live

import (
	"slices"
	"testing"

	"onair/codec/mpeg"
	"onair/codec/ogg"
	"onair/codec/tags"
)

// mp3Frames cuts an MP3 file into its frames (after any ID3v2 tag).
func mp3Frames(t testing.TB, data []byte) [][]byte {
	t.Helper()
	if n, ok := tags.ID3v2Size(data); ok {
		data = data[n:]
	}
	var frames [][]byte
	for len(data) >= 4 {
		h, ok := mpeg.ParseLayer3(data)
		if !ok || h.FrameSize() > len(data) {
			break
		}
		frames = append(frames, data[:h.FrameSize()])
		data = data[h.FrameSize():]
	}
	if len(frames) < 10 {
		t.Fatalf("%d MP3 frames in the fixture", len(frames))
	}
	return frames
}

// oggPages cuts an Ogg file into its pages.
func oggPages(t testing.TB, data []byte) [][]byte {
	t.Helper()
	var pages [][]byte
	for len(data) > 0 {
		size, err := ogg.PageSize(data)
		if err != nil || size > len(data) {
			break
		}
		pages = append(pages, data[:size])
		data = data[size:]
	}
	return pages
}

// TestMP3SteadyStateAllocs: once running, a Write of one MP3 frame
// allocates nothing: framing, decoding, resampling and the Sink.
func TestMP3SteadyStateAllocs(t *testing.T) {
	cases := []struct {
		name string
		tone tone
		opts []string
	}{
		{"44.1kHz stereo", sine3k(44100, 2, 8), mp3CBR128},
		{"48kHz stereo, resampled", sine3k(48000, 2, 8), mp3CBR128},
		{"22.05kHz mono, resampled", sine3k(22050, 1, 8), mp3Mono64},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			frames := mp3Frames(t, encode(t, c.tone, c.opts...))
			d := NewDecoder(Options{Rate: testRate}, &nullSink{})
			next := 0
			write := func() {
				if _, err := d.Write(frames[next%len(frames)]); err != nil {
					t.Fatalf("Write: %v", err)
				}
				next++
			}
			for range 50 {
				write()
			}
			if d.Format() != "mp3" {
				t.Fatalf("Format() = %q after 50 frames", d.Format())
			}
			if a := testing.AllocsPerRun(200, write); a != 0 {
				t.Errorf("%.2f allocations per frame, want 0", a)
			}
		})
	}
}

// TestVorbisAllocs measures allocations per Vorbis packet in steady
// state. The library allocates for every packet (its bit reader, floor
// and residue scratch); this package adds none, which the bound keeps.
func TestVorbisAllocs(t *testing.T) {
	pages := oggPages(t, encode(t, sine3k(44100, 2, 10), append(slices.Clone(vorbisQ5), "-page_duration", "20000")...))
	d := NewDecoder(Options{Rate: testRate}, &nullSink{})
	for _, p := range pages[:20] {
		if _, err := d.Write(p); err != nil {
			t.Fatal(err)
		}
	}
	packets := 0
	// AllocsPerRun's first call, on pages[20], is not counted.
	for _, b := range pages[21:220] {
		p, err := ogg.ParseHeader(b)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range p.Segments {
			if l < 255 {
				packets++
			}
		}
	}
	next := 20
	a := testing.AllocsPerRun(199, func() {
		if _, err := d.Write(pages[next]); err != nil {
			t.Fatal(err)
		}
		next++
	})
	perPacket := a * 199 / float64(packets)
	t.Logf("%.1f allocations per Vorbis packet (stereo)", perPacket)
	if perPacket > 12 {
		t.Errorf("%.1f allocations per Vorbis packet, want at most the library's dozen", perPacket)
	}
}

// TestFLACSteadyStateAllocs: once running, a Write of one Ogg FLAC page
// allocates nothing: paging, decoding, mixing to stereo, resampling and
// the Sink.
func TestFLACSteadyStateAllocs(t *testing.T) {
	cases := []struct {
		name string
		tone tone
	}{
		{"44.1kHz stereo", sine3k(44100, 2, 10)},
		{"48kHz mono, resampled", sine3k(48000, 1, 10)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Pages of 20 ms: about one frame of 1152 samples each.
			pages := oggPages(t, encode(t, c.tone, append([]string{"-frame_size", "1152", "-page_duration", "20000"}, flacOgg...)...))
			if len(pages) < 200 {
				t.Fatalf("%d pages", len(pages))
			}
			d := NewDecoder(Options{Rate: testRate}, &nullSink{})
			for _, p := range pages[:20] {
				if _, err := d.Write(p); err != nil {
					t.Fatal(err)
				}
			}
			if d.Format() != "ogg/flac" {
				t.Fatalf("Format() = %q after 20 pages", d.Format())
			}
			next := 20
			a := testing.AllocsPerRun(150, func() {
				if _, err := d.Write(pages[next]); err != nil {
					t.Fatal(err)
				}
				next++
			})
			if a != 0 {
				t.Errorf("%.2f allocations per page, want 0", a)
			}
		})
	}
}

// TestOpusAllocs: once running, a Write of one Ogg Opus page (one 20 ms
// packet, decoded and resampled to 44.1 kHz) allocates nothing.
func TestOpusAllocs(t *testing.T) {
	needOpus(t)
	pages := oggPages(t, encode(t, sine3k(48000, 2, 10), append(slices.Clone(opusQ), "-page_duration", "20000")...))
	d := NewDecoder(Options{Rate: testRate}, &nullSink{})
	defer d.Close()
	for _, p := range pages[:20] {
		if _, err := d.Write(p); err != nil {
			t.Fatal(err)
		}
	}
	next := 20
	if a := testing.AllocsPerRun(200, func() {
		if _, err := d.Write(pages[next]); err != nil {
			t.Fatal(err)
		}
		next++
	}); a != 0 {
		t.Errorf("%.2f allocations per Opus page, want 0", a)
	}
}
