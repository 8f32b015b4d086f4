package live

import "math"

// downmixGains returns each channel's share of left and right for a
// Vorbis stream of ch channels, in the Vorbis channel order (Vorbis I
// §4.3.9). Front left and right go to their side whole; the centre and
// the surrounds at −3 dB, as ITU-R BS.775 folds them down; a rear centre
// at −3 dB once more, split between both; the LFE is left out. Loud
// passages may pass full scale: the caller clips. Past 8 channels the
// layout is the application's: the first two are taken as left and right.
func downmixGains(ch int) [][2]float32 {
	const c = math.Sqrt2 / 2
	var (
		fl, fr = [2]float32{1, 0}, [2]float32{0, 1}
		ctr    = [2]float32{c, c}
		sl, sr = [2]float32{c, 0}, [2]float32{0, c}
		rc     = [2]float32{c * c, c * c}
		lfe    = [2]float32{}
	)
	switch ch {
	case 1:
		return [][2]float32{{1, 1}}
	case 2:
		return [][2]float32{fl, fr}
	case 3:
		return [][2]float32{fl, ctr, fr}
	case 4:
		return [][2]float32{fl, fr, sl, sr}
	case 5:
		return [][2]float32{fl, ctr, fr, sl, sr}
	case 6:
		return [][2]float32{fl, ctr, fr, sl, sr, lfe}
	case 7:
		return [][2]float32{fl, ctr, fr, sl, sr, rc, lfe}
	case 8:
		return [][2]float32{fl, ctr, fr, sl, sr, sl, sr, lfe}
	}
	g := make([][2]float32, ch)
	g[0], g[1] = fl, fr
	return g
}
