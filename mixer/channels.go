package mixer

import (
	"math"
	"sync/atomic"
)

// channels is the loop's state for the inputs beside the AutoDJ: the mic
// and the live show, the takeover between AutoDJ and live, and the meters.
type channels struct {
	mic, live     *Feed
	micBuf        []float32
	liveBuf       []float32
	talk          []float32 // the talk fader's gain for each frame of the block
	xfade         int       // frames a takeover takes
	livePos       float64   // 0 = AutoDJ only … 1 = live only
	liveOn        bool      // the live show has the air (or is taking it)
	liveHeard     int64     // output frame where live audio was last heard
	liveTitleSeen *string
	grace         int64 // frames of quiet before the AutoDJ comes back

	meter       [meterCount]meterAcc
	meterBlocks int // blocks per meter window
	meterN      int // blocks in the window so far
}

func newChannels(cfg Config) channels {
	c := channels{
		mic: cfg.Mic, live: cfg.Live,
		talk:        make([]float32, BlockFrames),
		xfade:       int(cfg.Crossfade.Seconds() * float64(cfg.SampleRate)),
		grace:       int64(cfg.LiveGrace.Seconds() * float64(cfg.SampleRate)),
		meterBlocks: max(1, cfg.SampleRate/10/BlockFrames),
	}
	if c.mic != nil {
		c.micBuf = make([]float32, 2*BlockFrames)
	}
	if c.live != nil {
		c.liveBuf = make([]float32, 2*BlockFrames)
	}
	return c
}

// SetLiveTitle sets the live show's title; it goes on air at once while
// the show is on, or when it takes over.
func (e *Engine) SetLiveTitle(title string) {
	e.liveTitle.Store(&title)
}

// render makes the block that starts at output frame frames in e.out: the
// AutoDJ and the live show, faded into each other while one takes over
// from the other, under the talk fader; the mic on top; the sum limited.
func (e *Engine) render(frames int64) {
	e.updateFaders()
	c := &e.ch
	rate := float64(e.cfg.SampleRate)
	liveAudio := c.live != nil && c.live.pull(c.liveBuf, rate)
	micAudio := c.mic != nil && c.mic.pull(c.micBuf, rate)
	if e.dead.liveMuted && (!c.live.Open() || liveAudio && e.dead.liveSounds(c.liveBuf)) {
		e.dead.liveMuted = false
		e.cfg.Logger.Info("live show sends sound again", "component", "mixer")
	}
	e.steerLive(frames, liveAudio)

	if c.livePos < 1 {
		e.mix(frames)
	} else {
		// The live show has the air: the AutoDJ is paused.
		clear(e.out)
	}
	if c.livePos == 0 && !liveAudio {
		// The AutoDJ alone: the plain path, as cheap as it was before
		// there were other channels.
		e.music.apply(e.out)
		c.meter[meterMusic].add(e.out)
	} else {
		e.mixLive()
	}
	if micAudio {
		c.meter[meterMicInput].add(c.micBuf)
		if e.mic.gain == 0 && e.mic.left == 0 {
			// Talk is off: an open mic never reaches the air.
			c.meter[meterMic].add(nil)
		} else {
			e.mic.apply(c.micBuf)
			c.meter[meterMic].add(c.micBuf)
			for i, v := range c.micBuf {
				e.out[i] += v
			}
		}
	} else {
		e.mic.advance(BlockFrames)
		c.meter[meterMicInput].add(nil)
		c.meter[meterMic].add(nil)
	}
	e.lim.process(e.out)
	e.watchDeadAir(frames, c.meter[meterOut].add(e.out))
	e.publishGains()
	e.publishMeters()
}

// mixLive sums the AutoDJ (in e.out) and the live show under the talk
// fader, with equal-power gains while one takes over from the other.
func (e *Engine) mixLive() {
	c := &e.ch
	e.music.fill(c.talk)
	step := 1.0
	if c.xfade > 0 {
		step = 1 / float64(c.xfade)
	}
	if !c.liveOn {
		step = -step
	}
	live := c.liveBuf // render calls this only for a station with a live channel
	// Levels in float32 locals: a block's sum of squares needs no more,
	// and the loop stays in registers.
	var mPeak, lPeak, mSum, lSum float32
	// Equal-power gains cos and sin of a quarter turn across the
	// takeover, advanced by a rotation per frame rather than two
	// trigonometric calls.
	ramping := c.liveOn && c.livePos < 1 || !c.liveOn && c.livePos > 0
	a, da := c.livePos*math.Pi/2, step*math.Pi/2
	cosA, sinA := math.Cos(a), math.Sin(a)
	cd, sd := math.Cos(da), math.Sin(da)
	for i := range BlockFrames {
		gA, gL := float32(cosA), float32(sinA)
		if ramping {
			c.livePos += step
			switch {
			case c.livePos >= 1:
				c.livePos, ramping, cosA, sinA = 1, false, 0, 1
			case c.livePos <= 0:
				c.livePos, ramping, cosA, sinA = 0, false, 1, 0
			default:
				cosA, sinA = cosA*cd-sinA*sd, sinA*cd+cosA*sd
			}
		}
		t := c.talk[i]
		mL, mR := e.out[2*i]*gA*t, e.out[2*i+1]*gA*t
		lL, lR := live[2*i]*gL*t, live[2*i+1]*gL*t
		mPeak = max(mPeak, abs32(mL), abs32(mR))
		lPeak = max(lPeak, abs32(lL), abs32(lR))
		mSum += mL*mL + mR*mR
		lSum += lL*lL + lR*lR
		e.out[2*i], e.out[2*i+1] = mL+lL, mR+lR
	}
	c.meter[meterMusic].merge(mPeak, mSum/2, BlockFrames)
	c.meter[meterLive].merge(lPeak, lSum/2, BlockFrames)
	if c.livePos >= 1 && c.liveOn {
		// Fully live: the AutoDJ's tracks end here, and it starts afresh
		// with the next one when the show is over.
		e.fadeLen = -1
		e.endTrack()
		if e.next != nil {
			e.next.close()
			e.next = nil
		}
	}
}

