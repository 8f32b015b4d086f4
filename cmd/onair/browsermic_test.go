package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"onair/internal/testaudio"
	"onair/internal/testenv"
)

// micPage is a Go stand-in for the console's browser page: it holds the
// station's mic WebSocket, sends a tone at real time as an AudioWorklet
// would, and keeps reading (which answers the server's pings).
type micPage struct {
	c      *websocket.Conn
	states chan talkMixer // the mixer states the server sends
	stop   chan struct{}
	wg     sync.WaitGroup
}

// openMicPage connects to the station's mic as the admin, says its
// format (48 kHz mono) and starts sending a sine of freq at amp.
func openMicPage(t *testing.T, base string, freq, amp float64) *micPage {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h := http.Header{}
	h.Set("Authorization", basicAuth("admin", "adm1n"))
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/api/stations/main/mic", &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		t.Fatalf("dial the mic: %v", err)
	}
	p := &micPage{c: c, states: make(chan talkMixer, 16), stop: make(chan struct{})}
	if err := c.Write(ctx, websocket.MessageText, []byte(`{"rate":48000,"channels":1}`)); err != nil {
		t.Fatal(err)
	}
	p.wg.Add(2)
	go p.read()
	go p.sendTone(t, freq, amp, 48000)
	t.Cleanup(p.drop)
	if m := p.state(t); m.Talking {
		t.Logf("talking when the page connected: %+v", m)
	}
	return p
}

func (p *micPage) read() {
	defer p.wg.Done()
	defer close(p.states)
	for {
		_, b, err := p.c.Read(context.Background())
		if err != nil {
			return
		}
		var m talkMixer
		if json.Unmarshal(b, &m) == nil {
			select {
			case p.states <- m:
			default:
			}
		}
	}
}

// sendTone sends 20 ms messages of int16 mono, paced by the clock.
func (p *micPage) sendTone(t *testing.T, freq, amp float64, rate int) {
	defer p.wg.Done()
	err := sendPaced(p.stop, freq, amp, rate, func(b []byte) error {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		return p.c.Write(ctx, websocket.MessageBinary, b)
	})
	if err != nil {
		select {
		case <-p.stop:
		default:
			t.Errorf("sending the mic's audio: %v", err)
		}
	}
}

// ptt sends {"ptt":on} and returns the state the server answers with.
func (p *micPage) ptt(t *testing.T, on bool) talkMixer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.c.Write(ctx, websocket.MessageText, fmt.Appendf(nil, `{"ptt":%v}`, on)); err != nil {
		t.Fatal(err)
	}
	return p.state(t)
}

func (p *micPage) state(t *testing.T) talkMixer {
	t.Helper()
	select {
	case m, ok := <-p.states:
		if !ok {
			t.Fatal("the mic socket closed")
		}
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("no mixer state from the mic socket")
	}
	return talkMixer{}
}

// drop ends the connection without a close frame, as a crashed tab or a
// lost network does, and waits for the page's goroutines.
func (p *micPage) drop() {
	select {
	case <-p.stop:
		return
	default:
	}
	close(p.stop)
	p.c.CloseNow()
	p.wg.Wait()
}

func basicAuth(user, pass string) string {
	req, _ := http.NewRequest("GET", "http://x/", nil)
	req.SetBasicAuth(user, pass)
	return req.Header.Get("Authorization")
}

