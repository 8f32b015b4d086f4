package library

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
)

// Where a track's loudness came from (Track.LoudnessSource).
const (
	LoudnessMeasured = "measured" // our meter, over the decoded file
	LoudnessTag      = "tag"      // the file's ReplayGain or R128 tags
	// loudnessFailed marks a file the meter could not decode, so that the
	// background measuring does not try it again until it changes.
	loudnessFailed = "failed"
)

// loudnessFloor is what silence (−Inf) is stored as: BS.1770's absolute
// gate, −70 LUFS, below which nothing counts; JSON has no −Inf.
const loudnessFloor = -70.0

// Measurer decodes the audio file at path and measures its integrated
// loudness (LUFS) and true peak (dBTP), −Inf for silence. The library
// reads files through the codec layer only, and the decoders are the
// mixer's, so the start-up gives the library mixer.MeasureFile.
type Measurer func(ctx context.Context, path string) (lufs, truePeak float64, err error)

// Loudness is a track's loudness as the station uses it.
type Loudness struct {
	LUFS     float64 // integrated loudness
	TruePeak float64 // dBTP
	Source   string  // LoudnessMeasured or LoudnessTag
}

// Loudness returns the loudness of the library's file at path, measuring
// it now (with l.Measure) when it has not been measured yet: a track is
// measured before it first plays, even when the background measuring has
// not come to it. ok is false when the loudness is not known: no
// Measure, the file is not in the library, or it could not be measured
// and has no tags.
func (l *Library) Loudness(ctx context.Context, path string) (ld Loudness, ok bool, err error) {
	path = libraryAbs(path)
	var lufs, peak sql.NullFloat64
	var src string
	err = l.st.DB.QueryRowContext(ctx, `SELECT loudness_lufs, true_peak_dbtp, loudness_source
		FROM tracks WHERE path = ?`, path).Scan(&lufs, &peak, &src)
	if errors.Is(err, sql.ErrNoRows) {
		return Loudness{}, false, nil
	}
	if err != nil {
		return Loudness{}, false, fmt.Errorf("loudness of %s: %w", path, err)
	}
	if src != LoudnessMeasured && src != loudnessFailed && l.Measure != nil {
		ld, err := l.measure(ctx, path)
		if err == nil {
			return ld, true, nil
		}
		if ctx.Err() != nil {
			return Loudness{}, false, err
		}
		l.log.Warn("track not measured", "path", path, "error", err)
		// The tags, if any, will do.
	}
	if !lufs.Valid {
		return Loudness{}, false, nil
	}
	if src == loudnessFailed {
		src = LoudnessTag // a failed measurement writes no figures: these are the tags'
	}
	return Loudness{LUFS: lufs.Float64, TruePeak: peak.Float64, Source: src}, true, nil
}

// measure measures the file at path and stores the result, or marks the
// file failed when it cannot be decoded.
func (l *Library) measure(ctx context.Context, path string) (Loudness, error) {
	lufs, peak, err := l.Measure(ctx, path)
	if err != nil {
		if ctx.Err() == nil {
			_, _ = l.st.DB.ExecContext(ctx, `UPDATE tracks SET loudness_source = ? WHERE path = ?`,
				loudnessFailed, path) // best effort: at worst it is tried again
		}
		return Loudness{}, err
	}
	ld := Loudness{LUFS: max(lufs, loudnessFloor), TruePeak: max(peak, loudnessFloor), Source: LoudnessMeasured}
	if math.IsNaN(ld.LUFS) || math.IsNaN(ld.TruePeak) {
		return Loudness{}, fmt.Errorf("measure %s: not a number", path)
	}
	if _, err := l.st.DB.ExecContext(ctx, `UPDATE tracks SET loudness_lufs = ?, true_peak_dbtp = ?,
		loudness_source = ? WHERE path = ?`, ld.LUFS, ld.TruePeak, ld.Source, path); err != nil {
		return ld, fmt.Errorf("store the loudness of %s: %w", path, err)
	}
	return ld, nil
}

// measureBatch is how many tracks the background measuring takes from the
// store at a time.
const measureBatch = 64

// MeasurePending measures, one file at a time, every playable track not yet
// measured, until there is none left or ctx ends. One worker: it runs
// beside the station's audio on machines as small as a Pi, and the
// station measures what it is about to play itself.
func (l *Library) MeasurePending(ctx context.Context) error {
	failed := map[string]bool{} // not marked in the store (it failed too): skip for this round
	for {
		rows, err := l.st.DB.QueryContext(ctx, `SELECT path FROM tracks
			WHERE missing = 0 AND error = '' AND loudness_source IN ('', ?) ORDER BY id LIMIT ?`,
			LoudnessTag, measureBatch+len(failed))
		if err != nil {
			return fmt.Errorf("measure: %w", err)
		}
		var paths []string
		for rows.Next() {
			var p string
			if err := rows.Scan(&p); err != nil {
				rows.Close()
				return fmt.Errorf("measure: %w", err)
			}
			if !failed[p] {
				paths = append(paths, p)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("measure: %w", err)
		}
		if len(paths) == 0 {
			return nil
		}
		for _, p := range paths {
			if _, err := l.measure(ctx, p); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				l.log.Warn("track not measured", "path", p, "error", err)
				failed[p] = true
			}
		}
	}
}

// runMeasure measures in the background after each scan Run asks for,
// until ctx ends.
func (l *Library) runMeasure(ctx context.Context, wake <-chan struct{}) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-wake:
		}
		if err := l.MeasurePending(ctx); err != nil && ctx.Err() == nil {
			l.log.Warn("background measuring stopped", "error", err)
		}
	}
}
