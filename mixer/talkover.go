package mixer

import (
	"math"
	"sync/atomic"
	"time"
)

// TalkSettings are the talk-over mixer's levels (linear gains 0..1) and
// fade times, as the Winamp DSP's soundcard mixer has them.
type TalkSettings struct {
	MusicLevel   float64       // the music while nobody talks
	BGLevel      float64       // the music while the DJ talks
	MicLevel     float64       // the microphone while the DJ talks
	MusicFade    time.Duration // the music's ramp between MusicLevel and BGLevel
	MicFade      time.Duration // the mic's ramp between silence and MicLevel
	PTTOnStartup bool          // start with Lock on
}

// TalkState is the talk-over mixer as it is now.
type TalkState struct {
	Settings  TalkSettings
	PTT       bool // Push to Talk is held (shown pressed while Lock is on)
	Lock      bool
	Talking   bool    // talk is on: PTT or Lock
	Live      bool    // a live show has the air
	MusicGain float64 // the AutoDJ's gain at the last block: talk fader and takeover
	MicGain   float64
	LiveGain  float64 // the live show's gain: talk fader and takeover
}

// talkControl is what web requests and the audio loop share: atomics
// only, so a request never waits on the loop nor the loop on a request.
type talkControl struct {
	settings  atomic.Pointer[TalkSettings]
	ptt, lock atomic.Bool
	musicGain atomic.Uint32 // float32 bits
	micGain   atomic.Uint32
	liveGain  atomic.Uint32
	live      atomic.Bool
}

// SetTalk changes the levels and fade times; a change under way ramps
// from where it is.
func (e *Engine) SetTalk(s TalkSettings) {
	e.talk.settings.Store(&s)
	e.wake()
}

// SetPTT presses (on) or releases Push to Talk. While Lock is on, presses
// are no-ops; it reports whether talk is on afterwards.
func (e *Engine) SetPTT(on bool) bool {
	if !e.talk.lock.Load() {
		e.talk.ptt.Store(on)
		e.wake()
	}
	return e.talk.ptt.Load() || e.talk.lock.Load()
}

// SetLock latches talk on, or releases it (talk goes off with it).
func (e *Engine) SetLock(on bool) {
	e.talk.lock.Store(on)
	if !on {
		e.talk.ptt.Store(false)
	}
	e.wake()
}

// Talk reports the talk-over mixer's settings, state and gains.
func (e *Engine) Talk() TalkState {
	lock := e.talk.lock.Load()
	ptt := e.talk.ptt.Load() || lock
	return TalkState{
		Settings: *e.talk.settings.Load(), PTT: ptt, Lock: lock, Talking: ptt,
		Live:      e.talk.live.Load(),
		MusicGain: float64(math.Float32frombits(e.talk.musicGain.Load())),
		MicGain:   float64(math.Float32frombits(e.talk.micGain.Load())),
		LiveGain:  float64(math.Float32frombits(e.talk.liveGain.Load())),
	}
}

// wake cuts the loop's sleep short so that a change reaches the next
// block at once rather than at the next batch.
func (e *Engine) wake() {
	select {
	case e.wakeup <- struct{}{}:
	default:
	}
}

// updateFaders points the faders where the controls say, once a block.
func (e *Engine) updateFaders() {
	s := e.talk.settings.Load()
	talking := e.talk.ptt.Load() || e.talk.lock.Load()
	rate := float64(e.cfg.SampleRate)
	music, mic := s.MusicLevel, 0.0
	if talking {
		music, mic = s.BGLevel, s.MicLevel
	}
	e.music.rampTo(float32(music), math.Abs(s.MusicLevel-s.BGLevel), s.MusicFade, rate)
	e.mic.rampTo(float32(mic), s.MicLevel, s.MicFade, rate)
}

// fader is a gain ramping linearly towards a target at a fixed slope: a
// whole swing (span) takes the fade time, and a change of mind half way
// turns back from the current gain at the same slope, without a jump.
type fader struct {
	gain, target, step float32
	left               int // frames of ramp still to go
}

func (f *fader) rampTo(target float32, span float64, fade time.Duration, rate float64) {
	if target == f.target && (f.step != 0 || f.gain == target) {
		return
	}
	f.target = target
	d := math.Abs(float64(target - f.gain))
	frames := fade.Seconds() * rate
	if span > 0 {
		frames *= d / span
	}
	if d == 0 || frames < 1 {
		f.gain, f.step, f.left = target, 0, 0
		return
	}
	f.left = int(math.Ceil(frames))
	f.step = float32(float64(target-f.gain) / float64(f.left))
}

// settle ends any ramp at its target at once.
func (f *fader) settle() { f.gain, f.step, f.left = f.target, 0, 0 }

// apply multiplies interleaved stereo buf by the gain, ramping per frame.
func (f *fader) apply(buf []float32) {
	if f.step == 0 {
		if f.gain != 1 {
			for i := range buf {
				buf[i] *= f.gain
			}
		}
		return
	}
	for i := 0; i+1 < len(buf); i += 2 {
		if f.left > 0 {
			// The last frame lands on the target exactly, whatever the
			// rounding of the steps before it.
			if f.left--; f.left == 0 {
				f.gain, f.step = f.target, 0
			} else {
				f.gain += f.step
			}
		}
		buf[i] *= f.gain
		buf[i+1] *= f.gain
	}
}

// fill writes the gain of each of len(g) frames and moves the ramp on by
// them.
func (f *fader) fill(g []float32) {
	for i := range g {
		if f.left > 0 {
			if f.left--; f.left == 0 {
				f.gain, f.step = f.target, 0
			} else {
				f.gain += f.step
			}
		}
		g[i] = f.gain
	}
}

// advance moves the ramp on by frames without a signal to scale: a fader
// keeps time even while its channel has nothing to play.
func (f *fader) advance(frames int) {
	if f.left == 0 {
		return
	}
	if frames >= f.left {
		f.gain, f.step, f.left = f.target, 0, 0
		return
	}
	f.left -= frames
	f.gain += f.step * float32(frames)
}
