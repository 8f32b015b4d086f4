package mixer

import (
	"context"
	"log/slog"
	"math"
	"sync/atomic"
	"time"

	"onair/codec/frames"
)

// Config sets up an engine.
type Config struct {
	SampleRate int
	Crossfade  time.Duration // 0 = gapless, back to back
	// Lead is how far ahead of real time the engine runs: enough to ride
	// out a scheduling hiccup, small enough that a skip or a title is
	// heard soon after it happens.
	Lead time.Duration
	// EncoderDelay is the samples between a sample going into the encoder
	// and a listener's decoder playing it (the encoder's delay and the
	// decoder's), so titles change where the new track is heard.
	EncoderDelay int
	IdleTitle    string // the title while there is nothing to play
	Logger       *slog.Logger
	Problems     *Problems // where trouble with tracks is reported; nil = none
	// OnAir, when set, hears of each track (and of silence) as it goes on
	// air. It runs on the audio loop: it must return at once, never wait.
	OnAir func(NowPlaying)
	// Talk is the talk-over mixer's starting settings; nil = the music at
	// full level whether or not anyone talks.
	Talk *TalkSettings
	// Mic and Live are the microphone and the live DJ's channels; nil =
	// none. Live takes over from the AutoDJ with a crossfade while it
	// plays.
	Mic, Live *Feed
	// LiveGrace is how long a live show may go quiet (a stalled encoder)
	// before the AutoDJ comes back; 0 = 2 s.
	LiveGrace time.Duration
	// DeadAirDB is the output peak level, in dBFS, under which the
	// station is silent; DeadAirAfter is how long the silence may last
	// before the AutoDJ skips the track, or a live show that sends only
	// silence loses the air until it sends sound again. 0 = never.
	DeadAirDB    float64
	DeadAirAfter time.Duration
	// OnDeadAir, when set, hears of each dead air the engine acts on. It
	// runs on the audio loop: it must return at once, never wait.
	OnDeadAir func(DeadAir)
	// FirstTrackWait bounds how long Run waits for the first track when
	// the track source is an Awaiter still opening it; 0 = 2 s. Past it
	// the station goes on air with silence until the track is ready.
	FirstTrackWait time.Duration
	// Taps get each block of the mix and its titles beside the encoder:
	// the station's further outputs.
	Taps []Tap
	// Now is the clock; nil = time.Now. Tests replace it and Sleep.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) bool
}

// Engine is one station's audio loop.
type Engine struct {
	cfg    Config
	tracks TrackSource
	enc    Encoder
	sink   FrameSink

	skip     chan struct{}
	wakeup   chan struct{}
	talk     talkControl
	now      atomic.Pointer[NowPlaying]
	produced atomic.Int64 // frames of audio produced since Run started

	liveTitle atomic.Pointer[string]
	idleTitle atomic.Pointer[string] // cfg.IdleTitle until SetIdleTitle
	meters    meterLevels
	dead      deadAirGuard

	// Loop state, touched only by Run's goroutine.
	music, mic   fader
	ch           channels
	wakeable     bool // the sleep may be cut short by a control change
	eager        int  // blocks still to make at once after a control change
	cur, next    *deck
	fadeLen      int // frames in the transition under way; -1 = none
	fadePos      int
	lookahead    int
	out, a, b    []float32
	lim          *limiter
	trim         int // samples at the start of e.out the encoder must not get
	mp3          []byte
	split        *frames.Splitter
	emit         func([]byte)
	emitted      int64 // samples per channel in frames handed to the sink
	titles       [4]titleAt
	nTitles      int
	idleSince    int64 // produced frame count when the engine went idle; -1 = not idle
	idleAnnounce bool
	clockNow     time.Time
	frameSamples int64 // samples per channel in each MP3 frame
	batch        time.Duration
	timer        *time.Timer
}

// titleAt is a title to set when the stream reaches a sample.
type titleAt struct {
	at int64 // output sample (per channel) where the track's audio starts
	np *NowPlaying
}

// eagerBlocks is how many blocks beyond the first are made at once after
// a control change: enough for the encoder's lag (LAME gives out a frame
// about three blocks after the audio went in) to let the change out.
const eagerBlocks = 4

