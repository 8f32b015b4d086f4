package library

import (
	"context"
	"fmt"
)

// Flagged returns up to limit tracks in dirs (and their subfolders) whose
// files are there but do not play, for a station's list of problems.
func (l *Library) Flagged(ctx context.Context, dirs []string, limit int) ([]Track, error) {
	out := []Track{}
	for _, d := range dirs {
		d = libraryAbs(d)
		lo, hi := libraryRange(d)
		ts, err := l.libraryQuery(ctx, nil, limit-len(out), `SELECT `+libraryColumns+` FROM tracks
			WHERE path >= ? AND path < ? AND missing = 0 AND error != '' ORDER BY path`, lo, hi)
		if err != nil {
			return nil, fmt.Errorf("flagged tracks under %s: %w", d, err)
		}
		out = append(out, ts...)
		if len(out) >= limit {
			break
		}
	}
	return out, nil
}