// steerLive decides, once a block, whether the live show has the air: it
// takes it when its audio arrives and gives it back when its source goes
// away or stays quiet longer than the grace time.
func (e *Engine) steerLive(frames int64, liveAudio bool) {
	c := &e.ch
	if c.live == nil {
		return
	}
	if liveAudio {
		c.liveHeard = frames
	}
	on := liveAudio || c.liveOn && frames-c.liveHeard < c.grace
	if !c.live.Open() {
		// The source left: what it sent plays out, the give-back's fade
		// timed to end with it.
		on = liveAudio && c.live.Buffered() > int64(c.xfade)
	}
	if e.dead.liveMuted {
		on = false // only silence came: the AutoDJ has the air
	}
	if on != c.liveOn {
		c.liveOn = on
		e.talk.live.Store(on)
		if on {
			e.cfg.Logger.Info("live show on air", "component", "mixer")
			c.liveTitleSeen = nil
		} else {
			e.cfg.Logger.Info("live show over; the AutoDJ plays on", "component", "mixer")
			if e.cur != nil {
				// The show went before it had the air: the track it was
				// taking over from plays on, under its own title again.
				e.schedule(frames, trackNowPlaying(e.cur.t))
			}
		}
	}
	if c.liveOn {
		if t := e.liveTitle.Load(); t != c.liveTitleSeen {
			c.liveTitleSeen = t
			title := "Live"
			if t != nil && *t != "" {
				title = *t
			}
			e.schedule(frames, &NowPlaying{Title: title, Live: true})
		}
	}
}

// publishGains shows the faders' gains to the API.
func (e *Engine) publishGains() {
	c := &e.ch
	a := c.livePos * math.Pi / 2
	gA, gL := float32(math.Cos(a)), float32(math.Sin(a))
	if c.livePos == 0 {
		gA, gL = 1, 0
	}
	e.talk.musicGain.Store(math.Float32bits(e.music.gain * gA))
	e.talk.liveGain.Store(math.Float32bits(e.music.gain * gL))
	micGain := e.mic.gain
	if c.mic == nil {
		micGain = 0 // no microphone: nothing to turn up
	}
	e.talk.micGain.Store(math.Float32bits(micGain))
}

// Meter channels.
const (
	meterMusic = iota
	meterMic
	meterLive
	meterOut
	meterMicInput
	meterCount
)

// meterAcc gathers a channel's peak and power over a window.
type meterAcc struct {
	peak  float32
	sumSq float64
	n     int
}

// add gathers buf and returns its peak.
func (m *meterAcc) add(buf []float32) float32 {
	if buf == nil {
		m.n += BlockFrames
		return 0
	}
	var p0, p1, s0, s1 float32
	for i := 0; i+1 < len(buf); i += 2 {
		a, b := buf[i], buf[i+1]
		p0, p1 = max(p0, abs32(a)), max(p1, abs32(b))
		s0 += a * a
		s1 += b * b
	}
	m.merge(max(p0, p1), (s0+s1)/2, len(buf)/2)
	return max(p0, p1)
}

// merge adds a block's peak and mean-of-channels sum of squares.
func (m *meterAcc) merge(peak, sumSq float32, frames int) {
	m.peak = max(m.peak, peak)
	m.sumSq += float64(sumSq)
	m.n += frames
}

// meterLevels holds the last window's levels for readers: dBFS as float32
// bits, peak and RMS per channel.
type meterLevels [meterCount][2]atomic.Uint32

// MeterFloor is the level reported for silence, in dBFS.
const MeterFloor = -120.0

func toDB(v float64) float64 {
	if v <= 0 {
		return MeterFloor
	}
	return max(MeterFloor, 20*math.Log10(v))
}

// publishMeters ends a window every few blocks (about a tenth of a second)
// and shows its levels.
func (e *Engine) publishMeters() {
	c := &e.ch
	if c.meterN++; c.meterN < c.meterBlocks {
		return
	}
	c.meterN = 0
	for i := range c.meter {
		m := &c.meter[i]
		rms := 0.0
		if m.n > 0 {
			rms = math.Sqrt(m.sumSq / float64(m.n))
		}
		e.meters[i][0].Store(math.Float32bits(float32(toDB(float64(m.peak)))))
		e.meters[i][1].Store(math.Float32bits(float32(toDB(rms))))
		*m = meterAcc{}
	}
}

// Level is a channel's peak and RMS level over about a tenth of a second,
// in dBFS (MeterFloor for silence).
type Level struct {
	PeakDB, RMSDB float64
}

// Meters are the channels' levels after their faders (what each adds to
// the air), the output's after the limiter, and the mic's input before its
// fader (so a DJ can check the mic before talking).
type Meters struct {
	Music, Mic, Live, Out, MicInput Level
}

// Meters reports the last window's levels.
func (e *Engine) Meters() Meters {
	get := func(i int) Level {
		return Level{
			PeakDB: float64(math.Float32frombits(e.meters[i][0].Load())),
			RMSDB:  float64(math.Float32frombits(e.meters[i][1].Load())),
		}
	}
	return Meters{Music: get(meterMusic), Mic: get(meterMic), Live: get(meterLive), Out: get(meterOut), MicInput: get(meterMicInput)}
}
