package admin

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/coder/websocket"
)

// talkLease is a page's hold on Push to Talk over its WebSocket: talk the
// page presses is released when the page goes (closes, drops, or stops
// answering pings) unless Lock holds it, so that a mic never stays open
// on air behind a closed tab.
type talkLease struct {
	c       *websocket.Conn
	talk    Talker
	log     *slog.Logger
	talking bool // the page's last {"ptt":…} was true
}

// press presses or releases Push to Talk for the page and answers with
// the mixer's state; it returns a reason to close, "" when all is well.
func (l *talkLease) press(ctx context.Context, on bool) string {
	l.talking = on
	return l.send(ctx, l.talk.PushToTalk(on))
}

// send writes the mixer's state to the page; it returns a reason to close
// when it cannot.
func (l *talkLease) send(ctx context.Context, st MixerState) string {
	b, err := json.Marshal(st)
	if err != nil {
		return "cannot encode the mixer state"
	}
	wctx, cancel := context.WithTimeout(ctx, micWriteTimeout)
	defer cancel()
	if err := l.c.Write(wctx, websocket.MessageText, b); err != nil {
		return "cannot send the mixer state"
	}
	return ""
}

// end releases the talk the page holds, if it holds any, Lock aside.
func (l *talkLease) end() {
	if !l.talking {
		return
	}
	if l.talk.Mixer().Lock {
		l.log.Info("page left while talking; Lock keeps talk on")
		return
	}
	l.talk.PushToTalk(false)
	l.log.Info("page left while talking; Push to Talk released")
}

// keepAlive pings the page until ctx ends, and reports false as soon as
// a ping goes unanswered. Zero durations mean micPingEvery and
// micPingTimeout.
func (l *talkLease) keepAlive(ctx context.Context, every, timeout time.Duration) bool {
	if every <= 0 {
		every = micPingEvery
	}
	if timeout <= 0 {
		timeout = micPingTimeout
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return true
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, timeout)
		err := l.c.Ping(pctx)
		cancel()
		if err != nil {
			return ctx.Err() != nil
		}
	}
}
