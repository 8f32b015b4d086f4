package frames

import (
	"bytes"
	"testing"
)

// mp3Stream is what a source client streaming files as they are might send:
// a tag, junk, frames whose bitrate and padding vary, an ID3v1 tag, a file in
// another format, a format change without a gap, junk, an APE tag, and a tag
// between two frames of the last file.
func mp3Stream(t testing.TB) (s stream, resyncs int) {
	s.tag(id3v2(4, 300, true))
	j := junk(500, 1)
	// A valid header whose successor is junk must not lock, nor may a
	// broken ID3 or APE signature be taken as a tag, nor "TAG" inside junk.
	copy(j[50:], []byte{0xFF, 0xFB, 0x90, 0x64})
	copy(j[100:], "ID3\x05\x00\x00\x00\x00\x00\x00")
	copy(j[120:], "APETAGEX\x01\x00\x00\x00")
	copy(j[150:], "TAG")
	s.junk(j)
	// MPEG-1 layer III, 44.1 kHz: 128, 128 padded, 160, 320 mono, 64.
	a := []uint32{0xFFFB9064, 0xFFFB9264, 0xFFFBA064, 0xFFFBE0C4, 0xFFFB5000}
	for i := range 20 {
		s.frame(mp3Frame(t, a[i%len(a)], i))
	}
	s.tag(id3v1())
	// MPEG-2 layer III, 22.05 kHz: 64 mono, 80 padded.
	for i := range 15 {
		s.frame(mp3Frame(t, []uint32{0xFFF380C4, 0xFFF39244}[i%2], 100+i))
	}
	// MPEG-1 layer II, 48 kHz, with and without CRC, straight after:
	// the successor check fails once, and no frame is lost.
	resyncs++
	for i := range 10 {
		s.frame(mp3Frame(t, []uint32{0xFFFDA400, 0xFFFC8400}[i%2], 200+i))
	}
	resyncs++
	s.junk(junk(333, 2))
	s.tag(apeTag())
	// MPEG-2.5 layer III, 8 kHz, 32 kbps mono, with an ID3v2.3 tag halfway.
	for i := range 10 {
		if i == 5 {
			s.tag(id3v2(3, 1000, false))
		}
		s.frame(mp3Frame(t, 0xFFE348C0, 300+i))
	}
	return s, resyncs
}

func TestSplitterMP3EveryChunkSize(t *testing.T) {
	s, resyncs := mp3Stream(t)
	for chunk := 1; chunk <= 2000; chunk++ {
		sp := NewSplitter(MP3, 0)
		got := split(sp, s.data, chunk)
		sameFrames(t, got, s.frames)
		st := sp.Stats()
		want := Stats{Frames: uint64(len(s.frames)), Bytes: uint64(len(s.data) - s.skipped - s.tags),
			Skipped: uint64(s.skipped), Tags: uint64(s.tags), Resyncs: uint64(resyncs)}
		if st != want {
			t.Fatalf("chunk %d: Stats = %+v, want %+v", chunk, st, want)
		}
		if in, want := sp.Info(), (StreamInfo{Codec: MP3, Bitrate: 32, SampleRate: 8000, Channels: 1}); in != want {
			t.Fatalf("chunk %d: Info = %+v, want %+v", chunk, in, want)
		}
	}
}

func TestSplitterADTSEveryChunkSize(t *testing.T) {
	var s stream
	s.tag(id3v2(4, 50, false))
	s.junk(junk(100, 3))
	for i := range 30 {
		s.frame(adtsFrame(t, 4, 2, 200+i*37, i)) // 44.1 kHz stereo, VBR
	}
	for i := range 20 {
		s.frame(adtsFrame(t, 3, 1, 150+i*11, 100+i)) // 48 kHz mono
	}
	s.junk(junk(70, 4))
	for i := range 5 {
		s.frame(adtsFrame(t, 3, 1, 300, 200+i))
	}
	for chunk := 1; chunk <= 2000; chunk++ {
		sp := NewSplitter(ADTS, 0)
		sameFrames(t, split(sp, s.data, chunk), s.frames)
		st := sp.Stats()
		want := Stats{Frames: uint64(len(s.frames)), Bytes: uint64(len(s.data) - s.skipped - s.tags),
			Skipped: uint64(s.skipped), Tags: uint64(s.tags), Resyncs: 2}
		if st != want {
			t.Fatalf("chunk %d: Stats = %+v, want %+v", chunk, st, want)
		}
		// 300 bytes per 1024 samples at 48 kHz: 112.5 kbps.
		if in, want := sp.Info(), (StreamInfo{Codec: ADTS, Bitrate: 113, SampleRate: 48000, Channels: 1}); in != want {
			t.Fatalf("chunk %d: Info = %+v, want %+v", chunk, in, want)
		}
	}
}