// TestBrowserMicTalksAndDropsReleaseTalk proves on the real binary, by
// what a listener hears, that a page's microphone (a Go WebSocket client
// sending 2 kHz at real time) is muted until the page presses Push to
// Talk, then heard at Mic Level with the music ducked to BG Level; that a
// page dropping without releasing talk releases it within a second (the
// mic goes off the air, the music comes back); that under Lock a drop
// leaves talk on; and that a second page, a station without the browser
// mic and a request without credentials are refused.
func TestBrowserMicTalksAndDropsReleaseTalk(t *testing.T) {
	const (
		musicLevel, bgLevel, micLevel = 0.9, 0.3, 0.8
		micAmp                        = 0.5
	)
	base := talkoverStation(t, fmt.Sprintf(`    crossfade_ms: 0
    mixer: {music_level: %g, bg_level: %g, mic_level: %g, music_fade_ms: 500, mic_fade_ms: 300}
    mic: {backend: browser}
  - id: other
    mount: /other
    live_mount: /other-live
    media_dirs: [%q]
`, musicLevel, bgLevel, micLevel, t.TempDir()))
	micRef := refLevel(t, fmt.Sprintf("aevalsrc=%[1]g*sin(2*PI*%[2]d*t)|%[1]g*sin(2*PI*%[2]d*t):s=44100:d=3", micAmp, micHz), micHz, 1)
	musicRef := sineRef(t, musicHz, 2)
	musicOn, micOn := musicLevel*musicRef, micLevel*micRef

	// Refusals: no credentials, another station, before any upgrade.
	ws := "ws" + strings.TrimPrefix(base, "http")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if c, resp, err := websocket.Dial(ctx, ws+"/api/stations/main/mic", nil); err == nil || resp == nil || resp.StatusCode != 401 {
		if c != nil {
			c.CloseNow()
		}
		t.Errorf("mic without credentials: %v %v, want 401", resp, err)
	}
	var e struct{ Error string }
	if code := getJSON(t, "GET", base+"/api/stations/other/mic", &e); code != 409 || !strings.Contains(e.Error, "backend is none") {
		t.Errorf("mic of a station without the browser mic: %d %q, want 409", code, e.Error)
	}

	rec := recordAir(t, base, 40*time.Second)
	at := func(d time.Duration) { time.Sleep(time.Until(rec.start.Add(d))) }
	page := openMicPage(t, base, micHz, micAmp)
	h := http.Header{}
	h.Set("Authorization", basicAuth("admin", "adm1n"))
	if c, _, err := websocket.Dial(ctx, ws+"/api/stations/main/mic", &websocket.DialOptions{HTTPHeader: h}); err != nil {
		t.Errorf("a second page: %v", err)
	} else {
		_, _, err := c.Read(ctx)
		if websocket.CloseStatus(err) != websocket.StatusPolicyViolation || !strings.Contains(err.Error(), "another page has the microphone") {
			t.Errorf("a second page: %v, want closed as a policy violation: another page has the microphone", err)
		}
		c.CloseNow()
	}

	// The page's mic is read (its input meter shows it) but not on air.
	at(3 * time.Second)
	if m := getMixer(t, base); m.Talking || math.Abs(m.Meters.MicInput.RMSDB-testaudio.DB(micAmp/math.Sqrt2)) > 1 || m.Meters.Mic.RMSDB > -100 {
		t.Errorf("before talk: want the mic's input at %.1f dB RMS and nothing on its fader: %+v", testaudio.DB(micAmp/math.Sqrt2), m.Meters)
	}
	at(4 * time.Second)
	if m := page.ptt(t, true); !m.PTT || !m.Talking {
		t.Fatalf("the page's ptt true answered %+v", m)
	}
	at(8 * time.Second)
	page.drop()
	dropped := time.Now()
	var m talkMixer
	if !testenv.Poll(time.Second, func() bool { m = getMixer(t, base); return !m.Talking }) {
		t.Fatalf("a second after the page dropped: %+v, want talk released", m)
	}
	released := time.Since(dropped)
	t.Logf("talk released %v after the page dropped", released.Round(time.Millisecond))

	// Under Lock, a page that drops leaves talk on.
	at(11 * time.Second)
	page = openMicPage(t, base, micHz, micAmp)
	page.ptt(t, true)
	if m := press(t, base, "lock", true); !m.Lock || !m.Talking {
		t.Fatalf("Lock on: %+v", m)
	}
	at(13 * time.Second)
	page.drop()
	lockedDrop := time.Now()
	time.Sleep(1500 * time.Millisecond)
	if m := getMixer(t, base); !m.Lock || !m.Talking {
		t.Errorf("after a drop under Lock: %+v, want Lock and talk on", m)
	}
	at(17 * time.Second)
	if err := rec.alive(); err != nil {
		t.Fatal(err)
	}
	rec.stop()
	press(t, base, "lock", false)

	audio, _, _ := rec.snapshot()
	pcm := decodeMono8k(t, audio)
	pos := rec.posAt
	talks := runs(testaudio.Envelope(pcm, pcmRate, micHz, envWin), micOn/4)
	t.Logf("2 kHz heard at %v s; dropped at %.2f s and %.2f s", talks, pos(dropped), pos(lockedDrop))
	if len(talks) != 2 {
		t.Fatalf("the mic heard in %d runs (%v), want 2: talk until the drop, talk under Lock", len(talks), talks)
	}
	first, locked := talks[0], talks[1]
	before := levelBetween(t, pcm, musicHz, first[0]-2.5, first[0]-0.3)
	checkLevel(t, "music before talk", before, musicOn, 1)
	talking := levelBetween(t, pcm, micHz, first[0]+0.8, first[1]-0.3)
	checkLevel(t, "the page's mic while talking", talking, micOn, 1)
	checkLevel(t, "ducked music against before", levelBetween(t, pcm, musicHz, first[0]+0.8, first[1]-0.3)/before, bgLevel/musicLevel, 1)
	if leak := levelBetween(t, pcm, micHz, first[0]-2.5, first[0]-0.3); testaudio.DB(leak/talking) > -40 {
		t.Errorf("the mic before talk at %.1f dB of its level while talking, want below -40 dB", testaudio.DB(leak/talking))
	}
	// The drop took the mic off the air within its buffer and fade (the
	// listener's clock is read to within its once-a-second deliveries),
	// and the music came back.
	if d := first[1] - pos(dropped); d > 2 || d < -0.5 {
		t.Errorf("the mic was heard until %.2f s, %.2f s after the drop at %.2f s", first[1], d, pos(dropped))
	}
	gap := [2]float64{first[1] + 0.8, locked[0] - 0.3}
	if leak := levelBetween(t, pcm, micHz, gap[0], gap[1]); testaudio.DB(leak/talking) > -40 {
		t.Errorf("the mic after the drop at %.1f dB of its level while talking, want below -40 dB", testaudio.DB(leak/talking))
	}
	checkLevel(t, "music after the drop against before", levelBetween(t, pcm, musicHz, gap[0], gap[1])/before, 1, 1)
	// Under Lock: the mic went quiet with its page, the music stayed down.
	if d := locked[1] - pos(lockedDrop); d > 2 || d < -0.5 {
		t.Errorf("the mic under Lock was heard until %.2f s, %.2f s after its page dropped", locked[1], d)
	}
	end := float64(len(pcm)) / pcmRate
	checkLevel(t, "music after the drop under Lock against before", levelBetween(t, pcm, musicHz, locked[1]+0.8, end-0.2)/before, bgLevel/musicLevel, 1)
}
