package main

import (
	"errors"
	"io"
	"net"
	"sync"
	"syscall"
	"time"
)

// readBufSize is each worker's read buffer: one buffer per worker, not per
// listener. A listener's due bytes for one tick (8 KiB at 16 KiB/s and
// 500 ms) fit in one read; the burst takes a few.
const readBufSize = 64 << 10

// listener is one held connection. It belongs to one worker after the
// handshake and is touched by no other goroutine.
type listener struct {
	conn    *net.TCPConn
	raw     syscall.RawConn
	framing error // found during the handshake
	check   streamChecker
	slot    int // the attempt it began as; its reconnections keep it

	// Times are nanoseconds since the run began; 0 means "not yet".
	first   int64 // first audio byte: pacing starts here
	stalled int64 // first tick that wanted data and found none
	rx      int64 // body bytes read

	maxLead int64 // most audio bytes ever held beyond real time
	maxLag  int64 // most audio bytes ever lost from maxLead

	steadyAt, steadyRx int64 // at the first tick of the steady window
	lastAt, lastRx     int64 // at the latest tick of the steady window

	slow bool
}

// pace returns the rate the listener's audio should arrive at: the
// stream's own bitrate (Config.StreamRate, else from the first frame
// header), or the reading pace when that is lower or unknown.
func (l *listener) pace(cfg *Config) int {
	e := cfg.StreamRate
	if e == 0 {
		e = l.check.rate
	}
	if e > 0 && e < cfg.Rate {
		return e
	}
	return cfg.Rate
}

// workerStats is what a worker counts; the runner adds them up at the end.
type workerStats struct {
	drops       map[string]int
	dropMsgs    []string // a stream cut short or changing format (Config.Reconnect)
	framing     int
	framingMsgs []string
	unsynced    int
	unsyncedMsg string
	slow        int
	held        int
	streamRate  int // bytes per second, from a first frame header

	totalBytes int64
	blocks     int64
	titles     int64
	throughput []float64 // bytes per second over the steady window, listeners held to the end
	lag        []int64   // each listener's worst lag, in nanoseconds of audio

	overruns int           // passes longer than a tick
	maxPass  time.Duration // the slowest pass
}

// worker serves a share of the listeners: once per tick it reads each one's
// due bytes with a non-blocking read into the worker's buffer and checks
// them. Wake-ups, not bytes, are the price, so many listeners share one.
type worker struct {
	r     *runner
	buf   []byte
	ls    []*listener
	stats workerStats

	mu    sync.Mutex
	inbox []*listener

	// The raw read callback and its arguments live here so that a read
	// allocates nothing.
	readFn func(fd uintptr) bool
	rbuf   []byte
	rn     int
	rerr   error
}

func newWorker(r *runner) *worker {
	w := &worker{r: r, buf: make([]byte, readBufSize)}
	w.stats.drops = map[string]int{}
	w.readFn = func(fd uintptr) bool {
		w.rn, w.rerr = syscall.Read(int(fd), w.rbuf)
		if w.rn < 0 {
			w.rn = 0
		}
		return true // never wait for readiness: the ticker paces us
	}
	return w
}

// add hands a connected listener to the worker.
func (w *worker) add(l *listener) {
	w.mu.Lock()
	w.inbox = append(w.inbox, l)
	w.mu.Unlock()
}

// run serves the worker's listeners until the runner stops, starting after
// delay so that the workers' passes spread over the tick.
func (w *worker) run(delay time.Duration) {
	defer w.r.workersWG.Done()
	select {
	case <-time.After(delay):
	case <-w.r.stop:
		w.finish()
		return
	}
	t := time.NewTicker(w.r.cfg.Tick)
	defer t.Stop()
	for {
		select {
		case <-w.r.stop:
			w.finish()
			return
		case <-t.C:
		}
		w.pass()
	}
}

// pass serves every listener once.
func (w *worker) pass() {
	start := time.Now()
	now := w.r.since(start)
	w.takeInbox()
	steady := w.r.phase.Load() == phaseSteady
	for i := 0; i < len(w.ls); {
		l := w.ls[i]
		if err := w.serve(l, now); err != nil {
			w.lose(l, err, start)
			last := len(w.ls) - 1
			w.ls[i], w.ls[last] = w.ls[last], nil
			w.ls = w.ls[:last]
			continue
		}
		if steady {
			if l.steadyAt == 0 {
				l.steadyAt, l.steadyRx = now, l.rx
			}
			l.lastAt, l.lastRx = now, l.rx
		}
		i++
	}
	d := time.Since(start)
	w.stats.maxPass = max(w.stats.maxPass, d)
	if d > w.r.cfg.Tick {
		w.stats.overruns++
	}
}

