package station

import (
	"context"
	"log/slog"
	"math"

	"onair/library"
	"onair/mixer"
)

// loudnessSource is the part of Library loudnessOpener uses.
type loudnessSource interface {
	Loudness(ctx context.Context, path string) (ld library.Loudness, ok bool, err error)
}

// loudnessOpener wraps open so that each track it opens plays at target
// LUFS: the track's loudness comes from lib, which measures a track not
// measured yet there and then. open runs in the queue's goroutine, ahead
// of the track's turn, so the measuring never holds up the audio loop;
// the engine waits for the first track, so the first one after start-up
// is measured before it plays too.
func loudnessOpener(open mixer.Opener, lib loudnessSource, target float64, log *slog.Logger) mixer.Opener {
	return func(path string) (*mixer.Track, error) {
		t, err := open(path)
		if err != nil {
			return nil, err
		}
		ld, ok, err := lib.Loudness(context.Background(), path)
		switch {
		case err != nil:
			log.Warn("track plays without loudness matching", "path", path, "error", err)
		case !ok:
			log.Info("track plays without loudness matching: its loudness is not known", "path", path)
		default:
			t.Gain = mixer.LoudnessGain(target, ld.LUFS)
			log.Debug("loudness matched", "path", path, "lufs", ld.LUFS, "source", ld.Source,
				"gain_db", math.Round(200*math.Log10(float64(t.Gain)))/10)
		}
		return t, nil
	}
}
