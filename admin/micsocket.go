package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"onair/mixer/capture"
)

// The browser microphone protocol, GET /api/stations/{id}/mic over a
// WebSocket (RFC 6455), one page per station at a time:
//
//   - The page first sends a text message with its format,
//     {"rate":48000,"channels":1}: 8000…192000 Hz, 1 or 2 channels.
//   - Then binary messages of little-endian int16 PCM, interleaved when
//     stereo, in whole frames, as captured (an AudioWorklet's 128 to a few
//     thousand frames); the server resamples them to the station's rate.
//   - And text messages {"ptt":true} / {"ptt":false} for Push to Talk. The
//     server answers the format and each of them with the mixer's state as
//     a text message, the JSON of GET /api/stations/{id}/mixer.
//
// A page that breaks the protocol is closed with status 1008 (policy
// violation) and a reason saying why; so is a second page while one holds
// the mic ("another page has the microphone"). Messages are at most
// micMaxMessage bytes (larger: 1009), and a page may send at most twice
// real time beyond a few seconds' burst.
//
// The talk lease: a page that said {"ptt":true} last and then closes, or
// stops answering pings (every micPingEvery, given up after about twice
// that), releases Push to Talk, Lock aside.
const (
	micMaxMessage   = 64 << 10
	micPingEvery    = 5 * time.Second
	micPingTimeout  = 5 * time.Second
	micHelloTimeout = 10 * time.Second
	micWriteTimeout = 5 * time.Second
	// A page may send micRateSlack times real time and micBurst ahead of
	// it; each message costs at least micMinCost frames, so a flood of
	// tiny messages is bounded too.
	micRateSlack = 2
	micBurst     = 4 * time.Second
	micMinCost   = 128
)

// Talker is the station side of a page's Push to Talk; stationTalker is
// the one the API hands the sockets.
type Talker interface {
	PushToTalk(on bool) MixerState
	Mixer() MixerState
}

// MicSocket serves a station's browser microphone over a WebSocket.
type MicSocket struct {
	Mic  *capture.Browser
	Talk Talker
	Log  *slog.Logger
	// PingEvery and PingTimeout: a page that leaves a ping unanswered for
	// PingTimeout is gone. Zero means micPingEvery and micPingTimeout.
	PingEvery, PingTimeout time.Duration
	// HelloTimeout is how long a page has to say its format; zero means
	// micHelloTimeout.
	HelloTimeout time.Duration
}

func (m *MicSocket) helloTimeout() time.Duration {
	if m.HelloTimeout > 0 {
		return m.HelloTimeout
	}
	return micHelloTimeout
}

// ServeHTTP upgrades the request and runs the protocol until the page
// leaves. Only pages from the server's own host are accepted (the Origin
// check of websocket.Accept).
func (m *MicSocket) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	log := m.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "mic", "remote", r.RemoteAddr)
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		log.Info("browser mic refused", "err", err) // Accept answered the request
		return
	}
	defer func() { _ = c.CloseNow() }() // the session closed it with a reason, or the peer is gone
	// The session bounds messages itself and closes with a reason after
	// draining the rest; the library's limit, which cuts the connection
	// with the page still sending, is only a backstop.
	c.SetReadLimit(4 * micMaxMessage)
	page, err := m.Mic.Claim()
	if err != nil {
		code := websocket.StatusPolicyViolation
		if errors.Is(err, capture.ErrMicOff) {
			code = websocket.StatusTryAgainLater
		}
		log.Info("browser mic refused", "err", err)
		_ = c.Close(code, err.Error())
		return
	}
	s := &micSession{m: m, page: page, talkLease: talkLease{c: c, talk: m.Talk, log: log}}
	code, reason := s.run()
	page.End()
	s.end()
	if code >= 0 {
		_ = c.Close(code, closeReason(reason))
	}
}

// micSession is one page's connection.
type micSession struct {
	talkLease
	m      *MicSocket
	page   *capture.BrowserPage
	rate   int
	budget micBudget
	buf    []byte
}

// run reads the page's messages until it leaves or breaks the protocol.
// It returns the close status to send and its reason; -1 when the
// connection is already gone.
func (s *micSession) run() (websocket.StatusCode, string) {
	ctx, cancel := context.WithCancel(s.page.Context())
	defer cancel()
	lost := make(chan struct{})
	pinged := make(chan struct{})
	go func() {
		defer close(pinged)
		if !s.keepAlive(ctx, s.m.PingEvery, s.m.PingTimeout) {
			close(lost)
			cancel() // ends the read below
		}
	}()
	defer func() { cancel(); <-pinged }()
	s.buf = make([]byte, micMaxMessage+1)

	// A read that ends with its context closes the connection without a
	// word; a page that never says its format is told why instead.
	told := make(chan struct{})
	late := time.AfterFunc(s.m.helloTimeout(), func() {
		defer close(told)
		_ = s.c.Close(websocket.StatusPolicyViolation, "no format within "+s.m.helloTimeout().String())
	})
	typ, msg, err := s.read(ctx)
	if !late.Stop() {
		<-told
		return -1, ""
	}
	if err != nil {
		return s.gone(ctx, lost, err)
	}
	if reason := s.hello(ctx, typ, msg); reason != "" {
		return websocket.StatusPolicyViolation, reason
	}
	for {
		typ, msg, err := s.read(ctx)
		if err != nil {
			return s.gone(ctx, lost, err)
		}
		cost := max(len(msg)/(2*s.page.Channels()), micMinCost)
		if !s.budget.spend(time.Now(), float64(cost)) {
			return websocket.StatusPolicyViolation, "audio arrives faster than real time"
		}
		if typ == websocket.MessageBinary {
			if err := s.page.Write(msg); err != nil {
				return websocket.StatusPolicyViolation, err.Error()
			}
			continue
		}
		if reason := s.ptt(ctx, msg); reason != "" {
			return websocket.StatusPolicyViolation, reason
		}
	}
}

