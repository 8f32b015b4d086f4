package station

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"testing"

	"onair/library"
	"onair/mixer"
)

// loudnessTable is a library whose files are as loud as it says.
type loudnessTable map[string]float64

func (lt loudnessTable) Loudness(_ context.Context, path string) (library.Loudness, bool, error) {
	if path == "broken" {
		return library.Loudness{}, false, errors.New("store down")
	}
	v, ok := lt[path]
	return library.Loudness{LUFS: v, Source: library.LoudnessMeasured}, ok, nil
}

func TestLoudnessOpener(t *testing.T) {
	open := loudnessOpener(func(path string) (*mixer.Track, error) {
		if path == "gone" {
			return nil, errors.New("no such file")
		}
		return &mixer.Track{Path: path}, nil
	}, loudnessTable{"quiet": -26, "loud": -8, "whisper": -50}, -16, slog.New(slog.DiscardHandler))
	for _, tt := range []struct {
		path   string
		wantDB float64 // NaN: no gain set
	}{
		{"quiet", 10}, {"loud", -8}, {"whisper", 12}, {"unknown", math.NaN()}, {"broken", math.NaN()},
	} {
		tr, err := open(tt.path)
		if err != nil {
			t.Fatalf("%s: %v", tt.path, err)
		}
		if math.IsNaN(tt.wantDB) {
			if tr.Gain != 0 {
				t.Errorf("%s: gain %v, want none", tt.path, tr.Gain)
			}
			continue
		}
		if got := 20 * math.Log10(float64(tr.Gain)); math.Abs(got-tt.wantDB) > 1e-4 {
			t.Errorf("%s: gain %.3f dB, want %v", tt.path, got, tt.wantDB)
		}
	}
	if _, err := open("gone"); err == nil {
		t.Error("a file that does not open opens")
	}
}
