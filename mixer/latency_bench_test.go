package mixer

import (
	"context"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"onair/codec/layer3"
	"onair/codec/mp3enc"
)

// rampWatch is a sink that decodes the frames it is given and notes when
// the first one whose audio has left the steady level arrives.
type rampWatch struct {
	mu     sync.Mutex
	dec    layer3.Decoder
	pcm    [2 * BlockFrames]float32
	steady float32 // the tone's peak before the press
	armed  bool
	hit    time.Time
	peak   float32
}

func (s *rampWatch) WriteFrame(f []byte, now time.Time) {
	n, err := s.dec.Decode(f, s.pcm[:])
	if err != nil {
		return
	}
	// The level at the frame's end: a ramp that began within the frame
	// shows there first.
	var peak float32
	for _, v := range s.pcm[max(0, n-512):n] {
		peak = max(peak, float32(math.Abs(float64(v))))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.peak = peak
	if s.armed && s.hit.IsZero() && math.Abs(float64(peak-s.steady)) > 0.005*float64(s.steady) {
		s.hit = time.Now()
	}
}
func (s *rampWatch) SetTitle(string, string, time.Time) {}
func (s *rampWatch) Flush(time.Time)                    {}

// BenchmarkPTTToFrame measures, on the real clock with the real encoder,
// how long after SetPTT returns (which is what POST …/mixer/ptt calls
// before it answers) the first encoded MP3 frame carrying the ramp is
// handed to the mount. Each iteration is one press or release; ms-p50
// and ms-max are over them.
func BenchmarkPTTToFrame(b *testing.B) {
	enc, _, err := mp3enc.New(mp3enc.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer enc.Close()
	talk := TalkSettings{MusicLevel: 1, BGLevel: 0.25, MicLevel: 1, MusicFade: 500 * time.Millisecond}
	sink := &rampWatch{}
	e := New(Config{SampleRate: rate, Talk: &talk}, tones([2]float64{440, 3600}), enc, sink)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	time.Sleep(time.Second)
	var lat []float64
	on := false
	b.ResetTimer()
	for range b.N {
		// Let the ramp end and the level settle, at a random point of
		// the engine's batch cycle.
		time.Sleep(700*time.Millisecond + time.Duration(len(lat)*37%100)*time.Millisecond)
		sink.mu.Lock()
		sink.steady, sink.armed, sink.hit = sink.peak, true, time.Time{}
		sink.mu.Unlock()
		on = !on
		e.SetPTT(on)
		pressed := time.Now()
		deadline := pressed.Add(2 * time.Second)
		for time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
			sink.mu.Lock()
			hit := sink.hit
			sink.mu.Unlock()
			if !hit.IsZero() {
				lat = append(lat, hit.Sub(pressed).Seconds()*1000)
				break
			}
		}
	}
	b.StopTimer()
	if len(lat) < b.N {
		b.Fatalf("%d of %d presses never reached a frame", b.N-len(lat), b.N)
	}
	slices.Sort(lat)
	b.ReportMetric(lat[len(lat)/2], "ms-p50")
	b.ReportMetric(lat[len(lat)-1], "ms-max")
	b.ReportMetric(0, "ns/op")
}