// New makes an engine; Run starts it.
func New(cfg Config, tracks TrackSource, enc Encoder, sink FrameSink) *Engine {
	if cfg.SampleRate <= 0 {
		cfg.SampleRate = 44100
	}
	if cfg.Lead <= 0 {
		cfg.Lead = 200 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	// The feeds time their producers on the engine's clock.
	for _, f := range []*Feed{cfg.Mic, cfg.Live} {
		if f != nil {
			f.clock = cfg.Now
		}
	}
	if cfg.LiveGrace <= 0 {
		cfg.LiveGrace = 2 * time.Second
	}
	if cfg.FirstTrackWait <= 0 {
		cfg.FirstTrackWait = 2 * time.Second
	}
	e := &Engine{
		cfg: cfg, tracks: tracks, enc: enc, sink: sink,
		skip:      make(chan struct{}, 1),
		wakeup:    make(chan struct{}, 1),
		fadeLen:   -1,
		lookahead: int(cfg.Crossfade.Seconds() * float64(cfg.SampleRate)),
		out:       make([]float32, 2*BlockFrames),
		a:         make([]float32, 2*BlockFrames),
		b:         make([]float32, 2*BlockFrames),
		lim:       newLimiter(cfg.SampleRate),
		mp3:       make([]byte, 0, 16<<10),
		split:     frames.NewSplitter(frames.MP3, 0),
		idleSince: -1,
	}
	e.emit = e.writeFrame
	// The limiter's output lags by its look-ahead: at the start that lag
	// is silence in front of the first track, so it never reaches the
	// encoder, and the stream is the mix sample for sample.
	e.trim = 2 * e.lim.ahead
	e.ch = newChannels(cfg)
	e.dead = newDeadAirGuard(cfg)
	e.batch = e.cfg.Lead / 2
	// Every frame of a CBR stream holds the same number of samples: 1152
	// for MPEG-1 (32 kHz and up), 576 below.
	e.frameSamples = BlockFrames
	if cfg.SampleRate < 32000 {
		e.frameSamples = BlockFrames / 2
	}
	if e.cfg.Sleep == nil {
		e.cfg.Sleep = e.sleep
	}
	e.now.Store(&NowPlaying{Idle: true, Title: cfg.IdleTitle})
	talk := TalkSettings{MusicLevel: 1, BGLevel: 1, MicLevel: 1}
	if cfg.Talk != nil {
		talk = *cfg.Talk
	}
	e.talk.settings.Store(&talk)
	e.talk.lock.Store(talk.PTTOnStartup)
	// The faders start where the controls are, not ramping from silence.
	e.updateFaders()
	e.music.settle()
	e.mic.settle()
	e.publishGains()
	for i := range e.meters {
		e.meters[i][0].Store(math.Float32bits(MeterFloor))
		e.meters[i][1].Store(math.Float32bits(MeterFloor))
	}
	return e
}

// Skip crossfades to the next track. It never blocks; skips asked for
// while one is under way are merged into it.
func (e *Engine) Skip() {
	select {
	case e.skip <- struct{}{}:
	default:
	}
}

// NowPlaying is what listeners are hearing.
func (e *Engine) NowPlaying() NowPlaying { return *e.now.Load() }

// Produced is the audio produced so far.
func (e *Engine) Produced() time.Duration {
	return time.Duration(float64(e.produced.Load()) / float64(e.cfg.SampleRate) * float64(time.Second))
}

// Run plays until ctx ends.
func (e *Engine) Run(ctx context.Context) error {
	defer e.closeDecks()
	e.awaitFirst(ctx)
	rate := float64(e.cfg.SampleRate)
	// The clock starts once the first track is in hand: a wait for it is
	// not made up by a burst of blocks.
	start := e.cfg.Now()
	var frames int64
	for {
		select {
		case <-ctx.Done():
			e.sink.Flush(e.cfg.Now())
			return nil
		case <-e.skip:
			e.startSkip(frames)
		default:
		}
		e.render(frames)
		frames += BlockFrames
		e.produced.Store(frames)
		e.clockNow = e.cfg.Now()
		e.encode()

		// Pace by the samples produced, not by sleeping a fixed time per
		// block: no drift however long each block took.
		due := start.Add(time.Duration(float64(frames)/rate*float64(time.Second)) - e.cfg.Lead)
		wait := due.Sub(e.cfg.Now())
		if wait < -2*time.Second {
			// Far behind (the machine was suspended or starved): start the
			// clock again rather than rush out seconds of audio at once.
			e.cfg.Logger.Warn("audio engine fell behind; resynchronising", "component", "mixer", "behind", -wait)
			start = e.cfg.Now().Add(e.cfg.Lead - time.Duration(float64(frames)/rate*float64(time.Second)))
			continue
		}
		// Once a block takes it past the lead, sleep until it is a batch
		// under it: the engine then wakes a few times a second to make
		// several blocks, instead of once per 26 ms block (wake-ups cost
		// more than the blocks on a small machine).
		// A control change wakes the loop early, unless it is already a
		// whole lead ahead: presses in a row must not run it further.
		e.wakeable = wait < e.cfg.Lead
		if e.eager > 0 {
			// A control just changed: the encoder holds back the end of
			// what it is given, so a block or two more pushes out the
			// frames that carry the change, now rather than a batch later.
			e.eager--
			continue
		}
		if wait > 0 && !e.cfg.Sleep(ctx, wait+e.batch) {
			e.sink.Flush(e.cfg.Now())
			return nil
		}
	}
}

// mix fills e.out with the next block. frames is the output position of
// the block's first frame.
func (e *Engine) mix(frames int64) {
	out := e.out
	pos := 0
	for pos < BlockFrames {
		if e.fadeLen >= 0 {
			pos += e.crossfade(out[2*pos:])
			continue
		}
		if e.cur == nil {
			if e.cur = e.open(frames + int64(pos)); e.cur == nil {
				clear(out[2*pos:])
				e.goIdle(frames + int64(pos))
				return
			}
		}
		want := BlockFrames - pos
		e.cur.fill(e.lookahead + want)
		if e.cur.eof && e.cur.buffered() <= e.lookahead+want {
			// The track ends within reach: play up to where the crossfade
			// must begin so that it ends with the track's last sample.
			k := max(0, e.cur.buffered()-e.lookahead)
			e.cur.take(out[2*pos : 2*(pos+k)])
			pos += k
			if e.next = e.open(frames + int64(pos)); e.next != nil {
				e.beginTransition(e.cur.buffered())
				continue
			}
			// Nothing ready to fade into: play the end as it is, and take
			// the next track the moment there is one.
			n := e.cur.take(out[2*pos:])
			pos += n
			if e.cur.buffered() == 0 {
				e.endTrack()
			}
			if n == 0 {
				clear(out[2*pos:])
				return
			}
			continue
		}
		e.cur.take(out[2*pos:])
		pos = BlockFrames
	}
}

// beginTransition starts fading from the current track to e.next over n
// frames (0 = a straight cut).
func (e *Engine) beginTransition(n int) {
	e.fadeLen, e.fadePos = n, 0
}

// endTrack closes the current track, reporting why it ended early if it
// did.
func (e *Engine) endTrack() {
	if e.cur == nil {
		return
	}
	if e.cur.err != nil {
		e.report(e.cur.t.Path, e.cur.err)
	}
	e.cur.close()
	e.cur = nil
}

// startSkip crossfades from where the current track is, or cuts to
// silence when no next track is ready.
func (e *Engine) startSkip(frames int64) {
	if e.fadeLen >= 0 || e.cur == nil {
		return
	}
	e.next = e.open(frames)
	e.beginTransition(e.lookahead)
}

// crossfade mixes the transition under way into dst and returns the
// frames it wrote.
func (e *Engine) crossfade(dst []float32) int {
	n := min(len(dst)/2, e.fadeLen-e.fadePos)
	a, b := e.a[:2*n], e.b[:2*n]
	if e.cur != nil {
		e.cur.take(a)
	} else {
		clear(a)
	}
	if e.next != nil {
		e.next.take(b)
	} else {
		clear(b)
	}
	// Equal power: gains cos and sin of a quarter turn across the fade.
	// The angle advances by a rotation per frame, started exactly at each
	// block, instead of two trigonometric calls per frame.
	step := math.Pi / 2 / float64(max(e.fadeLen, 1))
	c, s := math.Cos(float64(e.fadePos)*step), math.Sin(float64(e.fadePos)*step)
	dc, ds := math.Cos(step), math.Sin(step)
	for i := range n {
		gOut, gIn := float32(c), float32(s)
		dst[2*i] = a[2*i]*gOut + b[2*i]*gIn
		dst[2*i+1] = a[2*i+1]*gOut + b[2*i+1]*gIn
		c, s = c*dc-s*ds, s*dc+c*ds
	}
	e.fadePos += n
	if e.fadePos >= e.fadeLen {
		e.endTrack()
		e.cur, e.next = e.next, nil
		e.fadeLen = -1
	}
	return n
}

// awaitFirst waits, a bounded time, for the first track when the source
// is still opening it. Otherwise the first batch of blocks, the whole
// lead, would be made at once of silence in the moment the file takes to
// open, and be the first thing listeners hear.
func (e *Engine) awaitFirst(ctx context.Context) {
	a, ok := e.tracks.(Awaiter)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, e.cfg.FirstTrackWait)
	defer cancel()
	if t := a.Await(ctx); t != nil {
		e.cur = e.load(t, 0)
	}
}

