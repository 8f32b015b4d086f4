package admin

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/coder/websocket"
)

// The talk protocol, GET /api/stations/{id}/talk over a WebSocket, is
// Push to Talk held as a lease by a page that does not send its own
// microphone (the station's mic is a pipe or a sound card): the server
// sends the mixer's state on connect; the page sends {"ptt":true} and
// {"ptt":false} and gets the state back after each. When the page goes
// while its last word was {"ptt":true}, talk is released, Lock aside.
// Any number of pages may hold one.
const talkMaxMessage = 256

// TalkSocket serves a station's Push to Talk lease over a WebSocket.
type TalkSocket struct {
	Talk Talker
	Log  *slog.Logger
	// Done ends every page's connection (the station stopped).
	Done <-chan struct{}
	// PingEvery and PingTimeout as for MicSocket; zero means the same
	// defaults.
	PingEvery, PingTimeout time.Duration
}

// ServeHTTP upgrades the request and holds the page's lease until it
// leaves. Only pages from the server's own host are accepted.
func (t *TalkSocket) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	log := t.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "talk", "remote", r.RemoteAddr)
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		log.Info("talk page refused", "err", err)
		return
	}
	defer func() { _ = c.CloseNow() }() // the session closed it with a reason, or the peer is gone
	c.SetReadLimit(talkMaxMessage)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-t.Done:
			cancel()
		case <-ctx.Done():
		}
	}()
	l := &talkLease{c: c, talk: t.Talk, log: log}
	pinged := make(chan struct{})
	lost := make(chan struct{})
	go func() {
		defer close(pinged)
		if !l.keepAlive(ctx, t.PingEvery, t.PingTimeout) {
			close(lost)
			cancel()
		}
	}()
	code, reason := t.run(ctx, l)
	cancel()
	<-pinged
	l.end()
	select {
	case <-lost:
		log.Info("talk page stopped answering pings")
		return
	default:
	}
	if code >= 0 {
		_ = c.Close(code, reason)
	}
}

// run answers the page's presses until it leaves; it returns the close
// status to send and why, -1 when the connection is gone.
func (t *TalkSocket) run(ctx context.Context, l *talkLease) (websocket.StatusCode, string) {
	if reason := l.send(ctx, t.Talk.Mixer()); reason != "" {
		return -1, ""
	}
	for {
		typ, b, err := l.c.Read(ctx)
		if err != nil {
			// Gone, or over talkMaxMessage, which the library answers
			// with a close of its own.
			return -1, ""
		}
		if typ != websocket.MessageText {
			return websocket.StatusPolicyViolation, `want {"ptt":true} or {"ptt":false}`
		}
		m, err := parseMicMessage(b)
		if err != nil {
			return websocket.StatusPolicyViolation, closeReason(err.Error())
		}
		if m.PTT == nil || m.Rate != nil || m.Channels != nil {
			return websocket.StatusPolicyViolation, `want {"ptt":true} or {"ptt":false}`
		}
		if reason := l.press(ctx, *m.PTT); reason != "" {
			return -1, ""
		}
	}
}
