// Package broadcast is OnAir's network face: mounts and their fan-out to
// listeners, ICY metadata, the Icecast (SOURCE/PUT) and SHOUTcast v1 source
// protocols, and the Icecast/SHOUTcast status endpoints. Listener and source
// connections are hijacked from net/http and spoken to directly, since
// players want HTTP/1.0 without chunking and sources send bodies of no
// length.
package broadcast

import (
	"bufio"
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Authenticator checks credentials. The server asks; it never stores them.
// A refusal is an error that says why; one with a Reason method names it
// in a word for the log and /metrics ("wrong_password", "unknown_user",
// "not_admin"), and any other counts as "error" (the store failed, say).
type Authenticator interface {
	// SourceOK accepts user/pass as a source for mount, or says why not.
	// user is "source" for Icecast clients and the DJ name (or "") for
	// SHOUTcast.
	SourceOK(ctx context.Context, mount, user, pass string) error
	// AdminOK accepts user/pass as the admin's, or says why not; user ""
	// checks the password alone (SHOUTcast's admin.cgi has no user names).
	AdminOK(ctx context.Context, user, pass string) error
}

// MountConfig is a configured mount.
type MountConfig struct {
	Path     string
	Settings MountSettings
}

// Options are the server's settings and the parts it works with, all
// given to New: the server is complete once built and nothing is set on
// it afterwards. Fields left zero take the defaults New documents.
type Options struct {
	// Auth checks source and admin credentials; it is required.
	Auth Authenticator
	// Handler serves the routes the broadcast face does not own (the API
	// and the console); nil = 404.
	Handler        http.Handler
	Logger         *slog.Logger // nil = discard
	ServerID       string       // "OnAir x.y", in Server headers and status pages
	Hostname       string       // for listen URLs; "" = the request's Host
	MaxListeners   int          // whole server; 0 = no limit (SetLimits changes it)
	AllowUnlisted  bool         // sources may create mounts nobody configured
	DefaultMount   string       // what "/" and "/;" play
	ShoutcastMount string       // where SHOUTcast v1 sources land (sid 1)
	Mounts         []MountConfig
	Defaults       MountSettings // for mounts made on the fly
	SourceTimeout  time.Duration // 0 = 10 s
	HeaderTimeout  time.Duration // 0 = 15 s
	// WakeInterval is how often the writers wake to send listeners what
	// was published since (0 = once a second). Players buffer seconds;
	// each wake-up costs a write per listener.
	WakeInterval time.Duration
	// ICYStatusAgents are User-Agent substrings of players answered with
	// "ICY 200 OK" rather than "HTTP/1.0 200 OK".
	ICYStatusAgents []string
	// CountAfter is how long a listener must stay connected to be counted
	// (0 = at once). VLC's first, dropped connection stays shorter.
	CountAfter time.Duration
	// MaxConnectionsPerIP bounds the connections one client address holds
	// open on either port (0 = no limit); more get 429 Too Many Requests.
	// SetLimits changes it.
	MaxConnectionsPerIP int
	// MaxBandwidthKbps caps the sum of the connected listeners' bitrates
	// in kbit/s (0 = none); SetLimits changes it.
	MaxBandwidthKbps int
	// Programs, when set, tells the status pages what stations play.
	Programs ProgramSource
	// Page, when set, is the public station page: "/" to a browser
	// navigating there, "/embed", and their files under /public/. Without
	// it a browser at "/" gets the plain status page.
	Page http.Handler
	// LimitExempt, when set, names addresses the per-IP limit skips:
	// reverse proxies and the machine itself.
	LimitExempt func(netip.Addr) bool
	// AccessLog gets one entry per request, listener and source (nil =
	// no access log).
	AccessLog AccessLogger
	// PublicMetrics serves /metrics without credentials, for a Prometheus
	// that scrapes over a private network; otherwise it needs the admin's.
	PublicMetrics bool
	// TrustedProxies are the reverse proxies whose X-Forwarded-For and
	// X-Real-IP name the client (see ClientAddr).
	TrustedProxies []netip.Prefix
	// Banned, when set, names client addresses refused on every port. It
	// is called for each new connection and request, so it must be cheap
	// and take no lock a web request holds.
	Banned func(netip.Addr) bool
	// RelayPassword is the password of the user RelayUser, who may read
	// /admin/streamlist.txt and pulls mounts as a relay; "" turns that
	// user off (admin accounts may still do both).
	RelayPassword string
	// Throttle, when set, holds back client addresses that keep failing
	// to log in as a source or an admin: they get 429 (a SHOUTcast v1 or
	// Icecast 1 source, a closed connection) and their password is not
	// checked. Loopback is not spared: behind a proxy missing from
	// TrustedProxies, every client looks local. nil = no throttle.
	Throttle LoginThrottle
	// Relays are the mounts pulled from other servers (pull.go); their
	// goroutines start with New and end with Close.
	Relays      []RelayConfig
	RelayTiming RelayTiming
	// RelayRootCAs are the CAs relays check https upstreams and masters
	// against; nil = the system's roots (tests trust their own).
	RelayRootCAs *x509.CertPool
	// RelayMaster, with a URL, is a master whose mount list this server
	// follows with relays of its own (follow.go).
	RelayMaster MasterConfig
}

// Stats are the server's event counters since start, read by /metrics.
type Stats struct {
	RefusedPerIP     atomic.Int64 // connections over MaxConnectionsPerIP
	RefusedFull      atomic.Int64 // listeners over the server's max_listeners
	RefusedMountFull atomic.Int64 // listeners over a mount's max_listeners
	RefusedBandwidth atomic.Int64 // listeners over max_bandwidth_kbps
	DroppedSlow      atomic.Int64 // listeners that fell behind or stopped reading
	Kicked           atomic.Int64 // listeners an admin disconnected
	SourcesRefused   atomic.Int64 // wrong password, busy or unknown mount
	RefusedBanned    atomic.Int64 // requests and connections from banned addresses
	// Logins refused, by Door: for wrong credentials, and unchecked
	// because the address failed too often.
	LoginsFailed    [numDoors]atomic.Int64
	LoginsThrottled [numDoors]atomic.Int64
	// LoginRefusals are the checked refusals counted in LoginsFailed
	// (the console's excepted: it reports no reason), by door and reason
	// in the order of the Reason constants.
	LoginRefusals [numDoors][numReasons]atomic.Int64
}

// Server serves listeners, sources and status pages on one HTTP port and
// SHOUTcast v1 sources on another.
type Server struct {
	opts Options

	// sniffBufs holds the readers connections' first lines are read with:
	// a listener's is back in the pool once its request is on its way, so
	// a thousand connecting at once do not leave a thousand behind.
	sniffBufs sync.Pool

	started     time.Time
	stats       Stats
	perIP       ipLimiter
	slaves      slaveBook // addresses of Icecast slaves, whose pulls carry no credentials
	nextID      atomic.Uint64
	listening   atomic.Int64 // counted listeners
	connections atomic.Int64 // listener connections, for max_listeners
	kbpsInUse   atomic.Int64 // the listener connections' bitrates, for max_bandwidth_kbps
	// The limits in force: set from Options by New, changed by SetLimits
	// while the server runs (limits.go).
	maxListeners atomic.Int64
	maxKbps      atomic.Int64
	// What a reload replaces whole (reconfigure.go): the configured
	// mounts in order, the settings of mounts made on the fly, and the
	// trusted proxies. Options keeps what the server started with.
	configured atomic.Pointer[[]MountConfig]
	defaults   atomic.Pointer[MountSettings]
	proxies    atomic.Pointer[[]netip.Prefix]

	// pulls are the relays by mount path: the configured ones, made by
	// New, and those that follow a master's list (follow.go), which its
	// one goroutine replaces whole.
	pulls atomic.Pointer[map[string]*puller]

	mu     sync.RWMutex
	mounts map[string]*Mount
	order  []string // configured mounts first, then by creation

	// ctx ends at Close; logins on raw connections, which have no
	// request context, are checked under it.
	ctx    context.Context
	cancel context.CancelFunc

	httpSrv  *http.Server
	lnMu     sync.Mutex
	nets     []net.Listener
	chans    []*chanListener
	wg       sync.WaitGroup
	shutdown chan struct{}
	pool     *writerPool

	metrics http.Handler // /metrics, from a registry of the server's own
}

// New returns a server with its configured mounts, ready to serve. Zero
// options take their defaults: a discarding logger, a source timeout of
// 10 s, a header timeout of 15 s, writers waking once a second.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.SourceTimeout <= 0 {
		opts.SourceTimeout = 10 * time.Second
	}
	if opts.HeaderTimeout <= 0 {
		opts.HeaderTimeout = 15 * time.Second
	}
	if opts.WakeInterval <= 0 {
		opts.WakeInterval = time.Second
	}
	s := &Server{opts: opts, started: time.Now(), shutdown: make(chan struct{}), mounts: map[string]*Mount{},
		sniffBufs: sync.Pool{New: func() any { return bufio.NewReaderSize(nil, maxRequestLine) }}}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.perIP.exempt = opts.LimitExempt
	s.perIP.max.Store(int64(max(0, opts.MaxConnectionsPerIP)))
	s.maxListeners.Store(int64(max(0, opts.MaxListeners)))
	s.maxKbps.Store(int64(max(0, opts.MaxBandwidthKbps)))
	s.configured.Store(&opts.Mounts)
	s.defaults.Store(&opts.Defaults)
	s.proxies.Store(&opts.TrustedProxies)
	s.pool = newWriterPool(s)
	for _, mc := range opts.Mounts {
		s.addMountLocked(NewMount(mc.Path, s.listedSettings(mc.Settings)))
	}
	s.httpSrv = &http.Server{
		Handler:           http.HandlerFunc(s.serveGuarded),
		ReadHeaderTimeout: opts.HeaderTimeout,
		// net/http allows 4 KiB of slop beyond MaxHeaderBytes: this
		// refuses requests whose headers pass 8 KiB in all.
		MaxHeaderBytes: 4 << 10,
		IdleTimeout:    60 * time.Second,
		ErrorLog:       slog.NewLogLogger(opts.Logger.Handler(), slog.LevelDebug),
	}
	s.metrics = s.metricsHandler()
	s.startPulls()
	return s
}

