package admin

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"onair/internal/leakcheck"
	"onair/internal/testaudio"
	"onair/internal/testenv"
	"onair/mixer/capture"
)

// micSink stands in for the mic channel's Feed: it records what arrives.
type micSink struct {
	mu           sync.Mutex
	pcm          []float32
	starts, stop int
}

func (s *micSink) Start() { s.mu.Lock(); s.starts++; s.mu.Unlock() }
func (s *micSink) Stop()  { s.mu.Lock(); s.stop++; s.mu.Unlock() }
func (s *micSink) Write(pcm []float32) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pcm = append(s.pcm, pcm...)
	return len(pcm) / 2
}

func (s *micSink) counts() (starts, stops, frames int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.starts, s.stop, len(s.pcm) / 2
}

// fakeTalker stands in for the station's Push to Talk and Lock.
type fakeTalker struct {
	mu        sync.Mutex
	ptt, lock bool
	calls     []bool // PushToTalk's arguments, in order
}

func (f *fakeTalker) PushToTalk(on bool) MixerState {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, on)
	if !f.lock {
		f.ptt = on
	}
	return f.stateLocked()
}

func (f *fakeTalker) Mixer() MixerState {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.stateLocked()
}

func (f *fakeTalker) stateLocked() MixerState {
	return MixerState{MicLevel: 0.9, PTT: f.ptt || f.lock, Lock: f.lock, Talking: f.ptt || f.lock}
}

func (f *fakeTalker) pushes() []bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]bool(nil), f.calls...)
}

// micRig is a MicSocket on a loopback server, over a browser backend at
// 44.1 kHz running on a micSink.
type micRig struct {
	url    string
	sink   *micSink
	talk   *fakeTalker
	socket *MicSocket
	stop   func() // ends the backend's Run and waits for it
}

func newMicRig(t *testing.T, configure func(*MicSocket)) *micRig {
	t.Helper()
	leakcheck.Check(t) // no goroutine of the socket outlives its page
	be, err := capture.New(capture.Options{Backend: capture.BackendBrowser, OutRate: 44100}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := &micRig{sink: &micSink{}, talk: &fakeTalker{}}
	r.socket = &MicSocket{Mic: be.(*capture.Browser), Talk: r.talk}
	if configure != nil {
		configure(r.socket)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() {
		defer close(ran)
		_ = r.socket.Mic.Run(ctx, r.sink)
	}()
	srv := httptest.NewServer(r.socket)
	r.url = "ws" + strings.TrimPrefix(srv.URL, "http")
	stopped := false
	r.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case <-ran:
		case <-time.After(5 * time.Second):
			t.Error("Run did not return: a page kept the mic")
		}
	}
	t.Cleanup(func() {
		r.stop()
		srv.Close()
	})
	testenv.WaitFor(t, "the backend to run", r.socket.Mic.Running)
	return r
}

// dial connects a page; it fails the test if the upgrade fails.
func (r *micRig) dial(t *testing.T) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, r.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadLimit(1 << 20)
	t.Cleanup(func() { c.CloseNow() })
	return c
}

// send writes a message, failing the test on error.
func send(t *testing.T, c *websocket.Conn, typ websocket.MessageType, b []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Write(ctx, typ, b); err != nil {
		t.Fatalf("send: %v", err)
	}
}

// state reads the mixer state the server sends.
func state(t *testing.T, c *websocket.Conn) MixerState {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	typ, b, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("reading the mixer state: %v", err)
	}
	var m MixerState
	if err := json.Unmarshal(b, &m); typ != websocket.MessageText || err != nil {
		t.Fatalf("mixer state: %v %q: %v", typ, b, err)
	}
	return m
}

// closed reads until the server closes and returns its status and reason.
func closed(t *testing.T, c *websocket.Conn) (websocket.StatusCode, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		_, _, err := c.Read(ctx)
		if err == nil {
			continue
		}
		var ce websocket.CloseError
		if errors.As(err, &ce) {
			return ce.Code, ce.Reason
		}
		t.Fatalf("the connection ended without a close frame: %v", err)
	}
}

