package library

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// ScanResult counts what a scan did (when it failed, up to the failure).
type ScanResult struct {
	Added     int // new files, and files back after going missing
	Updated   int // files whose size or modification time changed: probed again
	Renamed   int // files found under a new name: their rows (and ids) moved with them
	Removed   int // files gone: marked missing, kept for the playlists that list them
	Unchanged int // files as they were
	Failed    int // of the files probed, those that do not play (their Error is set)
	Took      time.Duration
}

// changed reports whether the scan changed the table.
func (r ScanResult) changed() bool {
	return r.Added+r.Updated+r.Renamed+r.Removed > 0
}

// Scan batching and parallelism.
const (
	// scanBatch is how many rows one transaction writes: each commit is
	// an fsync, too slow once per row.
	scanBatch = 500
	// scanUnreadable marks a file that could not be read in mtime_ns, so
	// that the next scan tries it again (a chmod does not change mtime).
	scanUnreadable = -1
)

// scanWorkers is how many files are probed at once: probing is CPU work
// (a decode) with some reading.
func scanWorkers() int { return min(4, max(2, runtime.NumCPU())) }

// scanStat is what stat says of a file.
type scanStat struct {
	size  int64
	mtime int64 // ns since the epoch
}

// scanRow is what a scan needs of a tracks row.
type scanRow struct {
	id   int64
	path string
	scanStat
	missing bool
	err     string
}

// scanJob is a file to probe: a new one (id 0) or one that changed.
type scanJob struct {
	path string
	scanStat
	id   int64
	prev string // the row's error before
}

// scanDone is a probed file.
type scanDone struct {
	scanJob
	r   probeResult
	err error // the file could not be read
}

// Scan walks the media folders and brings the tracks table in line with
// them:
//
//   - a file is probed (probe.go) when it is new or its size or
//     modification time changed; otherwise only its directory entry and
//     stat are read;
//   - a file gone is marked missing, its row kept for the playlists that
//     list it, and a file that reappears is not missing any more;
//   - a new file whose size and modification time are those of a file that
//     went missing (in this scan or before) is that file renamed or moved:
//     it takes over its row and id, so playlists keep it.
//
// Only files Playable by their name are looked at; hidden files and
// folders (a leading dot: macOS's "._" companions, trash folders, uploads
// under way) are not. A folder that cannot be read is logged and its
// error returned (wrapped, joined with the others), but what could be read
// is synced, and the files known inside that folder are not marked
// missing. Scans are serialised: a call waits for the one under way.
func (l *Library) Scan(ctx context.Context) (res ScanResult, err error) {
	l.scanMu.Lock()
	defer l.scanMu.Unlock()
	start := time.Now()
	w := &scanWriter{l: l, ctx: ctx}
	defer func() {
		res.Took = time.Since(start)
		if w.wrote {
			l.version.Add(1) // also after a failure: what was written is there
		}
	}()
	known, err := l.scanLoad(ctx)
	if err != nil {
		return res, err
	}
	found, protected, walkErr := l.scanWalk(ctx)
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("scan: %w", err)
	}
	jobs := scanPlan(known, found, protected, &res, w)
	if err := w.err; err != nil {
		return res, err
	}
	if err := l.scanProbe(ctx, jobs, &res, w); err != nil {
		return res, err
	}
	if err := w.flush(); err != nil {
		return res, err
	}
	res.Took = time.Since(start)
	attrs := []any{"added", res.Added, "updated", res.Updated, "renamed", res.Renamed,
		"removed", res.Removed, "unchanged", res.Unchanged, "failed", res.Failed, "took", res.Took}
	if res.changed() {
		l.log.Info("library scanned", attrs...)
	} else {
		l.log.Debug("library scanned", attrs...)
	}
	return res, walkErr
}