// Options returns the options the server was built with, its defaults
// filled in. A reload changes what SetMounts, SetTrustedProxies and
// SetLimits take, not these.
func (s *Server) Options() Options { return s.opts }

func (s *Server) fillSettings(st MountSettings) MountSettings {
	d := *s.defaults.Load()
	if st.BurstSize == 0 {
		st.BurstSize = d.BurstSize
	}
	if st.Metaint == 0 {
		st.Metaint = d.Metaint
	}
	if st.Metaint == 0 {
		st.Metaint = 16000
	}
	if st.WriteTimeout == 0 {
		st.WriteTimeout = d.WriteTimeout
	}
	if st.WriteTimeout == 0 {
		st.WriteTimeout = 10 * time.Second
	}
	if st.Grace == 0 {
		st.Grace = d.Grace
	}
	// HLS is server-wide: a mount takes the server's.
	st.HLSSegment, st.HLSSegments = d.HLSSegment, d.HLSSegments
	return st
}

func (s *Server) addMountLocked(m *Mount) {
	s.mounts[m.Path] = m
	s.order = append(s.order, m.Path)
}

// Mount returns the mount at path, or nil.
func (s *Server) Mount(path string) *Mount {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.mounts[path]
}

// MountList returns the mounts in order: configured ones first.
func (s *Server) MountList() []*Mount {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*Mount, 0, len(s.order))
	for _, p := range s.order {
		out = append(out, s.mounts[p])
	}
	return out
}