// TestMicSocketCarriesAPageToTheMic: a page's 2 kHz at 48 kHz mono, sent
// in AudioWorklet-sized messages, reaches the mic at 44.1 kHz stereo, at
// its level and pitch, alone; Push to Talk from the page reaches the
// station and is answered with the mixer's state; the take starts and
// stops with the page.
func TestMicSocketCarriesAPageToTheMic(t *testing.T) {
	r := newMicRig(t, nil)
	c := r.dial(t)
	send(t, c, websocket.MessageText, []byte(`{"rate":48000,"channels":1}`))
	if m := state(t, c); m.PTT || m.MicLevel != 0.9 {
		t.Errorf("state after the format: %+v", m)
	}
	const amp = 0.5
	pcm := testaudio.S16LE(testaudio.Sine(48000, 48000, 2000, amp), 1)
	for i, sizes := 0, []int{128, 4096, 480, 1024}; len(pcm) > 0; i++ {
		n := min(2*sizes[i%len(sizes)], len(pcm))
		send(t, c, websocket.MessageBinary, pcm[:n])
		pcm = pcm[n:]
	}
	send(t, c, websocket.MessageText, []byte(`{"ptt":true}`))
	if m := state(t, c); !m.PTT || !m.Talking {
		t.Errorf("state after ptt true: %+v", m)
	}
	send(t, c, websocket.MessageText, []byte(`{"ptt":false}`))
	if m := state(t, c); m.PTT || m.Talking {
		t.Errorf("state after ptt false: %+v", m)
	}
	if err := c.Close(websocket.StatusNormalClosure, "bye"); err != nil {
		t.Fatalf("close: %v", err)
	}
	testenv.WaitFor(t, "the take to stop", func() bool { _, stops, _ := r.sink.counts(); return stops == 1 })
	starts, stops, frames := r.sink.counts()
	if starts != 1 || stops != 1 || frames < 44000 || frames > 44100 {
		t.Errorf("sink: %d starts, %d stops, %d frames; want 1, 1, about 44100", starts, stops, frames)
	}
	if p := r.talk.pushes(); len(p) != 2 || !p[0] || p[1] {
		t.Errorf("PushToTalk calls %v, want [true false] (nothing more: the page released talk itself)", p)
	}
	r.sink.mu.Lock()
	out := r.sink.pcm
	r.sink.mu.Unlock()
	left := make([]float64, 0, len(out)/2)
	for i := 0; i < len(out); i += 2 {
		if out[i] != out[i+1] {
			t.Fatalf("frame %d: left %v, right %v: mono not in both channels", i/2, out[i], out[i+1])
		}
		left = append(left, float64(out[i]))
	}
	x := left[2000 : 2000+441*80] // whole cycles of 2 kHz at 44.1 kHz, past the filter's start
	got := testaudio.Level(x, 44100, 2000)
	t.Logf("2 kHz at %.4f (%+.3f dB) of %d frames", got, 20*math.Log10(got/amp), len(left))
	if db := 20 * math.Log10(got/amp); math.Abs(db) > 0.5 {
		t.Errorf("2 kHz at %.4f, %+.2f dB from the page's %.1f; want ± 0.5 dB", got, db, amp)
	}
	// The pitch is right: off by a few hertz, the level would fall away.
	for _, f := range []float64{1900, 2100, 2177, 1837} {
		if a := testaudio.Level(x, 44100, f); a > amp/100 {
			t.Errorf("%v Hz at %.4f, want < -40 dB: the tone is off pitch", f, a)
		}
	}
}

