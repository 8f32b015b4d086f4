package frames

import (
	"strconv"
	"testing"
)

// cbrStream returns about n bytes of a 128 kbps 44.1 kHz MP3 stream, the
// station default.
func cbrStream(b *testing.B, n int) []byte {
	var data []byte
	for i := 0; len(data) < n; i++ {
		h := uint32(0xFFFB9064)
		if i%3 != 0 {
			h |= 0x200 // padded, as 128 kbps at 44.1 kHz needs
		}
		data = append(data, mp3Frame(b, h, i)...)
	}
	return data
}

// BenchmarkSplitter splits a long stream in chunks of the sizes a source's
// TCP reads return. Bytes/s is the input rate; 0 allocs/op is the goal.
func BenchmarkSplitter(b *testing.B) {
	data := cbrStream(b, 1<<20)
	for _, chunk := range []int{1460, 4096, 65536} {
		b.Run("chunk="+strconv.Itoa(chunk), func(b *testing.B) {
			sp := NewSplitter(MP3, 0)
			frames := 0
			emit := func([]byte) { frames++ }
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				for p := data; len(p) > 0; p = p[min(chunk, len(p)):] {
					sp.Split(p[:min(chunk, len(p))], emit)
				}
			}
			b.ReportMetric(float64(frames)/float64(b.N), "frames/op")
		})
	}
}

// BenchmarkSplitterGarbage measures the search through bytes that hold no
// frames: the worst case, as every 0xFF is a candidate.
func BenchmarkSplitterGarbage(b *testing.B) {
	data := make([]byte, 1<<20)
	x := uint32(1)
	for i := range data {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		data[i] = byte(x)
	}
	sp := NewSplitter(MP3, 0)
	emit := func([]byte) {}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		for p := data; len(p) > 0; p = p[min(4096, len(p)):] {
			sp.Split(p[:min(4096, len(p))], emit)
		}
	}
}

// BenchmarkSync finds a frame start in a 64 KiB burst that begins
// mid-frame, as a new listener's burst does.
func BenchmarkSync(b *testing.B) {
	data := cbrStream(b, 70000)[200 : 200+64<<10]
	b.ReportAllocs()
	for b.Loop() {
		if MP3.Sync(data) < 0 {
			b.Fatal("no sync")
		}
	}
}
