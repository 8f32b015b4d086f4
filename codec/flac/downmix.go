package flac

import "onair/dsp"

// Downmix mixes the channels of a FLAC stream to stereo.
type Downmix = dsp.Downmix

// NewDownmix returns the downmix of a stream of channels channels (1…8),
// in FLAC's channel order (RFC 9639 §9.1.3), which is not Vorbis's,
// folded as dsp.Downmix does; the LFE is left out.
func NewDownmix(channels int) Downmix {
	const (
		fl, fr, c  = dsp.FrontLeft, dsp.FrontRight, dsp.Center
		sl, sr, bc = dsp.SideLeft, dsp.SideRight, dsp.BackCenter
		lfe        = dsp.Unmixed
	)
	switch max(1, min(channels, MaxChannels)) {
	case 1:
		return dsp.NewDownmix(c)
	case 2:
		return dsp.NewDownmix(fl, fr)
	case 3:
		return dsp.NewDownmix(fl, fr, c)
	case 4:
		return dsp.NewDownmix(fl, fr, sl, sr)
	case 5:
		return dsp.NewDownmix(fl, fr, c, sl, sr)
	case 6:
		return dsp.NewDownmix(fl, fr, c, lfe, sl, sr)
	case 7:
		return dsp.NewDownmix(fl, fr, c, lfe, bc, sl, sr)
	}
	return dsp.NewDownmix(fl, fr, c, lfe, sl, sr, sl, sr)
}