// Counters returns the server's event counters.
func (s *Server) Counters() *Stats { return &s.stats }

// Listeners is the number of listeners on the whole server.
func (s *Server) Listeners() int { return int(s.listening.Load()) }

// mountForSource finds or, when allowed, makes the mount a source pushes to.
func (s *Server) mountForSource(path string) (*Mount, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.mounts[path]; m != nil {
		if m.Settings().Station || s.pull(path) != nil {
			return nil, ErrMountForbidden
		}
		return m, nil
	}
	if !s.opts.AllowUnlisted {
		return nil, ErrNoMount
	}
	m := NewMount(path, s.fillSettings(MountSettings{}))
	s.addMountLocked(m)
	return m, nil
}

// removeIfIdle drops an unlisted mount nobody uses any more.
func (s *Server) removeIfIdle(m *Mount) {
	if m.Settings().Listed {
		return
	}
	s.mu.Lock()
	m.mu.Lock()
	idle := m.source == nil && len(m.clients) == 0
	m.mu.Unlock()
	if idle && s.mounts[m.Path] == m {
		delete(s.mounts, m.Path)
		for i, p := range s.order {
			if p == m.Path {
				s.order = append(s.order[:i], s.order[i+1:]...)
				break
			}
		}
		m.Close()
	}
	s.mu.Unlock()
}

// Serve accepts HTTP-port connections on ln until Close: listeners,
// Icecast sources, SHOUTcast v1 sources (sniffed by their first line) and
// everything net/http serves.
func (s *Server) Serve(ln net.Listener) error {
	cl := newChanListener(ln.Addr())
	if !s.track(ln, cl) {
		return http.ErrServerClosed
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		_ = s.httpSrv.Serve(cl)
	}()
	return s.acceptLoop(ln, portHTTP, func(c net.Conn) { s.sniff(c, cl) })
}

// ServeShoutcast accepts SHOUTcast v1 source connections on ln (the HTTP
// port + 1 by convention) until Close.
func (s *Server) ServeShoutcast(ln net.Listener) error {
	if !s.track(ln, nil) {
		return http.ErrServerClosed
	}
	return s.acceptLoop(ln, portShoutcast, func(c net.Conn) {
		if s.refuseBannedConn(c) {
			return
		}
		_ = c.SetReadDeadline(time.Now().Add(s.opts.HeaderTimeout))
		br := bufio.NewReaderSize(c, maxRequestLine)
		line, err := readFirstLine(br)
		if err != nil {
			c.Close()
			return
		}
		s.serveShoutcastSource(c, br, string(line))
	})
}