// open takes the next ready track, if any, and schedules its title for
// output frame at.
func (e *Engine) open(at int64) *deck {
	t := e.tracks.Next()
	if t == nil {
		return nil
	}
	return e.load(t, at)
}

// load makes a deck of t, its title scheduled for output frame at.
func (e *Engine) load(t *Track, at int64) *deck {
	e.idleSince = -1
	e.idleAnnounce = false
	// A track that opens while a live show takes the air is cut when the
	// show has it; the show's title stands. Should the show go before it
	// has the air, steerLive gives the track its title back.
	if !e.ch.liveOn {
		e.schedule(at, trackNowPlaying(t))
	}
	e.cfg.Logger.Info("next track", "component", "mixer", "path", t.Path, "title", t.Title)
	return newDeck(t, e.lookahead)
}

// trackNowPlaying is what listeners and the API are told of t.
func trackNowPlaying(t *Track) *NowPlaying {
	return &NowPlaying{Title: t.Title, Artist: t.Artist, Name: t.Name, Path: t.Path, Duration: t.Duration,
		TrackID: t.TrackID, PlaylistID: t.PlaylistID, Playlist: t.Playlist}
}

// SetIdleTitle changes the title listeners see the next time there is
// nothing to play (the media folders changed).
func (e *Engine) SetIdleTitle(title string) { e.idleTitle.Store(&title) }

