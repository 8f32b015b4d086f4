package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Config is one load run.
type Config struct {
	URL            string        // http://host:port/mount
	Listeners      int           // how many to hold
	Rate           int           // bytes of audio per second each listener reads at most
	StreamRate     int           // the stream's bytes per second; 0 = from its first frame header
	Prebuffer      int           // bytes a listener takes at once on connecting, as a player fills its buffer
	Ramp           float64       // connections started per second; 0 = all at once
	Duration       time.Duration // the steady window, after every connection attempt has ended
	Tick           time.Duration // how often each listener reads its due bytes
	Workers        int           // goroutines sharing the listeners
	ConnectTimeout time.Duration // for dial, response headers and the first audio byte
	StallTimeout   time.Duration // a listener that wants data and gets none this long is dropped
	Slack          time.Duration // a listener whose lag passes this is counted slow
	PID            int           // the server's process, sampled over the steady window; 0 = none
	Watch          namedPIDs     // more processes sampled over the same window
	CountLogs      namedFiles    // access logs whose new lines are counted over the window
	UserAgent      string
	Progress       io.Writer // progress lines while running; nil = none

	// Reconnect: a listener whose stream the server ends cleanly (at a
	// frame boundary, outside an ICY block) connects again, as a player
	// does, after ReconnectDelay (jittered); a 404 (the source is away) is
	// retried with the delay doubled, up to ReconnectFor after the end.
	// Frames are followed (see streamChecker), so a cut frame or a format
	// change on one connection is a drop.
	Reconnect      bool
	ReconnectDelay time.Duration
	ReconnectFor   time.Duration

	// ReportEvery > 0 writes a JSON line of counts so far to ReportTo at
	// that interval.
	ReportEvery time.Duration
	ReportTo    io.Writer
}

// phases of a run.
const (
	phaseRamp = iota
	phaseSteady
)

// runner is one run in progress.
type runner struct {
	cfg     Config
	addr    string // host:port to dial
	request []byte
	start   time.Time
	phase   atomic.Int32

	workers   []*worker
	stop      chan struct{}
	workersWG sync.WaitGroup
	attempts  sync.WaitGroup

	live, connected, failed, dropped atomic.Int64
	handshakeBytes                   atomic.Int64
	framingErrors                    atomic.Int64

	mu     sync.Mutex
	fails  map[string]int
	drops  map[string]int // so far, for progress lines
	timing []timing       // by attempt; a zero field was not reached

	rec reconnects
}

func (r *runner) since(t time.Time) int64 { return int64(t.Sub(r.start)) }

func (r *runner) progress(format string, args ...any) {
	if r.cfg.Progress != nil {
		fmt.Fprintf(r.cfg.Progress, "onair-load: "+format+"\n", args...)
	}
}

// validate checks the config and fills in what can be derived.
func (c *Config) validate() (addr string, request []byte, err error) {
	u, err := url.Parse(c.URL)
	if err != nil {
		return "", nil, fmt.Errorf("-url: %w", err)
	}
	if u.Scheme != "http" || u.Host == "" {
		return "", nil, fmt.Errorf("-url %q: want http://host:port/path", c.URL)
	}
	addr = u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "80")
	}
	switch {
	case c.Listeners < 1:
		return "", nil, errors.New("-n must be at least 1")
	case c.Rate < 1:
		return "", nil, errors.New("-rate must be at least 1 byte per second")
	case c.StreamRate < 0:
		return "", nil, errors.New("-stream-rate must not be negative")
	case c.Ramp < 0:
		return "", nil, errors.New("-ramp must not be negative")
	case c.Prebuffer < 0:
		return "", nil, errors.New("-prebuffer must not be negative")
	case c.Tick <= 0 || c.ConnectTimeout <= 0 || c.StallTimeout <= 0 || c.Slack <= 0:
		return "", nil, errors.New("-tick, -connect-timeout, -stall-timeout and -slack must be positive")
	case c.Reconnect && (c.ReconnectDelay <= 0 || c.ReconnectFor <= 0):
		return "", nil, errors.New("-reconnect-delay and -reconnect-for must be positive")
	case c.ReportEvery < 0:
		return "", nil, errors.New("-report-every must not be negative")
	}
	if c.Workers < 1 {
		c.Workers = 8
	}
	path := u.RequestURI()
	ua := c.UserAgent
	if ua == "" {
		ua = "onair-load/1"
	}
	// What mpg123 sends, near enough: HTTP/1.0 and a request for titles.
	request = []byte("GET " + path + " HTTP/1.0\r\nHost: " + u.Host + "\r\nUser-Agent: " + ua +
		"\r\nAccept: */*\r\nIcy-MetaData: 1\r\n\r\n")
	return addr, request, nil
}