// scanLoad reads what the table knows, by path.
func (l *Library) scanLoad(ctx context.Context) (map[string]*scanRow, error) {
	rows, err := l.st.DB.QueryContext(ctx, `SELECT id, path, size, mtime_ns, missing, error FROM tracks`)
	if err != nil {
		return nil, fmt.Errorf("scan: read tracks: %w", err)
	}
	defer rows.Close()
	known := map[string]*scanRow{}
	for rows.Next() {
		r := &scanRow{}
		if err := rows.Scan(&r.id, &r.path, &r.size, &r.mtime, &r.missing, &r.err); err != nil {
			return nil, fmt.Errorf("scan: read tracks: %w", err)
		}
		known[r.path] = r
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("scan: read tracks: %w", err)
	}
	return known, nil
}

// scanWalk lists the playable files in the media folders. protected holds
// the folders (and files) that could not be read: what the table has
// inside them must not be taken for gone.
func (l *Library) scanWalk(ctx context.Context) (found map[string]scanStat, protected []string, err error) {
	found = map[string]scanStat{}
	var errs []error
	for _, root := range l.mediaDirs() {
		fail := func(p string, err error) {
			protected = append(protected, p)
			errs = append(errs, fmt.Errorf("scan %s: %w", root, err))
			l.log.Debug("cannot read media", "path", p, "error", err) // Run warns, once
		}
		// A media folder may be a symbolic link (to a disk mounted
		// elsewhere): a trailing separator makes the walk follow it.
		// Links further down are not followed (they could loop).
		walkRoot := root
		if fi, err := os.Lstat(root); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
			walkRoot += string(filepath.Separator)
		}
		walkErr := filepath.WalkDir(walkRoot, func(p string, d fs.DirEntry, err error) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			if p == walkRoot {
				p = root
			}
			if err != nil {
				fail(p, err)
				if d != nil && d.IsDir() && p != root {
					return fs.SkipDir
				}
				return nil
			}
			if p != root && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() || !Playable(d.Name()) {
				return nil
			}
			var fi fs.FileInfo
			switch {
			case d.Type().IsRegular():
				fi, err = d.Info()
			case d.Type()&fs.ModeSymlink != 0:
				fi, err = os.Stat(p)
			default:
				return nil
			}
			switch {
			case errors.Is(err, fs.ErrNotExist):
				return nil // gone since the listing, or a dangling link
			case err != nil:
				fail(p, err)
				return nil
			case !fi.Mode().IsRegular():
				return nil
			}
			found[p] = scanStat{size: fi.Size(), mtime: fi.ModTime().UnixNano()}
			return nil
		})
		if walkErr != nil && ctx.Err() == nil {
			fail(root, walkErr)
		}
	}
	return found, protected, errors.Join(errs...)
}

// scanPlan compares the table with the disk: it counts and queues (in w)
// what needs no probe, and returns the files to probe.
func scanPlan(known map[string]*scanRow, found map[string]scanStat, protected []string, res *ScanResult, w *scanWriter) []scanJob {
	var jobs []scanJob
	var fresh []string // paths the table does not know
	for p, st := range found {
		r, ok := known[p]
		switch {
		case !ok:
			fresh = append(fresh, p)
		case r.scanStat != st:
			jobs = append(jobs, scanJob{path: p, scanStat: st, id: r.id, prev: r.err})
		case r.missing:
			res.Added++
			w.add(scanOp{kind: scanBack, id: r.id})
		default:
			res.Unchanged++
		}
	}
	// Rows whose file is gone, by size and time, for the renames.
	gone := map[scanStat][]*scanRow{}
	var goneNow []*scanRow
	for p, r := range known {
		if _, ok := found[p]; ok {
			continue
		}
		if !r.missing {
			if scanProtected(p, protected) {
				continue
			}
			goneNow = append(goneNow, r)
		}
		if r.mtime != scanUnreadable { // its stat was never known
			gone[r.scanStat] = append(gone[r.scanStat], r)
		}
	}
	slices.Sort(fresh) // the same renames whatever the map order
	for _, rs := range gone {
		slices.SortFunc(rs, func(a, b *scanRow) int { return cmp.Compare(a.id, b.id) })
	}
	renamed := map[int64]bool{}
	for _, p := range fresh {
		st := found[p]
		if r := scanTakeRenamed(gone, st, p); r != nil {
			renamed[r.id] = true
			res.Renamed++
			w.add(scanOp{kind: scanMove, id: r.id, path: p})
			continue
		}
		jobs = append(jobs, scanJob{path: p, scanStat: st})
	}
	for _, r := range goneNow {
		if !renamed[r.id] {
			res.Removed++
			w.add(scanOp{kind: scanGone, id: r.id})
		}
	}
	slices.SortFunc(jobs, func(a, b scanJob) int { return strings.Compare(a.path, b.path) })
	return jobs
}