// errMicTooBig is a message over micMaxMessage.
var errMicTooBig = fmt.Errorf("a message over %d bytes", micMaxMessage)

// gone explains why reading stopped.
func (s *micSession) gone(ctx context.Context, lost <-chan struct{}, err error) (websocket.StatusCode, string) {
	if errors.Is(err, errMicTooBig) {
		return websocket.StatusMessageTooBig, err.Error()
	}
	select {
	case <-lost:
		s.log.Info("browser mic page stopped answering pings")
		return -1, ""
	default:
	}
	if ctx.Err() != nil {
		// The read's end closed the connection already.
		s.log.Info("browser mic page let go: the station stopped")
		return -1, ""
	}
	if st := websocket.CloseStatus(err); st != -1 {
		s.log.Info("browser mic page left", "status", st)
	} else {
		s.log.Info("browser mic page dropped", "err", err)
	}
	return -1, ""
}

// read reads one message into s.buf, which it returns a part of.
func (s *micSession) read(ctx context.Context) (websocket.MessageType, []byte, error) {
	typ, r, err := s.c.Reader(ctx)
	if err != nil {
		return 0, nil, err
	}
	n := 0
	for {
		k, err := r.Read(s.buf[n:])
		n += k
		if errors.Is(err, io.EOF) {
			return typ, s.buf[:n], nil
		}
		if err != nil {
			return 0, nil, err
		}
		if n == len(s.buf) {
			return 0, nil, errMicTooBig
		}
	}
}

// micMessage is a text message of the page; which fields it may hold
// depends on when it comes.
type micMessage struct {
	Rate     *int  `json:"rate"`
	Channels *int  `json:"channels"`
	PTT      *bool `json:"ptt"`
}

func parseMicMessage(b []byte) (micMessage, error) {
	var m micMessage
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return m, fmt.Errorf("bad JSON: %w", err)
	}
	if dec.More() {
		return m, errors.New("bad JSON: more than one value")
	}
	return m, nil
}

// hello takes the page's format and begins the take; it returns why the
// first message is refused, "" when it is not.
func (s *micSession) hello(ctx context.Context, typ websocket.MessageType, b []byte) string {
	const want = `send the format first, e.g. {"rate":48000,"channels":1}`
	if typ != websocket.MessageText {
		return want
	}
	m, err := parseMicMessage(b)
	if err != nil {
		return err.Error()
	}
	if m.Rate == nil || m.Channels == nil || m.PTT != nil {
		return want
	}
	if err := s.page.Begin(*m.Rate, *m.Channels); err != nil {
		return err.Error()
	}
	s.rate = *m.Rate
	s.budget = newMicBudget(time.Now(), float64(s.rate))
	s.log.Info("browser mic page connected", "rate", s.rate, "channels", *m.Channels)
	return s.send(ctx, s.talk.Mixer())
}

// ptt presses or releases Push to Talk for the page and answers with the
// mixer's state; it returns why the message is refused, "" when it is not.
func (s *micSession) ptt(ctx context.Context, b []byte) string {
	m, err := parseMicMessage(b)
	if err != nil {
		return err.Error()
	}
	if m.PTT == nil || m.Rate != nil || m.Channels != nil {
		return `want {"ptt":true} or {"ptt":false}`
	}
	return s.press(ctx, *m.PTT)
}

// micBudget bounds how fast a page sends: a bucket of input frames that
// fills at micRateSlack times the page's rate, up to micBurst of audio.
type micBudget struct {
	frames, max, perSec float64
	last                time.Time
}

func newMicBudget(now time.Time, rate float64) micBudget {
	full := micBurst.Seconds() * rate
	return micBudget{frames: full, max: full, perSec: micRateSlack * rate, last: now}
}

// spend takes n frames from the bucket, reporting false when it holds
// fewer.
func (b *micBudget) spend(now time.Time, n float64) bool {
	b.frames = min(b.max, b.frames+now.Sub(b.last).Seconds()*b.perSec)
	b.last = now
	if n > b.frames {
		return false
	}
	b.frames -= n
	return true
}

// closeReason fits a reason into a close frame's 123 bytes.
func closeReason(s string) string {
	const most = 123
	if len(s) <= most {
		return s
	}
	s = s[:most]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
