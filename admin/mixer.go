package admin

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"path"
	"time"

	"onair/mixer"
	"onair/station"
)

func (a *API) station(r *http.Request) (*station.Station, error) {
	st := a.stations.Get(r.PathValue("id"))
	if st == nil {
		return nil, apiErr(ErrNotFound, "no station "+r.PathValue("id"))
	}
	return st, nil
}

func (a *API) getMixer(w http.ResponseWriter, r *http.Request) error {
	st, err := a.station(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, mixerState(st))
	return nil
}

func (a *API) patchMixer(w http.ResponseWriter, r *http.Request) error {
	st, err := a.station(r)
	if err != nil {
		return err
	}
	var c MixerChanges
	if err := readJSON(w, r, &c); err != nil {
		return err
	}
	err = st.ChangeTalk(r.Context(), c.apply)
	if errors.Is(err, errInvalidMixer) {
		return apiErr(ErrBadRequest, err.Error())
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, mixerState(st))
	return nil
}

// onOff is the body of POST …/mixer/ptt and …/mixer/lock.
type onOff struct {
	On *bool `json:"on"`
}

func readOnOff(w http.ResponseWriter, r *http.Request) (bool, error) {
	var b onOff
	if err := readJSON(w, r, &b); err != nil {
		return false, err
	}
	if b.On == nil {
		return false, apiErr(ErrBadRequest, `want {"on":true} or {"on":false}`)
	}
	return *b.On, nil
}

func (a *API) ptt(w http.ResponseWriter, r *http.Request) error {
	return a.switchMixer(w, r, (*station.Station).PushToTalk)
}

func (a *API) lock(w http.ResponseWriter, r *http.Request) error {
	return a.switchMixer(w, r, (*station.Station).Lock)
}

// switchMixer reads {"on": …} and throws the station's switch with it.
func (a *API) switchMixer(w http.ResponseWriter, r *http.Request, throw func(*station.Station, bool)) error {
	st, err := a.station(r)
	if err != nil {
		return err
	}
	on, err := readOnOff(w, r)
	if err != nil {
		return err
	}
	a.log.Info("mixer switch", "component", "admin", "station", st.ID(), "switch", path.Base(r.URL.Path), "on", on, "by", actor(r))
	throw(st, on)
	writeJSON(w, http.StatusOK, mixerState(st))
	return nil
}

// MixerChanges are the settings a PATCH may change; nil fields stay.
type MixerChanges struct {
	MusicLevel   *float64 `json:"music_level"`
	BGLevel      *float64 `json:"bg_level"`
	MicLevel     *float64 `json:"mic_level"`
	MusicFadeMS  *int     `json:"music_fade_ms"`
	MicFadeMS    *int     `json:"mic_fade_ms"`
	PTTOnStartup *bool    `json:"ptt_on_startup"`
}

// errInvalidMixer marks a change the mixer refuses; the message says why.
var errInvalidMixer = errors.New("invalid")

// maxFadeMS is the longest fade, as on the DSP's sliders.
const maxFadeMS = 2500

// apply checks the changes and applies them to s; station.ChangeTalk
// calls it with the settings as they are.
func (c MixerChanges) apply(s mixer.TalkSettings) (mixer.TalkSettings, error) {
	for name, v := range map[string]*float64{"music_level": c.MusicLevel, "bg_level": c.BGLevel, "mic_level": c.MicLevel} {
		if v != nil && (*v < 0 || *v > 1 || *v != *v) {
			return s, fmt.Errorf("%w: %s %v: want a gain from 0 to 1", errInvalidMixer, name, *v)
		}
	}
	for name, v := range map[string]*int{"music_fade_ms": c.MusicFadeMS, "mic_fade_ms": c.MicFadeMS} {
		if v != nil && (*v < 0 || *v > maxFadeMS) {
			return s, fmt.Errorf("%w: %s %d: want 0 to %d", errInvalidMixer, name, *v, maxFadeMS)
		}
	}
	if c.MusicLevel != nil {
		s.MusicLevel = *c.MusicLevel
	}
	if c.BGLevel != nil {
		s.BGLevel = *c.BGLevel
	}
	if c.MicLevel != nil {
		s.MicLevel = *c.MicLevel
	}
	if c.MusicFadeMS != nil {
		s.MusicFade = time.Duration(*c.MusicFadeMS) * time.Millisecond
	}
	if c.MicFadeMS != nil {
		s.MicFade = time.Duration(*c.MicFadeMS) * time.Millisecond
	}
	if c.PTTOnStartup != nil {
		s.PTTOnStartup = *c.PTTOnStartup
	}
	return s, nil
}