// scanTakeRenamed takes from gone the row a new file at path with st
// continues, if any: the same size and modification time; among several,
// the one with the same name (moved to another folder), else the oldest.
func scanTakeRenamed(gone map[scanStat][]*scanRow, st scanStat, path string) *scanRow {
	rs := gone[st]
	if len(rs) == 0 {
		return nil
	}
	i := slices.IndexFunc(rs, func(r *scanRow) bool { return filepath.Base(r.path) == filepath.Base(path) })
	if i < 0 {
		i = 0
	}
	r := rs[i]
	gone[st] = slices.Delete(rs, i, i+1)
	return r
}

// scanProtected reports whether path is in (or is) one of the folders
// that could not be read.
func scanProtected(path string, protected []string) bool {
	for _, p := range protected {
		if libraryInside(path, p) {
			return true
		}
	}
	return false
}

// scanProbe probes jobs with a few workers and queues the results in w.
func (l *Library) scanProbe(ctx context.Context, jobs []scanJob, res *ScanResult, w *scanWriter) error {
	if len(jobs) == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	todo := make(chan scanJob)
	done := make(chan scanDone, scanWorkers())
	var wg sync.WaitGroup
	for range min(scanWorkers(), len(jobs)) {
		wg.Go(func() {
			p := newProber()
			for j := range todo {
				r, err := p.probe(j.path)
				done <- scanDone{scanJob: j, r: r, err: err}
			}
		})
	}
	go func() {
		defer close(todo)
		for _, j := range jobs {
			select {
			case todo <- j:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() {
		wg.Wait()
		close(done)
	}()
	for d := range done {
		if w.err != nil {
			continue // draining after a failed write
		}
		l.scanTake(d, res, w)
		if w.err != nil {
			cancel()
		}
	}
	if w.err != nil {
		return w.err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("scan: %w", err)
	}
	return nil
}

// scanTake counts a probed file and queues its row.
func (l *Library) scanTake(d scanDone, res *ScanResult, w *scanWriter) {
	t := d.r.Track
	t.Path = d.path
	st := d.scanStat
	if d.err != nil {
		t = Track{Path: d.path, Error: "unreadable: " + scanErrText(d.err)}
		st.mtime = scanUnreadable
	}
	if t.Error != "" {
		res.Failed++
		if d.id != 0 && d.err != nil && d.prev == t.Error {
			res.Unchanged++ // still unreadable, as it was
			return
		}
		l.log.Warn("media file does not play", "path", d.path, "error", t.Error)
	} else if d.r.Warning != "" {
		l.log.Info("media file plays, with a warning", "path", d.path, "warning", d.r.Warning)
	}
	if d.id == 0 {
		res.Added++
		w.add(scanOp{kind: scanInsert, path: d.path, st: st, t: t})
	} else {
		res.Updated++
		w.add(scanOp{kind: scanUpdate, id: d.id, st: st, t: t})
	}
}

// scanErrText is an I/O error without the path, which the library shows
// next to it anyway.
func scanErrText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}

// Kinds of scanOp.
const (
	scanInsert = iota // a new file (an upsert: an upload may have added it meanwhile)
	scanUpdate        // a changed file, probed again
	scanMove          // a renamed file
	scanGone          // a file gone
	scanBack          // a file back, unchanged
)

// scanOp is one row to write.
type scanOp struct {
	kind int
	id   int64
	path string
	st   scanStat
	t    Track
}

// scanWriter writes ops in transactions of scanBatch rows. After a failed
// write it keeps its error and writes nothing more.
type scanWriter struct {
	l       *Library
	ctx     context.Context
	pending []scanOp
	err     error
	wrote   bool // a transaction was committed
}

func (w *scanWriter) add(op scanOp) {
	if w.err != nil {
		return
	}
	w.pending = append(w.pending, op)
	if len(w.pending) >= scanBatch {
		w.err = w.flush()
	}
}

// flush writes the pending ops in one transaction.
func (w *scanWriter) flush() error {
	if w.err != nil || len(w.pending) == 0 {
		return w.err
	}
	now := time.Now().Unix()
	err := w.l.st.Tx(w.ctx, func(tx *sql.Tx) error {
		var stmts [5]*sql.Stmt
		defer func() {
			for _, s := range stmts {
				if s != nil {
					s.Close()
				}
			}
		}()
		for _, op := range w.pending {
			if stmts[op.kind] == nil {
				s, err := tx.PrepareContext(w.ctx, scanSQL[op.kind])
				if err != nil {
					return err
				}
				stmts[op.kind] = s
			}
			var err error
			t := op.t
			switch op.kind {
			case scanInsert:
				_, err = stmts[op.kind].ExecContext(w.ctx, op.path, op.st.size, op.st.mtime, t.Format, t.Artist,
					t.Title, t.Album, t.DurationMS, t.SampleRate, t.Bitrate, t.Error, now,
					t.LoudnessLUFS, t.TruePeakDBTP, t.LoudnessSource)
			case scanUpdate:
				_, err = stmts[op.kind].ExecContext(w.ctx, op.st.size, op.st.mtime, t.Format, t.Artist,
					t.Title, t.Album, t.DurationMS, t.SampleRate, t.Bitrate, t.Error,
					t.LoudnessLUFS, t.TruePeakDBTP, t.LoudnessSource, op.id)
			case scanMove:
				_, err = stmts[op.kind].ExecContext(w.ctx, op.path, op.id)
			default:
				_, err = stmts[op.kind].ExecContext(w.ctx, op.id)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	w.pending = w.pending[:0]
	if err != nil {
		w.err = fmt.Errorf("scan: write tracks: %w", err)
	}
	w.wrote = w.wrote || err == nil
	return w.err
}

// scanSQL is each scanOp kind's statement.
var scanSQL = [...]string{
	scanInsert: `INSERT INTO tracks (path, size, mtime_ns, format, artist, title, album, duration_ms,
			sample_rate, bitrate, error, missing, added_at, loudness_lufs, true_peak_dbtp, loudness_source)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)
		ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns,
			format = excluded.format, artist = excluded.artist, title = excluded.title,
			album = excluded.album, duration_ms = excluded.duration_ms,
			sample_rate = excluded.sample_rate, bitrate = excluded.bitrate,
			error = excluded.error, missing = 0, loudness_lufs = excluded.loudness_lufs,
			true_peak_dbtp = excluded.true_peak_dbtp, loudness_source = excluded.loudness_source`,
	// A changed file's loudness is its tags' again until it is measured.
	scanUpdate: `UPDATE tracks SET size = ?, mtime_ns = ?, format = ?, artist = ?, title = ?, album = ?,
			duration_ms = ?, sample_rate = ?, bitrate = ?, error = ?, missing = 0,
			loudness_lufs = ?, true_peak_dbtp = ?, loudness_source = ? WHERE id = ?`,
	// OR IGNORE: an upload may have taken the path meanwhile; the move
	// then waits for the next scan.
	scanMove: `UPDATE OR IGNORE tracks SET path = ?, missing = 0 WHERE id = ?`,
	scanGone: `UPDATE tracks SET missing = 1 WHERE id = ?`,
	scanBack: `UPDATE tracks SET missing = 0 WHERE id = ?`,
}