// serve reads what the listener is due by now, as a player draining its
// buffer at the pace would, checks it, and updates its lag.
func (w *worker) serve(l *listener, now int64) error {
	cfg := &w.r.cfg
	elapsed := max(0, now-l.first)
	// The pace counts audio bytes, so ICY blocks never slow a listener
	// below the stream's bitrate.
	due := int64(cfg.Prebuffer) + int64(float64(cfg.Rate)*float64(elapsed)/1e9)
	want := due - l.check.audio
	got := 0
	for want > 0 {
		p := w.buf[:min(want, int64(len(w.buf)))]
		n, err := w.read(l, p)
		if err == syscall.EAGAIN || err == syscall.EINTR {
			break
		}
		if err != nil {
			return err
		}
		if n == 0 {
			return io.EOF
		}
		if err := l.check.Feed(p[:n]); err != nil {
			return err
		}
		l.rx += int64(n)
		w.stats.totalBytes += int64(n)
		got += n
		want = due - l.check.audio
		if n < len(p) {
			break // the socket is drained
		}
	}

	switch {
	case got > 0 || want <= 0:
		l.stalled = 0
	case l.stalled == 0:
		l.stalled = now
	case time.Duration(now-l.stalled) > cfg.StallTimeout:
		return errStalled
	}

	// Lag: how far the audio received fell back from the most it was ever
	// ahead of real time. A player that started at the first byte with
	// that much buffered would have stalled for the lag.
	e := l.pace(cfg)
	lead := l.check.audio - int64(float64(e)*float64(elapsed)/1e9)
	if lead > l.maxLead {
		l.maxLead = lead
	}
	if lag := l.maxLead - lead; lag > l.maxLag {
		l.maxLag = lag
		if !l.slow && float64(lag) > float64(e)*cfg.Slack.Seconds() {
			l.slow = true
			w.stats.slow++
		}
	}
	return nil
}

// read does one non-blocking read from the listener's socket.
func (w *worker) read(l *listener, p []byte) (int, error) {
	w.rbuf = p
	if err := l.raw.Read(w.readFn); err != nil {
		return 0, err
	}
	w.rbuf = nil
	return w.rn, w.rerr
}

// lose ends a listener whose serving failed with err. With
// Config.Reconnect, a stream the server ended cleanly is no loss: the
// listener connects again, as a player does.
func (w *worker) lose(l *listener, err error, at time.Time) {
	if w.r.cfg.Reconnect && errors.Is(err, io.EOF) {
		if err = l.check.EndErr(); err == nil {
			w.r.live.Add(-1)
			w.retire(l, false)
			w.r.rec.start(w.r, l.slot, at)
			return
		}
	}
	w.drop(l, err)
}

// drop ends a listener the run lost.
func (w *worker) drop(l *listener, err error) {
	rs := reason(err)
	w.stats.drops[rs]++
	if errors.Is(err, ErrBadBlock) || errors.Is(err, ErrFrameSync) {
		w.stats.framing++
		w.r.framingErrors.Add(1)
		if len(w.stats.framingMsgs) < 5 {
			w.stats.framingMsgs = append(w.stats.framingMsgs, err.Error())
		}
	}
	if errors.Is(err, ErrFormatChange) || errors.Is(err, ErrEndInBlock) || errors.Is(err, ErrEndInFrame) {
		if len(w.stats.dropMsgs) < 5 {
			w.stats.dropMsgs = append(w.stats.dropMsgs, err.Error())
		}
	}
	w.r.mu.Lock()
	w.r.drops[rs]++
	w.r.mu.Unlock()
	w.r.live.Add(-1)
	w.r.dropped.Add(1)
	w.retire(l, false)
}

// retire adds a finished listener to the stats and closes it.
func (w *worker) retire(l *listener, held bool) {
	st := &w.stats
	if l.steadyAt != 0 {
		if held && l.lastAt > l.steadyAt {
			st.throughput = append(st.throughput, float64(l.lastRx-l.steadyRx)/(float64(l.lastAt-l.steadyAt)/1e9))
		}
	}
	if e := l.pace(&w.r.cfg); e > 0 {
		st.lag = append(st.lag, int64(float64(l.maxLag)/float64(e)*1e9))
	}
	if st.streamRate == 0 {
		st.streamRate = l.check.rate
	}
	if err := l.check.SyncErr(); err != nil {
		st.unsynced++
		if st.unsyncedMsg == "" {
			st.unsyncedMsg = err.Error()
		}
	}
	st.blocks += l.check.blocks
	st.titles += l.check.titles
	if held {
		st.held++
	}
	_ = l.conn.Close()
}

// takeInbox adopts the listeners that connected since the last pass,
// dropping those whose response already broke the framing.
func (w *worker) takeInbox() {
	w.mu.Lock()
	in := w.inbox
	w.inbox = nil
	w.mu.Unlock()
	for _, l := range in {
		if l.framing != nil {
			w.drop(l, l.framing)
			continue
		}
		w.ls = append(w.ls, l)
	}
}

// finish closes every listener still held when the run ends.
func (w *worker) finish() {
	w.takeInbox()
	for i, l := range w.ls {
		w.retire(l, true)
		w.ls[i] = nil
	}
	w.ls = nil
}
