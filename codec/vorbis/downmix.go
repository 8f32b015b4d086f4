package vorbis

import (
	"math"

	"onair/dsp"
)

// Downmix mixes the channels of a Vorbis stream to stereo.
type Downmix struct {
	channels int
	gains    [][2]float32 // per channel: its share of left and right
}

// NewDownmix returns the downmix of a stream of channels channels (at
// least 1), in the Vorbis channel order (Vorbis I §4.3.9). Front left and
// right go to their side whole; the centre and the surrounds at −3 dB, as
// ITU-R BS.775 folds them down; a rear centre at −3 dB once more, split
// between both; the LFE is left out. Past 8 channels the layout is the
// application's: the first two are taken as left and right.
func NewDownmix(channels int) Downmix {
	const c = math.Sqrt2 / 2
	var (
		fl, fr = [2]float32{1, 0}, [2]float32{0, 1}
		ctr    = [2]float32{c, c}
		sl, sr = [2]float32{c, 0}, [2]float32{0, c}
		rc     = [2]float32{c * c, c * c}
		lfe    = [2]float32{}
	)
	var g [][2]float32
	switch channels {
	case 1:
		g = [][2]float32{{1, 1}}
	case 2:
		g = [][2]float32{fl, fr}
	case 3:
		g = [][2]float32{fl, ctr, fr}
	case 4:
		g = [][2]float32{fl, fr, sl, sr}
	case 5:
		g = [][2]float32{fl, ctr, fr, sl, sr}
	case 6:
		g = [][2]float32{fl, ctr, fr, sl, sr, lfe}
	case 7:
		g = [][2]float32{fl, ctr, fr, sl, sr, rc, lfe}
	case 8:
		g = [][2]float32{fl, ctr, fr, sl, sr, sl, sr, lfe}
	default:
		g = make([][2]float32, channels)
		g[0], g[1] = fl, fr
	}
	return Downmix{channels: channels, gains: g}
}

// Channels returns the number of channels the downmix takes.
func (d Downmix) Channels() int { return d.channels }

// Mix writes src, whole frames interleaved in the stream's channels, to
// dst as stereo, and returns the number of values written (two a frame).
// Loud passages may pass full scale when channels are summed, so the
// output is clipped to [−1, 1], and a damaged packet's NaN becomes
// silence. dst must hold 2/Channels times as many values as src; with two
// channels it may be src itself.
func (d Downmix) Mix(dst, src []float32) int {
	if d.channels == 2 {
		for i, v := range src {
			dst[i] = dsp.Clip(v)
		}
		return len(src)
	}
	frames := len(src) / d.channels
	for i := range frames {
		in := src[i*d.channels : (i+1)*d.channels]
		var l, r float32
		for c, g := range d.gains {
			l += g[0] * in[c]
			r += g[1] * in[c]
		}
		dst[2*i] = dsp.Clip(l)
		dst[2*i+1] = dsp.Clip(r)
	}
	return 2 * frames
}