// goIdle notes that nothing is playing; after a moment of silence the
// title says so (a slow file open is not worth announcing).
func (e *Engine) goIdle(at int64) {
	if e.idleSince < 0 {
		e.idleSince = at
	}
	if !e.idleAnnounce && at-e.idleSince >= int64(e.cfg.SampleRate) {
		e.idleAnnounce = true
		title := e.cfg.IdleTitle
		if t := e.idleTitle.Load(); t != nil {
			title = *t
		}
		e.schedule(e.idleSince, &NowPlaying{Title: title, Idle: true})
	}
}

func (e *Engine) schedule(at int64, np *NowPlaying) {
	if e.nTitles == len(e.titles) {
		// Titles pile up only when tracks fail one after the other: the
		// newest wins.
		copy(e.titles[:], e.titles[1:])
		e.nTitles--
	}
	e.titles[e.nTitles] = titleAt{at: at, np: np}
	e.nTitles++
	for _, t := range e.cfg.Taps {
		t.Title(at, np.Title)
	}
}

// encode hands the block to the encoder and its frames to the sink.
func (e *Engine) encode() {
	var err error
	pcm := e.out[e.trim:]
	e.trim = 0
	for _, t := range e.cfg.Taps {
		t.Block(pcm)
	}
	e.mp3, err = e.enc.Encode(e.mp3[:0], pcm)
	if err != nil {
		e.report("", err)
		return
	}
	e.split.Split(e.mp3, e.emit)
}

// writeFrame passes one MP3 frame to the sink, setting a pending title
// first if the frame holds the sample where its track starts.
func (e *Engine) writeFrame(f []byte) {
	end := e.emitted + e.frameSamples - int64(e.cfg.EncoderDelay)
	for e.nTitles > 0 && e.titles[0].at < end {
		np := e.titles[0].np
		np.StartedAt = e.clockNow
		e.sink.SetTitle(np.Title, "", e.clockNow)
		e.now.Store(np)
		if e.cfg.OnAir != nil {
			e.cfg.OnAir(*np)
		}
		copy(e.titles[:], e.titles[1:])
		e.nTitles--
		e.titles[e.nTitles] = titleAt{}
	}
	e.sink.WriteFrame(f, e.clockNow)
	e.emitted += e.frameSamples
}

func (e *Engine) report(path string, err error) {
	e.cfg.Logger.Warn("track problem", "component", "mixer", "path", path, "err", err)
	if e.cfg.Problems != nil {
		e.cfg.Problems.Add(path, err)
	}
}

func (e *Engine) closeDecks() {
	if e.cur != nil {
		e.cur.close()
	}
	if e.next != nil {
		e.next.close()
	}
	e.cur, e.next = nil, nil
}

// sleep waits d on one reused timer: no allocation per block.
// wakeupWhen is the wake-up channel while the loop may be woken, else
// nil (a receive from nil never happens).
func (e *Engine) wakeupWhen() <-chan struct{} {
	if e.wakeable {
		return e.wakeup
	}
	return nil
}

func (e *Engine) sleep(ctx context.Context, d time.Duration) bool {
	if e.timer == nil {
		e.timer = time.NewTimer(d)
	} else {
		e.timer.Reset(d)
	}
	select {
	case <-e.timer.C:
		return true
	case <-e.wakeupWhen():
		// A control changed: make the next blocks now, so that they carry
		// the change (the lead only grows by what is made early).
		e.timer.Stop()
		e.eager = eagerBlocks
		return true
	case <-ctx.Done():
		e.timer.Stop()
		return false
	}
}
