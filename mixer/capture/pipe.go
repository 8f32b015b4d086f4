package capture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"syscall"
	"time"
)

// Timings of the pipe backend.
const (
	// pipeRetry is how often a path that cannot be opened is tried again.
	pipeRetry = time.Second
	// pipePoll is how often a FIFO without a writer, or a file at its end,
	// is looked at again for data.
	pipePoll = 20 * time.Millisecond
	// pipeBackoff is the wait before offering the sink again what it did
	// not take: the mixer drains it at real time.
	pipeBackoff = 10 * time.Millisecond
	// fileIdle is how long a file may stay at its end before the mic is
	// stopped; a file still being written grows by a period at a time.
	fileIdle = 500 * time.Millisecond
	// pathCheck is how often a waiting input checks whether its path now
	// names another file (a FIFO made anew, a recording started over).
	pathCheck = time.Second
)

// pipe reads raw s16le PCM from a file or FIFO.
type pipe struct {
	o     Options
	log   *slog.Logger
	retry time.Duration
}

func newPipe(o Options, log *slog.Logger) *pipe {
	return &pipe{o: o, log: log.With("path", o.Path), retry: pipeRetry}
}

// String describes the input.
func (p *pipe) String() string {
	return fmt.Sprintf("pipe %s (s16le %d Hz %s)", p.o.Path, p.o.SampleRate, channelsName(p.o.Channels))
}

// Run reads the path until ctx ends, opening it again whenever it goes
// missing or fails. It returns nil once ctx ends.
func (p *pipe) Run(ctx context.Context, sink Sink) error {
	s := &pipeSession{
		p:     p,
		sink:  sink,
		dec:   newS16Decoder(p.o.SampleRate, p.o.OutRate, p.o.Channels, p.o.Resampler),
		timer: time.NewTimer(time.Hour),
	}
	s.timer.Stop()
	defer s.timer.Stop()
	defer s.stopTake()
	for ctx.Err() == nil {
		f, err := os.OpenFile(p.o.Path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				s.warn("not-exist", "mic input does not exist yet; waiting for it", "retry", p.retry)
			} else {
				s.warn(err.Error(), "cannot open mic input; retrying", "err", err, "retry", p.retry)
			}
			s.sleep(ctx, p.retry)
			continue
		}
		again := s.follow(ctx, f)
		f.Close()
		if again {
			s.sleep(ctx, p.retry)
		}
	}
	return nil
}

// pipeSession is the state of one Run.
type pipeSession struct {
	p        *pipe
	sink     Sink
	dec      *s16Decoder
	timer    *time.Timer
	live     bool   // Start called, Stop not yet
	lastWarn string // the last warning's key, so that a retry loop warns once
}

// follow reads f until ctx ends or f must be opened again; it reports
// whether to wait before opening it again.
func (s *pipeSession) follow(ctx context.Context, f *os.File) (wait bool) {
	fi, err := f.Stat()
	if err != nil {
		s.warn(err.Error(), "cannot stat mic input; retrying", "err", err)
		return true
	}
	regular := fi.Mode().IsRegular()
	s.dec.endStream() // a newly opened input is a new stream
	defer wakeOnCancel(ctx, f)()

	last := time.Now() // of the last data
	checked := last    // when the path was last checked
	for ctx.Err() == nil {
		n, err := f.Read(s.dec.buffer())
		if n > 0 {
			last = time.Now()
			s.lastWarn = ""
			if !s.live {
				s.live = true
				s.p.log.Info("mic input started")
				s.sink.Start()
			}
			if !s.deliver(ctx, s.dec.decode(n)) {
				return false
			}
			continue
		}
		switch {
		case err == nil:
		case errors.Is(err, os.ErrDeadlineExceeded):
			// Woken because ctx ended; the loop condition sees it.
		case errors.Is(err, io.EOF):
			if !s.atEnd(ctx, regular, last) {
				return false
			}
			if time.Since(checked) >= pathCheck {
				checked = time.Now()
				if s.replaced(f, fi) {
					s.stopTake()
					return false
				}
			}
			s.sleep(ctx, pipePoll)
		case errors.Is(err, syscall.EAGAIN):
			// An input the poller cannot wait on: look again shortly.
			s.sleep(ctx, pipePoll)
		default:
			s.warn(err.Error(), "cannot read mic input; opening it again", "err", err)
			s.stopTake()
			return true
		}
	}
	return false
}

// atEnd handles the end of the data: for a FIFO its writer left, which
// ends the take and the stream; a file may still grow, so its take stops
// only after fileIdle without data. It reports false if ctx ended.
func (s *pipeSession) atEnd(ctx context.Context, regular bool, last time.Time) bool {
	if !s.live {
		return true
	}
	if !regular {
		if !s.deliver(ctx, s.dec.endStream()) {
			return false
		}
		s.p.log.Info("mic input's writer left; the mic is silent until the next one")
		s.stopTake()
		return true
	}
	if time.Since(last) >= fileIdle {
		s.p.log.Info("mic input file has no new data; the mic is silent until it grows")
		s.stopTake()
	}
	return true
}
