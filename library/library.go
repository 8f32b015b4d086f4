// Package library is the media folders' files as the store knows them:
// scanned and probed (tags, exact durations, flags for files that do
// not play), searched, listed by folder and added by upload. It reads
// files through the codec layer only, so it needs neither the mixer nor
// the broadcast server.
package library

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"onair/store"
)

// Library is the media folders' files in the store: every playable file
// (by its extension) the scans found or an upload added, with its tags,
// duration and format, and why it does not play when it does not. A file
// that goes away stays in the table marked missing, so that the playlists
// listing it stay intact, and comes back under the same id when it
// reappears, also under a new name.
//
// A Library is safe for concurrent use.
type Library struct {
	st   *store.Store
	dirs atomic.Pointer[[]string] // absolute and cleaned; replaced whole by SetDirs, never changed in place
	log  *slog.Logger

	scanMu  sync.Mutex // one scan at a time
	version atomic.Uint64
	rescan  chan struct{}
	lastErr string        // the last scan error Run logged; Run's only
	scanned chan struct{} // closed when Run's first scan has ended

	// Measure measures a file's loudness; nil leaves loudness to the
	// tags. Set it before Run and Loudness are first called.
	Measure Measurer
}

// New returns the library of the media folders dirs (all stations'
// folders) kept in st. log may be nil.
func New(st *store.Store, dirs []string, log *slog.Logger) *Library {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	l := &Library{st: st, log: log.With("component", "library"), rescan: make(chan struct{}, 1), scanned: make(chan struct{})}
	l.dirs.Store(libraryDirs(dirs))
	l.version.Store(1)
	return l
}

