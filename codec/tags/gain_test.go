package tags

import (
	"math"
	"testing"

	"github.com/dhowden/tag"
)

// TestReadGainTags reads the loudness that ReplayGain and R128 tags
// written by FFmpeg imply: ID3v2 TXXX frames in MP3, comments in Vorbis.
func TestReadGainTags(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name       string
		opts       []string
		lufs, peak float64 // peak NaN: none
	}{
		{"rg.mp3", with(cbr128, "-metadata", "REPLAYGAIN_TRACK_GAIN=-6.50 dB", "-metadata", "REPLAYGAIN_TRACK_PEAK=0.5"), -11.5, -6.0206},
		{"rg.ogg", with(vorbisQ5, "-metadata", "replaygain_track_gain=+3.00 dB"), -21, math.NaN()},
		{"r128.ogg", with(vorbisQ5, "-metadata", "R128_TRACK_GAIN=-2560"), -13, math.NaN()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Read(makeTone(t, dir, tt.name, tt.opts...))
			if err != nil {
				t.Fatal(err)
			}
			l := got.Loudness
			if l == nil {
				t.Fatal("no loudness read from the tags")
			}
			if math.Abs(l.LUFS-tt.lufs) > 1e-9 || !(math.Abs(l.Peak-tt.peak) < 1e-3 || math.IsNaN(l.Peak) && math.IsNaN(tt.peak)) {
				t.Errorf("loudness %+v, want %v LUFS, peak %v dB", *l, tt.lufs, tt.peak)
			}
		})
	}
	if got, err := Read(makeTone(t, dir, "plain.mp3", cbr128...)); err != nil || got.Loudness != nil {
		t.Errorf("a file without gain tags reads %+v, %v", got.Loudness, err)
	}
}

func TestGainFromRaw(t *testing.T) {
	for _, tt := range []struct {
		name string
		raw  map[string]any
		lufs float64 // NaN: none
	}{
		{"ReplayGain wins over R128", map[string]any{"replaygain_track_gain": "-1 dB", "r128_track_gain": "0"}, -17},
		{"bare number", map[string]any{"REPLAYGAIN_TRACK_GAIN": " 2.5 "}, -20.5},
		{"TXXX", map[string]any{"TXXX": &tag.Comm{Description: "replaygain_track_gain", Text: "-4.00 dB"}}, -14},
		{"album gain alone is not the track's", map[string]any{"replaygain_album_gain": "-4.00 dB"}, math.NaN()},
		{"garbage", map[string]any{"replaygain_track_gain": "loud"}, math.NaN()},
		{"not a number", map[string]any{"replaygain_track_gain": "NaN dB"}, math.NaN()},
		{"R128 out of Q7.8 range", map[string]any{"r128_track_gain": "40000"}, math.NaN()},
		{"none", map[string]any{}, math.NaN()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := gainFromRaw(tt.raw)
			switch {
			case math.IsNaN(tt.lufs) && l != nil:
				t.Errorf("got %+v, want none", *l)
			case !math.IsNaN(tt.lufs) && (l == nil || l.LUFS != tt.lufs):
				t.Errorf("got %v, want %v LUFS", l, tt.lufs)
			}
		})
	}
}