func TestSplitterLocksOnTwoFrames(t *testing.T) {
	f1 := mp3Frame(t, 0xFFFB9064, 1)
	f2 := mp3Frame(t, 0xFFFB9064, 2)

	sp := NewSplitter(MP3, 0)
	if got := split(sp, f1, 100); len(got) != 0 || sp.Stats().Skipped != uint64(len(f1)) {
		t.Errorf("one frame alone: emitted %d frames, stats %+v; want none, all skipped", len(got), sp.Stats())
	}

	sp = NewSplitter(MP3, 0)
	var got [][]byte
	emit := func(f []byte) { got = append(got, bytes.Clone(f)) }
	sp.Split(append(bytes.Clone(f1), f2[:100]...), emit)
	if len(got) != 1 || !sp.Locked() || sp.Stats().Pending != 100 {
		t.Fatalf("frame and a partial frame: %d frames, locked %v, %+v; want 1, locked, 100 pending", len(got), sp.Locked(), sp.Stats())
	}
	sp.Split(f2[100:], emit)
	if len(got) != 1 {
		t.Fatalf("the last frame was emitted before anything followed it")
	}
	sp.Flush(emit)
	sameFrames(t, got, [][]byte{f1, f2})
	if sp.Locked() || sp.Stats().Pending != 0 {
		t.Errorf("after Flush: locked %v, %+v", sp.Locked(), sp.Stats())
	}
}

func TestSplitterInconsistentSuccessor(t *testing.T) {
	// Two valid headers a frame apart, but MPEG-1 then MPEG-2: no lock.
	data := append(mp3Frame(t, 0xFFFB9064, 1), mp3Frame(t, 0xFFF380C4, 2)...)
	data = append(data, junk(1000, 5)...)
	sp := NewSplitter(MP3, 0)
	if got := split(sp, data, len(data)); len(got) != 0 {
		t.Errorf("emitted %d frames from an inconsistent pair", len(got))
	}
	if Codec(MP3).Sync(data) != -1 {
		t.Errorf("Sync found a frame in an inconsistent pair")
	}
}

func TestSplitterCutFrame(t *testing.T) {
	// An encoder restarts mid-frame, or a source cuts a file short and
	// starts the next with its tag: the cut frame is dropped and the new
	// stream is picked up from its start.
	for _, tt := range []struct {
		name string
		next func(s *stream)
	}{
		{"frames", func(s *stream) {}},
		{"tag", func(s *stream) { s.tag(id3v2(3, 30, false)) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var s stream
			for i := range 5 {
				s.frame(mp3Frame(t, 0xFFFB9064, i))
			}
			cut := mp3Frame(t, 0xFFFB9064, 5)[:150]
			s.junk(cut)
			tt.next(&s)
			for i := range 5 {
				s.frame(mp3Frame(t, 0xFFF380C4, 10+i)) // MPEG-2, 208 bytes
			}
			for _, chunk := range []int{1, 7, 100, 417, 1000, len(s.data)} {
				sp := NewSplitter(MP3, 0)
				sameFrames(t, split(sp, s.data, chunk), s.frames)
				if st := sp.Stats(); st.Resyncs != 1 || st.Skipped != uint64(len(cut)) || st.Tags != uint64(s.tags) {
					t.Errorf("chunk %d: %+v; want 1 resync, %d skipped, %d tag bytes", chunk, st, len(cut), s.tags)
				}
			}
		})
	}
}

