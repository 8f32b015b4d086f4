package capture

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// fakeSink records what a backend sends. perCall > 0 makes it accept at
// most perCall frames per Write and then nothing until every has passed,
// like a ring drained at real time.
type fakeSink struct {
	mu      sync.Mutex
	pcm     []float32
	events  []string // "start", "stop", "write"
	refused int      // writes that took fewer frames than offered
	perCall int
	every   time.Duration
	next    time.Time
}

func (s *fakeSink) Start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, "start")
}

func (s *fakeSink) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, "stop")
}

func (s *fakeSink) Write(pcm []float32) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(pcm)%2 != 0 {
		panic("odd sample count")
	}
	n := len(pcm) / 2
	if s.perCall > 0 {
		if time.Now().Before(s.next) {
			s.refused++
			return 0
		}
		if n > s.perCall {
			n = s.perCall
			s.refused++
		}
		s.next = time.Now().Add(s.every)
	}
	s.pcm = append(s.pcm, pcm[:2*n]...)
	if len(s.events) == 0 || s.events[len(s.events)-1] != "write" {
		s.events = append(s.events, "write")
	}
	return n
}

// frames returns how many frames arrived.
func (s *fakeSink) frames() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pcm) / 2
}

// refusals counts writes that took fewer frames than offered.
func (s *fakeSink) refusals() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refused
}

// audio returns a copy of what arrived.
func (s *fakeSink) audio() []float32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]float32(nil), s.pcm...)
}

// count returns how many times event happened.
func (s *fakeSink) count(event string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, e := range s.events {
		if e == event {
			n++
		}
	}
	return n
}

func (s *fakeSink) history() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.events, ",")
}

// logBuffer is a log destination safe to read while a backend writes.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newTestLogger(t *testing.T) (*slog.Logger, *logBuffer) {
	t.Helper()
	b := &logBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("backend log:\n%s", b.String())
		}
	})
	return slog.New(slog.NewTextHandler(b, nil)), b
}

// startPipe starts a pipe backend on path; the returned stop cancels it
// and fails the test unless Run returns nil within a second (at once,
// but for a loaded machine's scheduling).
func startPipe(t *testing.T, path string, rate, channels, outRate int, sink *fakeSink) (stop func(), log *logBuffer) {
	t.Helper()
	logger, log := newTestLogger(t)
	b, err := New(Options{Backend: BackendPipe, Path: path, SampleRate: rate, Channels: channels, OutRate: outRate}, logger)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx, sink) }()
	stopped := false
	stop = func() {
		t.Helper()
		if stopped {
			return
		}
		stopped = true
		at := time.Now()
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
			if d := time.Since(at); d > time.Second {
				t.Errorf("Run took %v to return after cancel", d)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return after cancel")
		}
	}
	t.Cleanup(stop)
	return stop, log
}

// makeFIFO makes a FIFO in a temporary folder.
func makeFIFO(t *testing.T) string {
	t.Helper()
	path := t.TempDir() + "/mic.fifo"
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	return path
}

// openWriter opens the FIFO for writing once a reader has it open, without
// ever blocking for long; writes go through the poller and time out.
func openWriter(t *testing.T, path string) *os.File {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		if err == nil {
			f.SetWriteDeadline(time.Now().Add(10 * time.Second))
			return f
		}
		if !errors.Is(err, syscall.ENXIO) || time.Now().After(deadline) {
			t.Fatalf("open FIFO for writing: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// writePieces writes data in pieces whose sizes cycle through sizes.
func writePieces(t *testing.T, f *os.File, data []byte, sizes ...int) {
	t.Helper()
	writePaced(t, f, data, 0, sizes...)
}

// writePaced is writePieces pausing pause between pieces, so that the
// reader finds them one by one rather than gathered in the pipe.
func writePaced(t *testing.T, f *os.File, data []byte, pause time.Duration, sizes ...int) {
	t.Helper()
	for i := 0; len(data) > 0; i++ {
		n := min(sizes[i%len(sizes)], len(data))
		if _, err := f.Write(data[:n]); err != nil {
			t.Fatalf("write: %v", err)
		}
		data = data[n:]
		// Spin rather than sleep: a sleep lasts a millisecond or more.
		for at := time.Now(); time.Since(at) < pause; {
			runtime.Gosched()
		}
	}
}

func mkfifoAt(path string) error { return syscall.Mkfifo(path, 0o600) }
