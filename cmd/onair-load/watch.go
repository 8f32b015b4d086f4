package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// namedPIDs is the -watch flag: NAME=PID, repeatable. Beside the server
// under load, a run may watch others over the same steady window: the
// origin behind an edge, the cache in front of the server.
type namedPIDs []namedPID

type namedPID struct {
	Name string
	PID  int
}

func (n *namedPIDs) String() string { return fmt.Sprint(*n) }

func (n *namedPIDs) Set(v string) error {
	name, pid, ok := strings.Cut(v, "=")
	p, err := strconv.Atoi(pid)
	if !ok || name == "" || err != nil || p <= 0 {
		return fmt.Errorf("want NAME=PID, got %q", v)
	}
	*n = append(*n, namedPID{name, p})
	return nil
}

// namedFiles is the -count-log flag: NAME=FILE, repeatable.
type namedFiles []namedFile

type namedFile struct{ Name, Path string }

func (n *namedFiles) String() string { return fmt.Sprint(*n) }

func (n *namedFiles) Set(v string) error {
	name, path, ok := strings.Cut(v, "=")
	if !ok || name == "" || path == "" {
		return fmt.Errorf("want NAME=FILE, got %q", v)
	}
	*n = append(*n, namedFile{name, path})
	return nil
}

// LogCount is the lines an access log gained over the steady window, by
// the request they name: what the server behind a cache really saw.
type LogCount struct {
	Path      string  `json:"path"`
	Lines     int64   `json:"lines"`
	Playlists int64   `json:"playlists"` // requests for .m3u8
	Segments  int64   `json:"segments"`  // requests under /hls/
	Other     int64   `json:"other"`
	PerSecond float64 `json:"per_second"`
}

// watchers samples the -watch processes and -count-log files at both ends
// of the steady window.
type watchers struct {
	pids   namedPIDs
	logs   namedFiles
	idle   []procSample
	start  []procSample
	offset []int64 // each log's size at the window's start
}

func newWatchers(pids namedPIDs, logs namedFiles) (*watchers, error) {
	w := &watchers{pids: pids, logs: logs}
	for _, p := range pids {
		s, err := readProc(strconv.Itoa(p.PID))
		if err != nil {
			return nil, fmt.Errorf("-watch %s=%d: %w", p.Name, p.PID, err)
		}
		w.idle = append(w.idle, s)
	}
	return w, nil
}

// begin marks the start of the steady window.
func (w *watchers) begin() {
	w.start = w.start[:0]
	for _, p := range w.pids {
		s, _ := readProc(strconv.Itoa(p.PID))
		w.start = append(w.start, s)
	}
	w.offset = w.offset[:0]
	for _, l := range w.logs {
		var size int64
		if fi, err := os.Stat(l.Path); err == nil {
			size = fi.Size()
		}
		w.offset = append(w.offset, size)
	}
}

// end samples the end of the window and summarises it. held0 and held1
// are the listeners held at its ends, for the per-listener figures.
func (w *watchers) end(steady time.Duration, held0, held1 int64) (map[string]*ServerReport, map[string]*LogCount) {
	var procs map[string]*ServerReport
	for i, p := range w.pids {
		e, _ := readProc(strconv.Itoa(p.PID))
		if procs == nil {
			procs = map[string]*ServerReport{}
		}
		procs[p.Name] = serverWindow{idle: w.idle[i], start: w.start[i], end: e}.summary(p.PID, steady, held0, held1)
	}
	var logs map[string]*LogCount
	for i, l := range w.logs {
		c := countLog(l.Path, w.offset[i])
		if steady > 0 {
			c.PerSecond = float64(c.Lines) / steady.Seconds()
		}
		if logs == nil {
			logs = map[string]*LogCount{}
		}
		logs[l.Name] = c
	}
	return procs, logs
}

// countLog counts the whole lines of an access log from byte offset on.
// Lines are read up to the first newline, so a line still being written
// is left for the next window.
func countLog(path string, offset int64) *LogCount {
	c := &LogCount{Path: path}
	f, err := os.Open(path)
	if err != nil {
		return c
	}
	defer f.Close()
	if _, err := f.Seek(offset, 0); err != nil {
		return c
	}
	br := bufio.NewReaderSize(f, 64<<10)
	for {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull { // an absurd line: skip to its end
			for err == bufio.ErrBufferFull {
				_, err = br.ReadSlice('\n')
			}
			continue
		}
		if err != nil {
			return c
		}
		c.Lines++
		// The request is the first quoted field: "GET /path HTTP/1.1".
		req := line
		if i := bytes.IndexByte(req, '"'); i >= 0 {
			req = req[i+1:]
			if j := bytes.IndexByte(req, '"'); j >= 0 {
				req = req[:j]
			}
		}
		switch {
		case bytes.Contains(req, []byte(".m3u8")):
			c.Playlists++
		case bytes.Contains(req, []byte(" /hls/")):
			c.Segments++
		default:
			c.Other++
		}
	}
}
