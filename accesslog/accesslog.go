// Package accesslog writes an Icecast-style access log: one line per
// finished request or connection in the Combined Log Format, followed by
// the connection's duration in whole seconds, as Icecast writes its
// access.log:
//
//	127.0.0.1 - admin [21/Nov/2026:10:00:00 +0000] "GET /stream HTTP/1.1" 200 123456 "-" "VLC/3.0.18 LibVLC/3.0.18" 360
//
// Writing never blocks the caller: entries go through a bounded queue to one
// writer goroutine, and an entry that finds the queue full is counted as
// dropped instead. Reopen starts a new file at the same path, for logrotate.
package accesslog

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultQueueSize is how many entries may wait for the writer before
// further ones are dropped: enough for every listener of a busy server
// leaving at once.
const DefaultQueueSize = 4096

// flushEvery bounds how long a line waits in the buffer while entries keep
// arriving (when the queue empties, the buffer is flushed at once).
const flushEvery = time.Second

// ErrClosed is returned by Reopen after Close.
var ErrClosed = errors.New("access log closed")

// Entry is one finished request or connection.
type Entry struct {
	IP        string        // client address, without the port
	User      string        // HTTP Basic user name (or the DJ's name); "" = none
	Method    string        // GET, SOURCE, PUT, …
	URI       string        // request target as sent, with its query
	Proto     string        // HTTP/1.1, ICY, …
	Status    int           // status code answered
	Bytes     int64         // bytes sent to a listener, or received from a source
	Referer   string        // "" = none
	UserAgent string        // "" = none
	Start     time.Time     // when the request arrived; the line's timestamp
	Duration  time.Duration // how long the connection lasted
}

// Option changes how Open sets up a Log.
type Option func(*Log)

// WithLogger reports write errors (a full disk, say) to logger, once per
// spell of failures. Without it they go unreported.
func WithLogger(logger *slog.Logger) Option {
	return func(l *Log) {
		if logger != nil {
			l.logger = logger
		}
	}
}

// WithQueueSize sets how many entries may wait for the writer
// (DefaultQueueSize without it).
func WithQueueSize(n int) Option {
	return func(l *Log) {
		if n > 0 {
			l.queueSize = n
		}
	}
}

// Log appends entries to an access log file. Its methods are safe for
// concurrent use.
type Log struct {
	path      string
	logger    *slog.Logger
	queueSize int

	// mu orders Write against Close: once closed is set under the write
	// lock, no Write sends on entries, so the writer drains all of them.
	mu      sync.RWMutex
	closed  bool
	entries chan Entry
	dropped atomic.Int64

	reopen    chan chan error
	quit      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error

	// Owned by the writer goroutine.
	file      *os.File
	w         *bufio.Writer
	line      []byte
	lastFlush time.Time
	failing   bool // a write error was reported and none has succeeded since
}

// Open appends to the access log at path, creating it (mode 0644) if
// needed; its folder must exist. Close it when done.
func Open(path string, opts ...Option) (*Log, error) {
	l, err := open(path, opts...)
	if err != nil {
		return nil, err
	}
	go l.run()
	return l, nil
}

// open makes the Log without starting its writer.
func open(path string, opts ...Option) (*Log, error) {
	if path == "" {
		return nil, errors.New("access log: no file name")
	}
	l := &Log{
		path:      path,
		logger:    slog.New(slog.DiscardHandler),
		queueSize: DefaultQueueSize,
		reopen:    make(chan chan error),
		quit:      make(chan struct{}),
		done:      make(chan struct{}),
	}
	for _, o := range opts {
		o(l)
	}
	f, err := openFile(path)
	if err != nil {
		return nil, err
	}
	l.entries = make(chan Entry, l.queueSize)
	l.file = f
	l.w = bufio.NewWriterSize(f, 32<<10)
	l.line = make([]byte, 0, 512)
	l.lastFlush = time.Now()
	return l, nil
}

