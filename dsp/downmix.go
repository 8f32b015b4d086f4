package dsp

import "math"

// Speaker is where a channel plays in a layout, which says how a downmix
// folds it into stereo.
type Speaker int

// Speakers a layout may name. Unmixed is a channel left out: the LFE, or a
// channel of a layout no standard names.
const (
	Unmixed Speaker = iota
	FrontLeft
	FrontRight
	Center
	SideLeft // a surround on the left, side or rear
	SideRight
	BackCenter
)

// fold is each speaker's share of left and right, as ITU-R BS.775 folds
// a layout down: the fronts whole to their side, the centre and the
// surrounds at −3 dB, a back centre at −3 dB once more split between both.
func fold(s Speaker) [2]float32 {
	const c = math.Sqrt2 / 2
	switch s {
	case FrontLeft:
		return [2]float32{1, 0}
	case FrontRight:
		return [2]float32{0, 1}
	case Center:
		return [2]float32{c, c}
	case SideLeft:
		return [2]float32{c, 0}
	case SideRight:
		return [2]float32{0, c}
	case BackCenter:
		return [2]float32{c * c, c * c}
	}
	return [2]float32{}
}

// MaxDownmixChannels is the most channels a Downmix takes.
const MaxDownmixChannels = 255

// Downmix mixes a layout's channels to stereo. Codecs differ in the order
// of their channels, not in how each is folded: each names its layouts
// (vorbis.NewDownmix, flac.NewDownmix).
type Downmix struct {
	channels int
	mono     bool
	gains    [][2]float32 // per channel: its share of left and right
}

// NewDownmix returns the downmix of layout, one speaker per channel in
// stream order; a single channel of any speaker plays on both sides.
func NewDownmix(layout ...Speaker) Downmix {
	d := Downmix{channels: len(layout), mono: len(layout) == 1, gains: make([][2]float32, len(layout))}
	for i, s := range layout {
		d.gains[i] = fold(s)
	}
	if d.mono {
		d.gains[0] = [2]float32{1, 1}
	}
	return d
}

// Channels returns the number of channels the downmix takes.
func (d Downmix) Channels() int { return d.channels }

// Mix writes src, whole frames interleaved in the layout's channels, to
// dst as stereo, and returns the number of values written (two a frame).
// Summed channels may pass full scale, so the output is clipped to
// [−1, 1], and a damaged packet's NaN becomes silence. dst must hold
// 2/Channels times as many values as src; with two channels it may be src
// itself.
func (d Downmix) Mix(dst, src []float32) int {
	if d.channels == 2 && d.gains[0] == fold(FrontLeft) && d.gains[1] == fold(FrontRight) {
		for i, v := range src {
			dst[i] = Clip(v)
		}
		return len(src)
	}
	if d.channels == 0 {
		return 0
	}
	frames := len(src) / d.channels
	for i := range frames {
		in := src[i*d.channels : (i+1)*d.channels]
		var l, r float32
		for c, g := range d.gains {
			l += g[0] * in[c]
			r += g[1] * in[c]
		}
		dst[2*i] = Clip(l)
		dst[2*i+1] = Clip(r)
	}
	return 2 * frames
}
