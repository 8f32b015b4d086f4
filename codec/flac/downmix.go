package flac

import (
	"math"

	"onair/dsp"
)

// Downmix mixes the channels of a FLAC stream to stereo.
type Downmix struct {
	channels int
	gains    [MaxChannels][2]float32 // per channel: its share of left and right
}

// NewDownmix returns the downmix of a stream of channels channels (1…8),
// in FLAC's channel order (RFC 9639 §9.1.3), which is not Vorbis's: front
// left and right go to their side whole; the centre and the surrounds at
// −3 dB, as ITU-R BS.775 folds them down; a back centre at −3 dB once
// more, split between both; the LFE is left out.
func NewDownmix(channels int) Downmix {
	const c = math.Sqrt2 / 2
	var (
		fl, fr = [2]float32{1, 0}, [2]float32{0, 1}
		ctr    = [2]float32{c, c}
		sl, sr = [2]float32{c, 0}, [2]float32{0, c}
		bc     = [2]float32{c * c, c * c}
		lfe    = [2]float32{}
	)
	channels = max(1, min(channels, MaxChannels))
	d := Downmix{channels: channels}
	var g [][2]float32
	switch channels {
	case 1:
		g = [][2]float32{{1, 1}}
	case 2:
		g = [][2]float32{fl, fr}
	case 3:
		g = [][2]float32{fl, fr, ctr}
	case 4:
		g = [][2]float32{fl, fr, sl, sr}
	case 5:
		g = [][2]float32{fl, fr, ctr, sl, sr}
	case 6:
		g = [][2]float32{fl, fr, ctr, lfe, sl, sr}
	case 7:
		g = [][2]float32{fl, fr, ctr, lfe, bc, sl, sr}
	case 8:
		g = [][2]float32{fl, fr, ctr, lfe, sl, sr, sl, sr}
	}
	copy(d.gains[:], g)
	return d
}

// Channels returns the number of channels the downmix takes.
func (d Downmix) Channels() int { return d.channels }

// Mix writes src, whole frames interleaved in the stream's channels, to
// dst as stereo, and returns the number of values written (two a frame).
// Summed channels may pass full scale, so the output is clipped to
// [−1, 1]. dst must hold 2/Channels times as many values as src; with two
// channels it may be src itself.
func (d Downmix) Mix(dst, src []float32) int {
	if d.channels == 2 {
		for i, v := range src {
			dst[i] = dsp.Clip(v)
		}
		return len(src)
	}
	frames := len(src) / d.channels
	gains := d.gains[:d.channels]
	for i := range frames {
		in := src[i*d.channels : (i+1)*d.channels]
		var l, r float32
		for c, g := range gains {
			l += g[0] * in[c]
			r += g[1] * in[c]
		}
		dst[2*i] = dsp.Clip(l)
		dst[2*i+1] = dsp.Clip(r)
	}
	return 2 * frames
}
