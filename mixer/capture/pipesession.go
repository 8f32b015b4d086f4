package capture

import (
	"context"
	"io"
	"os"
	"time"
)

// deliver writes pcm to the sink, waiting while it is full: the mixer
// drains it at real time, which paces a file to real time. It reports
// false if ctx ended first.
func (s *pipeSession) deliver(ctx context.Context, pcm []float32) bool {
	for len(pcm) > 0 {
		n := min(max(s.sink.Write(pcm), 0), len(pcm)/2)
		pcm = pcm[2*n:]
		if len(pcm) > 0 && !s.sleep(ctx, pipeBackoff) {
			return false
		}
	}
	return true
}

// stopTake tells the sink the input went away, once per take.
func (s *pipeSession) stopTake() {
	if s.live {
		s.live = false
		s.sink.Stop()
	}
}

// sleep waits d or until ctx ends, reporting false in the second case. It
// reuses one timer, so waiting costs no allocation.
func (s *pipeSession) sleep(ctx context.Context, d time.Duration) bool {
	s.timer.Reset(d)
	select {
	case <-ctx.Done():
		s.timer.Stop()
		return false
	case <-s.timer.C:
		return true
	}
}

// warn logs a problem once for as long as it lasts: key names it, and a
// retry loop that meets it again stays quiet.
func (s *pipeSession) warn(key, msg string, args ...any) {
	if key == s.lastWarn {
		return
	}
	s.lastWarn = key
	s.p.log.Warn(msg, args...)
}

// replaced reports whether the input open as f, found at its end, should be
// opened again: its path is gone or names another file (a FIFO made anew, a
// recording started over in a new file). A file cut shorter than what was
// read is read again from its start.
func (s *pipeSession) replaced(f *os.File, opened os.FileInfo) bool {
	now, err := os.Stat(s.p.o.Path)
	if err != nil {
		s.p.log.Info("mic input path is gone; waiting for it again", "err", err)
		return true
	}
	if !os.SameFile(now, opened) {
		s.p.log.Info("mic input path now names another file; opening it again")
		return true
	}
	if !now.Mode().IsRegular() {
		return false
	}
	at, err := f.Seek(0, io.SeekCurrent)
	if err != nil || now.Size() >= at {
		return false
	}
	s.p.log.Info("mic input file was cut short; reading it from its start")
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return true
	}
	s.stopTake()
	s.dec.restart()
	return false
}

// wakeOnCancel makes a read of f that is waiting for data return when ctx
// ends. The returned stop must be called before f is closed; it waits for
// the wake-up if that has begun, so that nothing outlives the caller.
func wakeOnCancel(ctx context.Context, f *os.File) (stop func()) {
	done := make(chan struct{})
	cancel := context.AfterFunc(ctx, func() {
		defer close(done)
		// Inputs the poller cannot wait on (regular files) never block,
		// and refuse deadlines.
		_ = f.SetReadDeadline(time.Unix(1, 0))
	})
	return func() {
		if !cancel() {
			<-done
		}
	}
}