// TestMicSocketRefusesMalformedPages: each way of breaking the protocol
// closes the socket with a reason, and frees the mic for the next page.
func TestMicSocketRefusesMalformedPages(t *testing.T) {
	r := newMicRig(t, func(m *MicSocket) { m.HelloTimeout = 300 * time.Millisecond })
	hello := []byte(`{"rate":48000,"channels":1}`)
	txt := func(s string) func(*testing.T, *websocket.Conn) {
		return func(t *testing.T, c *websocket.Conn) { send(t, c, websocket.MessageText, []byte(s)) }
	}
	bin := func(b []byte) func(*testing.T, *websocket.Conn) {
		return func(t *testing.T, c *websocket.Conn) { send(t, c, websocket.MessageBinary, b) }
	}
	for _, tc := range []struct {
		name  string
		hello bool // send the format (and read the answer) first
		act   func(*testing.T, *websocket.Conn)
		code  websocket.StatusCode
		want  string // the reason, or its start
	}{
		{"audio before the format", false, bin(make([]byte, 256)), websocket.StatusPolicyViolation, `send the format first, e.g. {"rate":48000,"channels":1}`},
		{"not JSON", false, txt("hello"), websocket.StatusPolicyViolation, "bad JSON: invalid character"},
		{"no channels", false, txt(`{"rate":48000}`), websocket.StatusPolicyViolation, "send the format first"},
		{"unknown key", false, txt(`{"rate":48000,"channels":1,"bits":16}`), websocket.StatusPolicyViolation, `bad JSON: json: unknown field "bits"`},
		{"rate too low", false, txt(`{"rate":7999,"channels":1}`), websocket.StatusPolicyViolation, "bad audio: rate must be 8000…192000 Hz, got 7999"},
		{"rate too high", false, txt(`{"rate":384000,"channels":2}`), websocket.StatusPolicyViolation, "bad audio: rate must be 8000…192000 Hz, got 384000"},
		{"three channels", false, txt(`{"rate":48000,"channels":3}`), websocket.StatusPolicyViolation, "bad audio: channels must be 1 or 2, got 3"},
		{"silent page", false, func(*testing.T, *websocket.Conn) {}, websocket.StatusPolicyViolation, "no format within 300ms"},
		{"half a frame", true, bin(make([]byte, 301)), websocket.StatusPolicyViolation, "bad audio: 301 bytes is not a whole number of 2-byte frames"},
		{"ptt not a bool", true, txt(`{"ptt":"yes"}`), websocket.StatusPolicyViolation, "bad JSON: json: cannot unmarshal"},
		{"format twice", true, txt(string(hello)), websocket.StatusPolicyViolation, `want {"ptt":true} or {"ptt":false}`},
		{"two values", true, txt(`{"ptt":true} {"ptt":false}`), websocket.StatusPolicyViolation, "bad JSON: more than one value"},
		{"message too big", true, bin(make([]byte, micMaxMessage+2)), websocket.StatusMessageTooBig, "a message over 65536 bytes"},
		{"faster than real time", true, func(t *testing.T, c *websocket.Conn) {
			// Ten seconds of audio at once: more than the burst allowed.
			one := make([]byte, 2*4800)
			for range 100 {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				err := c.Write(ctx, websocket.MessageBinary, one)
				cancel()
				if err != nil {
					return // closed under us: the reason is read below
				}
			}
		}, websocket.StatusPolicyViolation, "audio arrives faster than real time"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := r.dial(t)
			if tc.hello {
				send(t, c, websocket.MessageText, hello)
				state(t, c)
			}
			tc.act(t, c)
			code, reason := closed(t, c)
			if code != tc.code || !strings.HasPrefix(reason, tc.want) {
				t.Errorf("closed with %v %q, want %v %q", code, reason, tc.code, tc.want)
			}
			// The mic is free again at once.
			testenv.WaitFor(t, "the mic to be free", func() bool {
				p, err := r.socket.Mic.Claim()
				if err == nil {
					p.End()
				}
				return err == nil
			})
		})
	}
	starts, stops, _ := r.sink.counts()
	if starts != 6 || stops != starts {
		t.Errorf("%d takes started and %d stopped; want 6 and as many", starts, stops)
	}
	if p := r.talk.pushes(); len(p) != 0 {
		t.Errorf("PushToTalk called %v by malformed pages", p)
	}
}

// TestMicSocketOnePageAtATime: a second page is refused while one holds
// the mic, and taken once it leaves; so is a cross-site page, before any
// upgrade.
func TestMicSocketOnePageAtATime(t *testing.T) {
	r := newMicRig(t, nil)
	first := r.dial(t)
	send(t, first, websocket.MessageText, []byte(`{"rate":44100,"channels":2}`))
	state(t, first)
	second := r.dial(t)
	if code, reason := closed(t, second); code != websocket.StatusPolicyViolation || reason != "another page has the microphone" {
		t.Errorf("second page closed with %v %q", code, reason)
	}
	// The first page is unharmed.
	send(t, first, websocket.MessageBinary, testaudio.S16LE(testaudio.Sine(441, 44100, 1000, 0.5), 2))
	send(t, first, websocket.MessageText, []byte(`{"ptt":true}`))
	if m := state(t, first); !m.PTT {
		t.Errorf("first page after the refusal: %+v", m)
	}
	first.Close(websocket.StatusNormalClosure, "")
	testenv.WaitFor(t, "the first page to leave", func() bool { _, stops, _ := r.sink.counts(); return stops == 1 })
	third := r.dial(t)
	send(t, third, websocket.MessageText, []byte(`{"rate":44100,"channels":2}`))
	state(t, third)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h := http.Header{"Origin": []string{"https://elsewhere.example"}}
	if c, resp, err := websocket.Dial(ctx, r.url, &websocket.DialOptions{HTTPHeader: h}); err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		if c != nil {
			c.CloseNow()
		}
		t.Errorf("a cross-site page: %v, %v; want 403", resp, err)
	}
}

