package vorbis

import "onair/dsp"

// Downmix mixes the channels of a Vorbis stream to stereo.
type Downmix = dsp.Downmix

// NewDownmix returns the downmix of a stream of channels channels (at
// least 1), in the Vorbis channel order (Vorbis I §4.3.9), folded as
// dsp.Downmix does; the LFE is left out. Past 8 channels the layout is
// the application's: the first two are taken as left and right.
func NewDownmix(channels int) Downmix {
	const (
		fl, fr, c  = dsp.FrontLeft, dsp.FrontRight, dsp.Center
		sl, sr, bc = dsp.SideLeft, dsp.SideRight, dsp.BackCenter
		lfe        = dsp.Unmixed
	)
	switch channels {
	case 1:
		return dsp.NewDownmix(c)
	case 2:
		return dsp.NewDownmix(fl, fr)
	case 3:
		return dsp.NewDownmix(fl, c, fr)
	case 4:
		return dsp.NewDownmix(fl, fr, sl, sr)
	case 5:
		return dsp.NewDownmix(fl, c, fr, sl, sr)
	case 6:
		return dsp.NewDownmix(fl, c, fr, sl, sr, lfe)
	case 7:
		return dsp.NewDownmix(fl, c, fr, sl, sr, bc, lfe)
	case 8:
		return dsp.NewDownmix(fl, c, fr, sl, sr, sl, sr, lfe)
	}
	layout := make([]dsp.Speaker, max(channels, 2))
	layout[0], layout[1] = fl, fr
	return dsp.NewDownmix(layout...)
}