// MixerState is GET /api/stations/{id}/mixer.
type MixerState struct {
	MusicLevel   float64    `json:"music_level"`
	BGLevel      float64    `json:"bg_level"`
	MicLevel     float64    `json:"mic_level"`
	MusicFadeMS  int64      `json:"music_fade_ms"`
	MicFadeMS    int64      `json:"mic_fade_ms"`
	PTTOnStartup bool       `json:"ptt_on_startup"`
	PTT          bool       `json:"ptt"`
	Lock         bool       `json:"lock"`
	Talking      bool       `json:"talking"`
	Live         bool       `json:"live"` // a live DJ has the air
	Gains        MixerGains `json:"gains"`
	Meters       Meters     `json:"meters"`
}

// MixerGains are the channels' gains now: the talk fader and, for the
// music and the live show, the takeover between them.
type MixerGains struct {
	Music float64 `json:"music"`
	Mic   float64 `json:"mic"`
	Live  float64 `json:"live"`
}

// Meters are the channels' levels over the last tenth of a second: each
// channel after its fader, the output after the limiter, and the mic's
// input before its fader (to check a mic before talking).
type Meters struct {
	Music    Level `json:"music"`
	Mic      Level `json:"mic"`
	Live     Level `json:"live"`
	Out      Level `json:"out"`
	MicInput Level `json:"mic_input"`
}

// Level is a peak and an RMS level in dBFS (-120 for silence).
type Level struct {
	PeakDB float64 `json:"peak_db"`
	RMSDB  float64 `json:"rms_db"`
}

func levelOf(l mixer.Level) Level {
	round := func(v float64) float64 { return math.Round(v*10) / 10 }
	return Level{PeakDB: round(l.PeakDB), RMSDB: round(l.RMSDB)}
}

// mixerState is a station's talk-over mixer as the API shows it.
func mixerState(st *station.Station) MixerState {
	t := st.Talk()
	return MixerState{
		MusicLevel: t.Settings.MusicLevel, BGLevel: t.Settings.BGLevel, MicLevel: t.Settings.MicLevel,
		MusicFadeMS: t.Settings.MusicFade.Milliseconds(), MicFadeMS: t.Settings.MicFade.Milliseconds(),
		PTTOnStartup: t.Settings.PTTOnStartup, PTT: t.PTT, Lock: t.Lock, Talking: t.Talking, Live: t.Live,
		Gains:  MixerGains{Music: t.MusicGain, Mic: t.MicGain, Live: t.LiveGain},
		Meters: metersOf(st),
	}
}

// metersOf is a station's meters as the API shows them.
func metersOf(st *station.Station) Meters {
	m := st.Meters()
	return Meters{Music: levelOf(m.Music), Mic: levelOf(m.Mic), Live: levelOf(m.Live), Out: levelOf(m.Out), MicInput: levelOf(m.MicInput)}
}

// stationTalker is a station's Push to Talk as the sockets use it.
type stationTalker struct{ st *station.Station }

func (t stationTalker) PushToTalk(on bool) MixerState {
	t.st.PushToTalk(on)
	return mixerState(t.st)
}

func (t stationTalker) Mixer() MixerState { return mixerState(t.st) }