func (s *Server) track(ln net.Listener, cl *chanListener) bool {
	s.lnMu.Lock()
	defer s.lnMu.Unlock()
	select {
	case <-s.shutdown:
		ln.Close()
		return false
	default:
	}
	s.nets = append(s.nets, ln)
	if cl != nil {
		s.chans = append(s.chans, cl)
	}
	return true
}

// portKind is what a listening socket speaks.
type portKind int

const (
	portHTTP      portKind = iota // HTTP, with SHOUTcast v1 and Icecast 1 sources sniffed
	portShoutcast                 // SHOUTcast v1 sources only
	portTLS                       // HTTPS
)

func (s *Server) acceptLoop(ln net.Listener, port portKind, handle func(net.Conn)) error {
	var delay time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			select {
			case <-s.shutdown:
				return http.ErrServerClosed
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, syscall.EMFILE) {
				// Out of file descriptors: back off instead of spinning.
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				s.opts.Logger.Warn("accept failed", "component", "broadcast", "err", err, "retry_in", delay)
				time.Sleep(delay)
				continue
			}
			return fmt.Errorf("accept on %s: %w", ln.Addr(), err)
		}
		delay = 0
		ip := remoteAddr(c)
		s.wg.Add(1)
		if !s.perIP.acquire(ip) {
			s.stats.RefusedPerIP.Add(1)
			go func() {
				defer s.wg.Done()
				s.refuseBusyIP(c, port)
			}()
			continue
		}
		c = &trackedConn{Conn: c, release: func() { s.perIP.release(ip) }}
		go func() {
			defer s.wg.Done()
			handle(c)
		}()
	}
}

// sniff reads a connection's first line and sends it where it belongs.
func (s *Server) sniff(c net.Conn, cl *chanListener) {
	start := time.Now()
	_ = c.SetReadDeadline(start.Add(s.opts.HeaderTimeout))
	br := s.sniffBufs.Get().(*bufio.Reader)
	br.Reset(c)
	pooled := true
	defer func() {
		if pooled {
			br.Reset(nil)
			s.sniffBufs.Put(br)
		}
	}()
	first, err := br.Peek(1)
	if err != nil {
		c.Close()
		return
	}
	if first[0] == 0x5A {
		// SHOUTcast v2 (Ultravox): close at once so the Winamp DSP falls
		// back to v1 on port+1.
		s.opts.Logger.Debug("refused shoutcast v2 source", "component", "broadcast", "remote", c.RemoteAddr().String())
		c.Close()
		return
	}
	line, err := readFirstLine(br)
	if err != nil {
		if errors.Is(err, ErrHandshakeTooLong) {
			_, _ = c.Write([]byte("HTTP/1.0 414 URI Too Long\r\nConnection: close\r\n\r\n"))
			e := s.rawEntry(c, portHTTP, line, start)
			s.logAccess(&e, http.StatusRequestURITooLong, 0)
		}
		c.Close()
		return
	}
	kind, fixed := classifyFirstLine(line)
	if kind != lineHTTP && s.refuseBannedConn(c) {
		return // HTTP requests are refused with a 403 by serveGuarded
	}
	switch kind {
	case lineHTTP:
		_ = c.SetReadDeadline(time.Time{})
		// What came after the first line (the headers, mostly) is copied
		// out, and the rest is read from the socket itself.
		rest, _ := br.Peek(br.Buffered())
		sc := &sniffedConn{Conn: c, r: io.MultiReader(strings.NewReader(fixed+"\r\n"), bytes.NewReader(bytes.Clone(rest)), c)}
		if !cl.push(sc) {
			c.Close()
		}
	case lineIcecast1:
		pooled = false // the source reads on from it
		s.serveIcecast1Source(c, br, fixed)
	default:
		pooled = false
		s.serveShoutcastSource(c, br, fixed)
	}
}

// Close stops accepting, disconnects every listener and source, and waits
// for the goroutines the server started.
func (s *Server) Close() error {
	s.lnMu.Lock()
	select {
	case <-s.shutdown:
		s.lnMu.Unlock()
		return nil
	default:
		close(s.shutdown)
		s.cancel()
	}
	for _, ln := range s.nets {
		ln.Close()
	}
	for _, cl := range s.chans {
		_ = cl.Close() // never fails
	}
	s.lnMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	_ = s.httpSrv.Shutdown(ctx)
	cancel()
	for _, m := range s.MountList() {
		m.Close()
		m.mu.Lock()
		if m.source != nil && m.source.conn != nil {
			m.source.conn.Close()
		}
		m.mu.Unlock()
	}
	s.wg.Wait()
	s.pool.wg.Wait()
	return nil
}