// TestMicSocketTalkLease: talk a page turned on is released when the page
// drops without a word or stops answering pings; not under Lock, and not
// when the page released it itself.
func TestMicSocketTalkLease(t *testing.T) {
	for _, tc := range []struct {
		name    string
		lock    bool
		release bool // the page says {"ptt":false} before it goes
		silent  bool // the page stops reading (no pongs) instead of dropping
		want    []bool
	}{
		{"dropped while talking", false, false, false, []bool{true, false}},
		{"stopped answering pings", false, false, true, []bool{true, false}},
		{"dropped under Lock", true, false, false, []bool{true}},
		{"released, then dropped", false, true, false, []bool{true, false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A page answers pings only while the test reads it: a
			// second to answer, for a loaded machine.
			r := newMicRig(t, func(m *MicSocket) { m.PingEvery, m.PingTimeout = 100*time.Millisecond, time.Second })
			r.talk.lock = tc.lock
			c := r.dial(t)
			send(t, c, websocket.MessageText, []byte(`{"rate":48000,"channels":1}`))
			state(t, c)
			send(t, c, websocket.MessageText, []byte(`{"ptt":true}`))
			state(t, c)
			if tc.release {
				send(t, c, websocket.MessageText, []byte(`{"ptt":false}`))
				state(t, c)
			}
			gone := time.Now()
			if !tc.silent {
				c.CloseNow() // no close frame: a crashed tab, a lost network
			}
			// A silent page holds its socket open but reads nothing.
			testenv.WaitFor(t, "the page's take to stop", func() bool { _, stops, _ := r.sink.counts(); return stops == 1 })
			took := time.Since(gone)
			// The socket releases talk after it stops the take.
			testenv.WaitFor(t, "the page's Push to Talk calls", func() bool { return len(r.talk.pushes()) >= len(tc.want) })
			if tc.lock {
				time.Sleep(50 * time.Millisecond) // a window for a release that must not come
			}
			got := r.talk.pushes()
			t.Logf("page gone after %v; PushToTalk calls: %v", took.Round(time.Millisecond), got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("PushToTalk calls %v, want %v", got, tc.want)
			}
			if tc.silent && (took < 100*time.Millisecond || took > 4*time.Second) {
				t.Errorf("a silent page was let go after %v, want after its ping timed out", took)
			}
			if m := r.talk.Mixer(); m.Talking != tc.lock {
				t.Errorf("after the page left: %+v", m)
			}
		})
	}
}

// TestMicSocketPageThatAnswersPingsStays: a page that sends nothing but
// answers pings keeps the mic through many ping periods.
func TestMicSocketPageThatAnswersPingsStays(t *testing.T) {
	// Half a second to answer each ping; the page stays three times that.
	r := newMicRig(t, func(m *MicSocket) { m.PingEvery, m.PingTimeout = 50*time.Millisecond, 500*time.Millisecond })
	c := r.dial(t)
	send(t, c, websocket.MessageText, []byte(`{"rate":48000,"channels":1}`))
	state(t, c)
	send(t, c, websocket.MessageText, []byte(`{"ptt":true}`))
	state(t, c)
	alive := c.CloseRead(context.Background()) // reads in the background: pongs go out
	time.Sleep(1500 * time.Millisecond)
	if _, stops, _ := r.sink.counts(); stops != 0 || alive.Err() != nil {
		t.Fatalf("a page answering pings was let go (%d stops, %v)", stops, alive.Err())
	}
	if p := r.talk.pushes(); len(p) != 1 {
		t.Errorf("PushToTalk calls %v while the page stays", p)
	}
	c.Close(websocket.StatusNormalClosure, "")
	testenv.WaitFor(t, "the page to leave", func() bool { _, stops, _ := r.sink.counts(); return stops == 1 })
	if p := r.talk.pushes(); len(p) != 2 || p[1] {
		t.Errorf("PushToTalk calls %v; a page that leaves while talking releases talk", p)
	}
}

// TestMicSocketStationStopEndsThePage: when the station stops, the page's
// connection ends and the backend's Run returns.
func TestMicSocketStationStopEndsThePage(t *testing.T) {
	r := newMicRig(t, nil)
	c := r.dial(t)
	send(t, c, websocket.MessageText, []byte(`{"rate":48000,"channels":1}`))
	state(t, c)
	r.stop()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, _, err := c.Read(ctx); err == nil || ctx.Err() != nil {
		t.Errorf("the page's read after the station stopped: %v", err)
	}
	if starts, stops, _ := r.sink.counts(); starts != 1 || stops != 1 {
		t.Errorf("%d starts, %d stops", starts, stops)
	}
	// A page that comes now is told to come back later.
	c = r.dial(t)
	if code, reason := closed(t, c); code != websocket.StatusTryAgainLater || reason != "the station is not on air" {
		t.Errorf("page while the station is off: %v %q", code, reason)
	}
}