// libraryDirs returns dirs absolute, cleaned and without repeats.
func libraryDirs(dirs []string) *[]string {
	out := []string{}
	for _, d := range dirs {
		d = libraryAbs(d)
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return &out
}

// SetDirs replaces the media folders (all stations' folders) and asks Run
// for a scan: tracks in folders added are found, tracks only in folders
// dropped are marked missing (and come back, with their ids, if the folder
// is added again).
func (l *Library) SetDirs(dirs []string) {
	l.dirs.Store(libraryDirs(dirs))
	l.Rescan()
}

// mediaDirs is the folders now: read-only.
func (l *Library) mediaDirs() []string { return *l.dirs.Load() }

// libraryAbs returns path absolute and cleaned.
func libraryAbs(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return filepath.Clean(path)
}

// Dirs returns the library's media folders, absolute and cleaned.
func (l *Library) Dirs() []string { return slices.Clone(l.mediaDirs()) }

// Version is a number that changes whenever a scan or an upload changed
// the tracks table, so that those who keep tracks (pickers) know to load
// them again. It is never 0.
func (l *Library) Version() uint64 { return l.version.Load() }

// Scanned is closed once Run's first scan has ended, well or not.
func (l *Library) Scanned() <-chan struct{} { return l.scanned }

// Run scans the library now and then every every (only when Rescan asks,
// if every ≤ 0) until ctx ends: this is how files added, edited, renamed
// or removed while the server runs are picked up. Scan errors are logged
// at Warn when they first appear. Run once per Library, in a goroutine of
// its own.
func (l *Library) Run(ctx context.Context, every time.Duration) {
	var tick <-chan time.Time
	if every > 0 {
		t := time.NewTicker(every)
		defer t.Stop()
		tick = t.C
	}
	// Measuring follows each scan in a goroutine of its own, so that a
	// rescan never waits for a whole library's decode.
	wake := make(chan struct{}, 1)
	if l.Measure != nil {
		done := make(chan struct{})
		defer func() { <-done }()
		go func() { defer close(done); l.runMeasure(ctx, wake) }()
	}
	first := true
	for {
		l.runScan(ctx)
		if first {
			first = false
			close(l.scanned)
		}
		select {
		case wake <- struct{}{}:
		default: // a round is pending already
		}
		select {
		case <-ctx.Done():
			return
		case <-tick:
		case <-l.rescan:
		}
	}
}

// runScan scans once for Run, logging a failure at Warn the first time it
// is seen and at Debug while it stays the same.
func (l *Library) runScan(ctx context.Context) {
	_, err := l.Scan(ctx)
	switch {
	case ctx.Err() != nil:
	case err == nil:
		l.lastErr = ""
	case err.Error() != l.lastErr:
		l.lastErr = err.Error()
		l.log.Warn("library scan incomplete", "error", err)
	default:
		l.log.Debug("library scan incomplete", "error", err)
	}
}

// Rescan asks Run for a scan now, without waiting for it. Requests made
// while a scan runs make one more scan after it.
func (l *Library) Rescan() {
	select {
	case l.rescan <- struct{}{}:
	default: // one is pending already
	}
}

// libraryColumns are the columns libraryScanTrack reads, in its order.
const libraryColumns = `id, path, artist, title, album, duration_ms, format, sample_rate, bitrate, error, missing,
	loudness_lufs, true_peak_dbtp, loudness_source`

// libraryScanTrack reads a row of libraryColumns.
func libraryScanTrack(row interface{ Scan(...any) error }) (Track, error) {
	var t Track
	err := row.Scan(&t.ID, &t.Path, &t.Artist, &t.Title, &t.Album, &t.DurationMS, &t.Format,
		&t.SampleRate, &t.Bitrate, &t.Error, &t.Missing, &t.LoudnessLUFS, &t.TruePeakDBTP, &t.LoudnessSource)
	return t, err
}

// libraryQuery runs a query of libraryColumns rows and returns them,
// keeping those keep accepts (all when keep is nil), at most limit (all
// when limit ≤ 0). The slice is never nil.
func (l *Library) libraryQuery(ctx context.Context, keep func(Track) bool, limit int, query string, args ...any) ([]Track, error) {
	rows, err := l.st.DB.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Track{}
	for rows.Next() {
		t, err := libraryScanTrack(rows)
		if err != nil {
			return nil, err
		}
		if keep != nil && !keep(t) {
			continue
		}
		out = append(out, t)
		if limit > 0 && len(out) >= limit {
			break
		}
	}
	return out, rows.Err()
}

// Search returns the tracks that are not missing whose artist, title,
// album or path (inside its media folder) contain every word of q,
// ignoring case, ordered by artist, title and path; all of them for an
// empty q. limit ≤ 0 means no limit. The slice is never nil.
func (l *Library) Search(ctx context.Context, q string, limit int) ([]Track, error) {
	words := strings.Fields(strings.ToLower(q))
	where := []string{"missing = 0"}
	var args []any
	for _, w := range words {
		// A first sift by the index-less but quick LIKE, which ignores
		// the case of ASCII letters only and sees the whole path: keep
		// then checks each word properly.
		if libraryASCII(w) {
			where = append(where, `(artist || char(10) || title || char(10) || album || char(10) || path) LIKE ? ESCAPE '\'`)
			args = append(args, "%"+libraryLikeEscape(w)+"%")
		}
	}
	query := `SELECT ` + libraryColumns + ` FROM tracks WHERE ` + strings.Join(where, " AND ") +
		` ORDER BY artist COLLATE NOCASE, title COLLATE NOCASE, path`
	var keep func(Track) bool
	if len(words) > 0 {
		keep = func(t Track) bool {
			hay := strings.ToLower(t.Artist + "\n" + t.Title + "\n" + t.Album + "\n" + l.relPath(t.Path))
			for _, w := range words {
				if !strings.Contains(hay, w) {
					return false
				}
			}
			return true
		}
	}
	out, err := l.libraryQuery(ctx, keep, limit, query, args...)
	if err != nil {
		return nil, fmt.Errorf("search library for %q: %w", q, err)
	}
	return out, nil
}

// relPath returns path inside the media folder that holds it, or its base
// name when none does.
func (l *Library) relPath(path string) string {
	best := ""
	for _, d := range l.mediaDirs() {
		if len(d) > len(best) && libraryInside(path, d) {
			best = d
		}
	}
	if best == "" {
		return filepath.Base(path)
	}
	return strings.TrimPrefix(strings.TrimPrefix(path, best), string(filepath.Separator))
}

func libraryASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// libraryLikeEscape escapes LIKE's wildcards (and the escape character).
func libraryLikeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Get returns the track with id, missing or not. It fails with an error
// wrapping ErrNotFound when there is none.
func (l *Library) Get(ctx context.Context, id int64) (Track, error) {
	t, err := libraryScanTrack(l.st.DB.QueryRowContext(ctx,
		`SELECT `+libraryColumns+` FROM tracks WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Track{}, fmt.Errorf("track %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Track{}, fmt.Errorf("track %d: %w", id, err)
	}
	return t, nil
}

// Tracks looks up many tracks at once. Every id asked for is in the map:
// tracks gone from disk as they are (Missing set), and ids the table does
// not have with only ID and Missing set, so that they never look playable.
func (l *Library) Tracks(ctx context.Context, ids []int64) (map[int64]Track, error) {
	out := make(map[int64]Track, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	found, err := l.libraryQuery(ctx, nil, 0,
		`SELECT `+libraryColumns+` FROM tracks WHERE id IN (SELECT value FROM json_each(?))`, string(list))
	if err != nil {
		return nil, fmt.Errorf("look up %d tracks: %w", len(ids), err)
	}
	for _, t := range found {
		out[t.ID] = t
	}
	for _, id := range ids {
		if _, ok := out[id]; !ok {
			out[id] = Track{ID: id, Missing: true}
		}
	}
	return out, nil
}

// Under returns the playable tracks (not missing, no error) in the folders
// dirs and their subfolders, ordered by path: a station's whole library,
// which it shuffles when no playlist is active. The slice is never nil.
func (l *Library) Under(ctx context.Context, dirs []string) ([]Track, error) {
	var out []Track
	seen := map[int64]bool{}
	for _, d := range dirs {
		d = libraryAbs(d)
		lo, hi := libraryRange(d)
		ts, err := l.libraryQuery(ctx, nil, 0, `SELECT `+libraryColumns+` FROM tracks
			WHERE path >= ? AND path < ? AND missing = 0 AND error = '' ORDER BY path`, lo, hi)
		if err != nil {
			return nil, fmt.Errorf("tracks under %s: %w", d, err)
		}
		for _, t := range ts {
			if !seen[t.ID] {
				seen[t.ID] = true
				out = append(out, t)
			}
		}
	}
	if len(dirs) > 1 {
		slices.SortFunc(out, func(a, b Track) int { return strings.Compare(a.Path, b.Path) })
	}
	if out == nil {
		out = []Track{}
	}
	return out, nil
}

// libraryRange is the range of paths inside the folder dir: they sort
// between dir+"/" and dir+"0" ('0' follows '/'), a range the path index
// answers, case-sensitively as the disk.
func libraryRange(dir string) (lo, hi string) {
	lo = dir
	if !strings.HasSuffix(lo, string(filepath.Separator)) {
		lo += string(filepath.Separator)
	}
	return lo, lo[:len(lo)-1] + string(rune(filepath.Separator+1))
}

// libraryInside reports whether path is dir or inside it (both clean).
func libraryInside(path, dir string) bool {
	if path == dir {
		return true
	}
	if !strings.HasSuffix(dir, string(filepath.Separator)) {
		dir += string(filepath.Separator)
	}
	return strings.HasPrefix(path, dir)
}