// Run holds the listeners: it ramps them up, keeps them for the steady
// window, and reports. Cancelling ctx ends the run early with a report of
// what happened so far.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	addr, request, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	r := &runner{
		cfg:     cfg,
		addr:    addr,
		request: request,
		start:   time.Now(),
		stop:    make(chan struct{}),
		fails:   map[string]int{},
		drops:   map[string]int{},
		timing:  make([]timing, cfg.Listeners),
	}
	r.rec.init(ctx)
	var server serverWindow
	if cfg.PID > 0 {
		if server.idle, err = readProc(strconv.Itoa(cfg.PID)); err != nil {
			return nil, fmt.Errorf("-pid: %w", err)
		}
	}
	watch, err := newWatchers(cfg.Watch, cfg.CountLogs)
	if err != nil {
		return nil, err
	}
	for i := range cfg.Workers {
		w := newWorker(r)
		r.workers = append(r.workers, w)
		r.workersWG.Add(1)
		go w.run(cfg.Tick * time.Duration(i) / time.Duration(cfg.Workers))
	}

	stopReports := r.reportEvery()
	rampTime := r.ramp(ctx)
	r.progress("ramp done in %.1fs: %d connected, %d failed, %d dropped",
		rampTime.Seconds(), r.connected.Load(), r.failed.Load(), r.dropped.Load())

	// The steady window: every attempt has ended; sample the server (and
	// ourselves) at both ends.
	r.phase.Store(phaseSteady)
	liveAtStart := r.live.Load()
	steadyStart := time.Now()
	server.start, _ = r.sampleServer()
	watch.begin()
	self0, _ := readProc("self")
	if ctx.Err() == nil {
		r.progress("holding %d listeners for %s", liveAtStart, cfg.Duration)
		select {
		case <-ctx.Done():
		case <-time.After(cfg.Duration):
		}
	}
	server.end, _ = r.sampleServer()
	self1, _ := readProc("self")
	steady := time.Since(steadyStart)
	liveAtEnd := r.live.Load()
	watched, logs := watch.end(steady, liveAtStart, liveAtEnd)
	r.progress("steady window over after %.1fs: %d listeners held", steady.Seconds(), liveAtEnd)

	stopReports()
	// Reconnections under way end first, so that none lands in a worker
	// that has stopped.
	r.rec.close()
	close(r.stop)
	r.workersWG.Wait()

	rep := r.report(rampTime, steady, liveAtStart, liveAtEnd)
	rep.Tool.CPUSeconds = self1.CPUSeconds - self0.CPUSeconds
	rep.Tool.RSSKiB = self1.RSSKiB
	rep.Watched, rep.Logs = watched, logs
	if cfg.PID > 0 {
		rep.Server = server.summary(cfg.PID, steady, liveAtStart, liveAtEnd)
	}
	return rep, nil
}

// ramp starts the connection attempts at the configured rate and returns
// once every attempt has ended.
func (r *runner) ramp(ctx context.Context) time.Duration {
	n := r.cfg.Listeners
	t0 := time.Now()
	done := make(chan struct{})
	go func() { // progress, once a second
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				r.progress("%d/%d connected, %d failed, %d dropped",
					r.connected.Load(), n, r.failed.Load(), r.dropped.Load())
			}
		}
	}()
	launched := 0
	for launched < n && ctx.Err() == nil {
		due := n
		if r.cfg.Ramp > 0 {
			due = min(n, int(time.Since(t0).Seconds()*r.cfg.Ramp)+1)
		}
		for ; launched < due; launched++ {
			r.attempts.Add(1)
			go r.attempt(ctx, launched)
		}
		if launched < n {
			next := t0.Add(time.Duration(float64(launched) / r.cfg.Ramp * float64(time.Second)))
			select {
			case <-ctx.Done():
			case <-time.After(time.Until(next)):
			}
		}
	}
	r.attempts.Wait()
	close(done)
	return time.Since(t0)
}

// attempt connects listener id and hands it to its worker.
func (r *runner) attempt(ctx context.Context, id int) {
	defer r.attempts.Done()
	l, tm, err := r.connect(ctx)
	r.mu.Lock()
	r.timing[id] = tm
	if err != nil {
		r.fails[reason(err)]++
	}
	r.mu.Unlock()
	if err != nil {
		r.failed.Add(1)
		return
	}
	r.handshakeBytes.Add(l.rx)
	r.connected.Add(1)
	r.live.Add(1)
	l.slot = id
	r.workers[id%len(r.workers)].add(l)
}

// sampleServer reads the server's /proc entry, if there is a server to
// watch.
func (r *runner) sampleServer() (procSample, error) {
	if r.cfg.PID <= 0 {
		return procSample{}, nil
	}
	return readProc(strconv.Itoa(r.cfg.PID))
}