func TestSplitterGarbageAfterFrame(t *testing.T) {
	// The frame before the junk holds, in its payload, a header whose
	// successor lies in the junk and the start of an ID3 header running
	// into the junk. Neither proves the frame cut short, but both take
	// junk bytes to rule out; the frame is then emitted whole.
	var s stream
	s.frame(mp3Frame(t, 0xFFFB9064, 1))
	last := mp3Frame(t, 0xFFFB9064, 2)
	copy(last[100:], []byte{0xFF, 0xFB, 0x90, 0x64})
	copy(last[len(last)-6:], "ID3\x03\x00\x00")
	s.frame(last)
	j := junk(600, 10)
	j[3] = 0x80 // not a syncsafe size byte: not an ID3 header after all
	s.junk(j)
	for i := range 3 {
		s.frame(mp3Frame(t, 0xFFFB9064, 3+i))
	}
	for _, chunk := range []int{1, 5, 64, 500, len(s.data)} {
		sp := NewSplitter(MP3, 0)
		sameFrames(t, split(sp, s.data, chunk), s.frames)
		if st := sp.Stats(); st.Resyncs != 1 || st.Skipped != 600 {
			t.Errorf("chunk %d: %+v; want 1 resync, 600 skipped", chunk, st)
		}
	}
}

func TestSplitterMaxFrame(t *testing.T) {
	var data []byte
	for i := range 10 {
		data = append(data, mp3Frame(t, 0xFFFBE400, i)...) // 960 bytes
	}
	sp := NewSplitter(MP3, 500)
	if got := split(sp, data, 333); len(got) != 0 {
		t.Errorf("maxFrame 500: emitted %d frames of 960 bytes", len(got))
	}
	sp = NewSplitter(MP3, 960)
	if got := split(sp, data, 333); len(got) != 10 {
		t.Errorf("maxFrame 960: emitted %d frames, want 10", len(got))
	}
}

func TestSplitterInfoCBR(t *testing.T) {
	// A 128 kbps stream alternates 417- and 418-byte frames so that the
	// mean is 128 kbps exactly; the mean must say 128.
	var data []byte
	for i := range 100 {
		h := uint32(0xFFFB9064)
		if i%2 == 1 {
			h |= 0x200
		}
		data = append(data, mp3Frame(t, h, i)...)
	}
	sp := NewSplitter(MP3, 0)
	split(sp, data, 4096)
	if in, want := sp.Info(), (StreamInfo{Codec: MP3, Bitrate: 128, SampleRate: 44100, Channels: 2}); in != want {
		t.Errorf("Info = %+v, want %+v", in, want)
	}
}

func TestSplitterNoAllocs(t *testing.T) {
	s, _ := mp3Stream(t)
	sp := NewSplitter(MP3, 0)
	n := 0
	emit := func(f []byte) { n++ }
	for _, chunk := range []int{1, 100, 1460, 4096} {
		allocs := testing.AllocsPerRun(20, func() {
			for p := s.data; len(p) > 0; p = p[min(chunk, len(p)):] {
				sp.Split(p[:min(chunk, len(p))], emit)
			}
		})
		if allocs != 0 {
			t.Errorf("chunk %d: %v allocations per stream, want 0", chunk, allocs)
		}
	}
	if n == 0 {
		t.Fatal("no frames")
	}
}

func TestNewSplitterUnknownCodec(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewSplitter(Codec(0)) did not panic")
		}
	}()
	NewSplitter(0, 0)
}

func TestSync(t *testing.T) {
	f := func(seed int) []byte { return mp3Frame(t, 0xFFFB9064, seed) }
	j := junk(300, 6)
	copy(j[10:], []byte{0xFF, 0xFB, 0x90, 0x64}) // a lone header
	tests := []struct {
		name string
		b    []byte
		want int
	}{
		{"empty", nil, -1},
		{"junk", j, -1},
		{"one frame", f(1), -1},
		{"two frames", append(f(1), f(2)...), 0},
		{"frame and a header", append(f(1), f(2)[:4]...), 0},
		{"frame and three bytes of a header", append(f(1), f(2)[:3]...), -1},
		{"mid-frame", append(f(1)[200:], append(f(2), f(3)...)...), 217},
		{"junk with a lone header, then frames", append(bytes.Clone(j), append(f(1), f(2)...)...), 300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MP3.Sync(tt.b); got != tt.want {
				t.Errorf("Sync = %d, want %d", got, tt.want)
			}
		})
	}
	a := append(adtsFrame(t, 4, 2, 300, 1), adtsFrame(t, 4, 2, 400, 2)...)
	if got := ADTS.Sync(append(junk(50, 7), a...)); got != 50 {
		t.Errorf("ADTS.Sync = %d, want 50", got)
	}
	if got := ADTS.Sync(a[:300+6]); got != -1 {
		t.Errorf("ADTS.Sync with 6 bytes of the second header = %d, want -1", got)
	}
	if got := Codec(0).Sync(a); got != -1 {
		t.Errorf("Codec(0).Sync = %d, want -1", got)
	}
}
