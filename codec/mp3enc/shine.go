package mp3enc

import (
	"fmt"
	"math"

	"github.com/braheezy/shine-mp3/pkg/mp3"
)

// shineBitrate is the only bitrate shine encodes at.
const shineBitrate = 128

// shineFrame is the samples per channel of an MPEG-1 layer III frame, and
// what shine must be given at a time.
const shineFrame = 1152

// shineGain attenuates the input by 1 dB. Shine runs hot: its output is
// 1.0 dB louder than its input (measured from 50 Hz to 15 kHz), so taking
// 1 dB off first gives unity gain and keeps full-scale input from clipping.
var shineGain = float32(math.Pow(10, -1.0/20))

// shineEncoder wraps shine's frame encoder.
//
// Shine keeps up to 32 bits of a frame in a cache that only the next
// frame's bits push out, so each call's output stops a few bytes short of
// the last frame's end; Flush encodes one more frame of silence to get them
// and keeps only those bytes.
//
// Shine v0.2.0 writes broken MPEG-1 mono frames: it counts 13 bytes of
// header and side information instead of 21, so each frame overruns its
// length by 8 bytes. Mono input is therefore encoded as two identical
// channels.
type shineEncoder struct {
	enc    *mp3.Encoder
	rate   int
	in     int     // channels of the input: 1 or 2
	frame  []int16 // the stereo frame being filled, interleaved
	held   int     // samples per channel in frame
	want   int64   // bytes of the frames encoded since the last flush
	got    int64   // bytes shine handed out since the last flush
	closed bool
}

var _ Encoder = (*shineEncoder)(nil)

// newShine returns a shine encoder for o, which normalize checked.
func newShine(o Options) (*shineEncoder, error) {
	switch o.SampleRate {
	case 32000, 44100, 48000:
	default:
		return nil, fmt.Errorf("%w: shine only does 32000, 44100 and 48000 Hz, not %d: set sample_rate: 44100, or %s",
			ErrSampleRate, o.SampleRate, lameHint)
	}
	if _, err := mp3.CheckConfig(o.SampleRate, shineBitrate); err != nil {
		return nil, fmt.Errorf("%w: shine: %v", ErrSampleRate, err)
	}
	return &shineEncoder{
		enc:   mp3.NewEncoder(o.SampleRate, 2),
		rate:  o.SampleRate,
		in:    o.Channels,
		frame: make([]int16, 2*shineFrame),
	}, nil
}

// Name returns "shine".
func (s *shineEncoder) Name() string { return "shine" }

// Encode converts pcm to 16 bits a frame at a time and encodes each frame
// as it fills.
func (s *shineEncoder) Encode(dst []byte, pcm []float32) ([]byte, error) {
	if s.closed {
		return dst, ErrClosed
	}
	if len(pcm)%s.in != 0 {
		return dst, fmt.Errorf("%w: %d samples for %d channels", ErrPCMLength, len(pcm), s.in)
	}
	for len(pcm) > 0 {
		free := s.frame[2*s.held:]
		n := min(len(free)/2, len(pcm)/s.in) // frames
		if s.in == 2 {
			copyPCM16(free, pcm[:2*n], shineGain)
		} else {
			for i, x := range pcm[:n] {
				v := pcm16(x * shineGain)
				free[2*i], free[2*i+1] = v, v
			}
		}
		s.held += n
		pcm = pcm[n*s.in:]
		if s.held == shineFrame {
			dst = s.encodeFrame(dst)
		}
	}
	return dst, nil
}

// encodeFrame encodes the full frame buffer and appends shine's output,
// which its next call overwrites.
func (s *shineEncoder) encodeFrame(dst []byte) []byte {
	// Encoder.Write would cut stereo input at the wrong place; the frame
	// function takes exactly one frame of interleaved samples.
	out, n := s.enc.EncodeBufferInterleaved(s.frame)
	s.want += s.enc.Mpeg.WholeSlotsPerFrame + s.enc.Mpeg.Padding
	s.got += int64(n)
	s.held = 0
	return append(dst, out[:n]...)
}

// Flush pads the frame being filled with silence, encodes it, gets the end
// of the last frame out of shine's cache and starts a new stream.
func (s *shineEncoder) Flush(dst []byte) ([]byte, error) {
	if s.closed {
		return dst, ErrClosed
	}
	if s.held > 0 {
		clear(s.frame[2*s.held:])
		dst = s.encodeFrame(dst)
	}
	if missing := s.want - s.got; missing > 0 {
		clear(s.frame)
		out, n := s.enc.EncodeBufferInterleaved(s.frame)
		dst = append(dst, out[:min(int64(n), missing)]...)
	}
	// Shine has no reset: its filter bank and cache start clean only in
	// a new encoder.
	s.enc = mp3.NewEncoder(s.rate, 2)
	s.held, s.want, s.got = 0, 0, 0
	return dst, nil
}

// Close drops the encoder.
func (s *shineEncoder) Close() error {
	s.closed = true
	s.enc = nil
	return nil
}

// copyPCM16 converts as many samples of src as fit into dst to 16 bits,
// scaled by gain, and returns how many it converted.
func copyPCM16(dst []int16, src []float32, gain float32) int {
	n := min(len(dst), len(src))
	for i, x := range src[:n] {
		dst[i] = pcm16(x * gain)
	}
	return n
}

// pcm16 converts a sample to 16 bits, rounded and clipped; NaN is silence.
func pcm16(x float32) int16 {
	v := x * 32767
	switch {
	case v >= 32767:
		return 32767
	case v <= -32768:
		return -32768
	case v >= 0:
		return int16(v + 0.5)
	case v < 0:
		return int16(v - 0.5)
	}
	return 0
}
