package admin

import (
	"context"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"onair/internal/leakcheck"
	"onair/internal/testenv"
)

// talkRig is a TalkSocket on a loopback server over a fakeTalker.
type talkRig struct {
	url  string
	talk *fakeTalker
	done chan struct{}
}

func newTalkRig(t *testing.T) *talkRig {
	t.Helper()
	leakcheck.Check(t)
	r := &talkRig{talk: &fakeTalker{}, done: make(chan struct{})}
	// Pings come often, so a silent page goes soon; a page answers them
	// only while the test reads it, so it has a second to.
	ts := &TalkSocket{Talk: r.talk, Done: r.done, PingEvery: 100 * time.Millisecond, PingTimeout: time.Second}
	srv := httptest.NewServer(ts)
	r.url = "ws" + strings.TrimPrefix(srv.URL, "http")
	t.Cleanup(func() {
		select {
		case <-r.done:
		default:
			close(r.done)
		}
		srv.Close()
	})
	return r
}

func (r *talkRig) dial(t *testing.T) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, r.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return c
}

// TestTalkSocketLease: a page's Push to Talk is released when the page
// drops or stops answering pings while talking, kept under Lock, and left
// alone when the page had released it; several pages may connect.
func TestTalkSocketLease(t *testing.T) {
	for _, tc := range []struct {
		name    string
		lock    bool
		release bool
		silent  bool
		want    []bool
	}{
		{"dropped while talking", false, false, false, []bool{true, false}},
		{"stopped answering pings", false, false, true, []bool{true, false}},
		{"dropped under Lock", true, false, false, []bool{true}},
		{"released, then dropped", false, true, false, []bool{true, false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newTalkRig(t)
			r.talk.lock = tc.lock
			c := r.dial(t)
			other := r.dial(t) // a second page watching: no effect on the first's lease
			if m := state(t, c); m.Talking != tc.lock {
				t.Fatalf("state on connect %+v", m)
			}
			state(t, other)
			send(t, c, websocket.MessageText, []byte(`{"ptt":true}`))
			if m := state(t, c); !m.Talking {
				t.Fatalf("after a press: %+v", m)
			}
			if tc.release {
				send(t, c, websocket.MessageText, []byte(`{"ptt":false}`))
				state(t, c)
			}
			gone := time.Now()
			if !tc.silent {
				c.CloseNow()
			}
			testenv.WaitFor(t, "the lease to end", func() bool {
				return len(r.talk.pushes()) == len(tc.want) && (tc.lock || !r.talk.Mixer().Talking)
			})
			took := time.Since(gone)
			time.Sleep(300 * time.Millisecond) // nothing more happens
			if got := r.talk.pushes(); !slices.Equal(got, tc.want) {
				t.Errorf("PushToTalk calls %v, want %v", got, tc.want)
			}
			if tc.silent && took < 100*time.Millisecond {
				t.Errorf("a silent page was let go after %v, before its ping was due", took)
			}
			t.Logf("released %v after the page went", took.Round(time.Millisecond))
		})
	}
}

// TestTalkSocketRefusesOtherMessages: audio, a format or bad JSON close
// the page with 1008 and a reason, releasing what it held.
func TestTalkSocketRefusesOtherMessages(t *testing.T) {
	for _, tc := range []struct {
		typ  websocket.MessageType
		msg  string
		want string
	}{
		{websocket.MessageBinary, "\x00\x01", `want {"ptt":true} or {"ptt":false}`},
		{websocket.MessageText, `{"rate":48000,"channels":1}`, `want {"ptt":true} or {"ptt":false}`},
		{websocket.MessageText, `{"ptt":1}`, "bad JSON"},
	} {
		r := newTalkRig(t)
		c := r.dial(t)
		state(t, c)
		send(t, c, websocket.MessageText, []byte(`{"ptt":true}`))
		state(t, c)
		send(t, c, tc.typ, []byte(tc.msg))
		code, reason := closed(t, c)
		if code != websocket.StatusPolicyViolation || !strings.Contains(reason, tc.want) {
			t.Errorf("%q: closed %v %q", tc.msg, code, reason)
		}
		testenv.WaitFor(t, "talk released", func() bool { return !r.talk.Mixer().Talking })
	}
}

// TestTalkSocketStationStopEndsThePage: the station stopping ends every
// page's connection.
func TestTalkSocketStationStopEndsThePage(t *testing.T) {
	r := newTalkRig(t)
	c := r.dial(t)
	state(t, c)
	close(r.done)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, _, err := c.Read(ctx); err == nil || ctx.Err() != nil {
		t.Errorf("the page's read after the station stopped: %v", err)
	}
}