func openFile(path string) (*os.File, error) {
	// Readable by the service's group, for log tools run there, and no
	// one else: each line holds a listener's address.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640) //nolint:gosec // see above
	if err == nil {
		return f, nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		dir := filepath.Dir(path)
		if _, serr := os.Stat(dir); serr != nil {
			return nil, fmt.Errorf("access log: folder %s does not exist (create it first): %w", dir, err)
		}
	}
	return nil, fmt.Errorf("access log: %w", err)
}

// Write queues e for the log. It never blocks: when the queue is full (the
// disk cannot keep up) or the log is closed, e is counted in Dropped.
func (l *Log) Write(e Entry) {
	l.mu.RLock()
	if l.closed {
		l.mu.RUnlock()
		l.dropped.Add(1)
		return
	}
	select {
	case l.entries <- e:
	default:
		l.dropped.Add(1)
	}
	l.mu.RUnlock()
}

// Dropped is how many entries were not logged because the queue was full
// or the log closed.
func (l *Log) Dropped() int64 { return l.dropped.Load() }

// Reopen writes out what was queued so far to the current file, then
// opens the path anew: after logrotate renamed the file, later lines go to
// a new one. When the path cannot be opened, the old file stays in use and
// the error is returned.
func (l *Log) Reopen() error {
	reply := make(chan error, 1)
	select {
	case l.reopen <- reply:
		return <-reply
	case <-l.done:
		return ErrClosed
	}
}

// Close writes out every queued entry, flushes and closes the file, and
// waits for the writer goroutine to end. Later calls return the first
// call's result.
func (l *Log) Close() error {
	l.closeOnce.Do(func() {
		l.mu.Lock()
		l.closed = true
		l.mu.Unlock()
		close(l.quit)
		<-l.done
		l.closeErr = l.w.Flush()
		if err := l.file.Close(); l.closeErr == nil {
			l.closeErr = err
		}
		if l.closeErr != nil {
			l.closeErr = fmt.Errorf("access log: %w", l.closeErr)
		}
	})
	return l.closeErr
}

// run is the writer goroutine.
func (l *Log) run() {
	defer close(l.done)
	for {
		select {
		case e := <-l.entries:
			l.write(e)
			if len(l.entries) == 0 || time.Since(l.lastFlush) >= flushEvery {
				l.flush()
			}
		case reply := <-l.reopen:
			l.drain()
			l.flush()
			reply <- l.reopenFile()
		case <-l.quit:
			// Close set closed before quit: nothing more can be queued.
			l.drain()
			return
		}
	}
}

// drain writes every queued entry.
func (l *Log) drain() {
	for {
		select {
		case e := <-l.entries:
			l.write(e)
		default:
			return
		}
	}
}

func (l *Log) write(e Entry) {
	l.line = appendLine(l.line[:0], e)
	if _, err := l.w.Write(l.line); err != nil {
		l.fail(err)
	}
}

func (l *Log) flush() {
	l.lastFlush = time.Now()
	if l.w.Buffered() == 0 {
		return
	}
	if err := l.w.Flush(); err != nil {
		l.fail(err)
		return
	}
	if l.failing {
		l.failing = false
		l.logger.Info("access log writable again", "component", "accesslog", "path", l.path)
	}
}

// fail reports a write error once per spell of failures and discards what
// the buffer held: a bufio.Writer refuses everything after an error.
func (l *Log) fail(err error) {
	l.w.Reset(l.file)
	if l.failing {
		return
	}
	l.failing = true
	l.logger.Error("access log write failed; lines are lost until it succeeds", "component", "accesslog",
		"path", l.path, "err", err)
}

func (l *Log) reopenFile() error {
	f, err := openFile(l.path)
	if err != nil {
		return err
	}
	old := l.file
	l.file = f
	l.w.Reset(f)
	if err := old.Close(); err != nil {
		l.logger.Warn("access log: closing the previous file", "component", "accesslog", "path", l.path, "err", err)
	}
	return nil
}
