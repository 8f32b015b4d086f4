package station

import (
	"bufio"
	"io"
	"math"
	"net"
	"testing"
	"time"

	"onair/codec/mp3enc"
	"onair/config"
	"onair/internal/testenv"
)

// encodingFloor is the silence MP3 encoding itself puts at the start of
// a stream (LAME's encoder delay; in a stream, unlike a file, no header
// tells the decoder to trim it): a tone loud from its first sample,
// encoded as the station encodes and decoded as the test decodes, opens
// with this much under −60 dBFS.
func encodingFloor(t *testing.T, ffmpeg string, freq float64) time.Duration {
	t.Helper()
	cfg := config.Default().Stations[0]
	enc, _, err := mp3enc.New(mp3enc.Options{Kind: cfg.Encoder, Bitrate: cfg.Bitrate, SampleRate: cfg.SampleRate, Channels: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	pcm := make([]float32, 2*cfg.SampleRate)
	for i := range len(pcm) / 2 {
		v := float32(0.375 * math.Sin(2*math.Pi*freq*float64(i)/float64(cfg.SampleRate)))
		pcm[2*i], pcm[2*i+1] = v, v
	}
	mp3, err := enc.Encode(nil, pcm)
	if err != nil {
		t.Fatal(err)
	}
	return leadingSilence(decodeMono(t, ffmpeg, mp3))
}

// listenFromStart connects a listener to /stream and reads the response
// headers; connected before the station runs, it gets every frame.
func listenFromStart(t *testing.T, addr string) *bufio.Reader {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(30 * time.Second))
	io.WriteString(c, "GET /stream HTTP/1.0\r\n\r\n")
	br := bufio.NewReader(c)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("headers: %v", err)
		}
		if line == "\r\n" {
			return br
		}
	}
}

// leadingSilence is how long pcm (mono, 44.1 kHz) stays under −60 dBFS
// from its start.
func leadingSilence(pcm []float64) time.Duration {
	floor := math.Pow(10, -60.0/20)
	i := 0
	for i < len(pcm) && math.Abs(pcm[i]) < floor {
		i++
	}
	return time.Duration(i) * time.Second / 44100
}

// TestStationStartsWithTheFirstTrack: a listener there from the moment
// the station goes on air hears the first track from its first sample,
// with no silence beyond what MP3 encoding itself adds.
func TestStationStartsWithTheFirstTrack(t *testing.T) {
	ffmpeg := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	dir := t.TempDir()
	// Loud from its first sample: a 1 kHz sine at 0.375 passes −60 dBFS
	// on its second sample.
	makeTone(t, ffmpeg, dir, tone{"a.mp3", 1000, 5, 44100, "libmp3lame"})
	floor := encodingFloor(t, ffmpeg, 1000)
	t.Logf("MP3 encoding alone opens with %v of silence", floor)
	for _, crossfade := range []time.Duration{0, time.Second} {
		t.Run(crossfade.String(), func(t *testing.T) {
			addr, _, run := newStation(t, dir, crossfade)
			br := listenFromStart(t, addr)
			run()
			audio := make([]byte, 16000) // a second at 128 kbps
			if _, err := io.ReadFull(br, audio); err != nil {
				t.Fatal(err)
			}
			pcm := decodeMono(t, ffmpeg, audio)
			lead := leadingSilence(pcm)
			t.Logf("the stream opens with %v of silence", lead)
			// Beyond the floor: up to a millisecond where MP3 coding
			// softened the fixture's onset.
			if limit := floor + time.Millisecond; lead > limit {
				t.Errorf("the stream opens with %v of silence, want at most %v", lead, limit)
			}
		})
	}
}
