package station

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"onair/config"
	"onair/mixer"
	"onair/store"
)

// TalkStore keeps each station's talk-over settings as the console last
// saved them; they win over the config file's.
type TalkStore struct{ st *store.Store }

// NewTalkStore keeps the settings in st.
func NewTalkStore(st *store.Store) *TalkStore { return &TalkStore{st: st} }

// Load returns the saved settings of station, and false when none were
// saved.
func (t *TalkStore) Load(ctx context.Context, station string) (mixer.TalkSettings, bool, error) {
	var s mixer.TalkSettings
	var musicMS, micMS int64
	err := t.st.DB.QueryRowContext(ctx, `SELECT music_level, bg_level, mic_level, music_fade_ms, mic_fade_ms, ptt_on_startup
		FROM mixer_settings WHERE station = ?`, station).Scan(&s.MusicLevel, &s.BGLevel, &s.MicLevel, &musicMS, &micMS, &s.PTTOnStartup)
	if errors.Is(err, sql.ErrNoRows) {
		return s, false, nil
	}
	if err != nil {
		return s, false, fmt.Errorf("load mixer settings of %s: %w", station, err)
	}
	s.MusicFade, s.MicFade = time.Duration(musicMS)*time.Millisecond, time.Duration(micMS)*time.Millisecond
	return s, true, nil
}

// Save stores station's settings.
func (t *TalkStore) Save(ctx context.Context, station string, s mixer.TalkSettings) error {
	err := t.st.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO mixer_settings (station, music_level, bg_level, mic_level, music_fade_ms, mic_fade_ms, ptt_on_startup)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (station) DO UPDATE SET music_level = excluded.music_level, bg_level = excluded.bg_level,
				mic_level = excluded.mic_level, music_fade_ms = excluded.music_fade_ms, mic_fade_ms = excluded.mic_fade_ms,
				ptt_on_startup = excluded.ptt_on_startup`,
			station, s.MusicLevel, s.BGLevel, s.MicLevel, s.MusicFade.Milliseconds(), s.MicFade.Milliseconds(), s.PTTOnStartup)
		return err
	})
	if err != nil {
		return fmt.Errorf("save mixer settings of %s: %w", station, err)
	}
	return nil
}

// talkFromConfig is the config file's mixer section as engine settings.
func talkFromConfig(m config.Mixer) mixer.TalkSettings {
	return mixer.TalkSettings{
		MusicLevel: m.MusicLevel, BGLevel: m.BgLevel, MicLevel: m.MicLevel,
		MusicFade:    time.Duration(m.MusicFadeMS) * time.Millisecond,
		MicFade:      time.Duration(m.MicFadeMS) * time.Millisecond,
		PTTOnStartup: m.PTTOnStartup,
	}
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

// ErrInvalid marks a change the mixer refuses; the message says why.
var ErrInvalid = errors.New("invalid")

// maxFadeMS is the longest fade, as on the DSP's sliders.
const maxFadeMS = 2500

// apply checks the changes and applies them to s.
func (c MixerChanges) apply(s mixer.TalkSettings) (mixer.TalkSettings, error) {
	for name, v := range map[string]*float64{"music_level": c.MusicLevel, "bg_level": c.BGLevel, "mic_level": c.MicLevel} {
		if v != nil && (*v < 0 || *v > 1 || *v != *v) {
			return s, fmt.Errorf("%w: %s %v: want a gain from 0 to 1", ErrInvalid, name, *v)
		}
	}
	for name, v := range map[string]*int{"music_fade_ms": c.MusicFadeMS, "mic_fade_ms": c.MicFadeMS} {
		if v != nil && (*v < 0 || *v > maxFadeMS) {
			return s, fmt.Errorf("%w: %s %d: want 0 to %d", ErrInvalid, name, *v, maxFadeMS)
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

// Meters reports the channels' levels.
func (s *Station) Meters() Meters {
	m := s.engine.Meters()
	return Meters{Music: levelOf(m.Music), Mic: levelOf(m.Mic), Live: levelOf(m.Live), Out: levelOf(m.Out), MicInput: levelOf(m.MicInput)}
}

// Mixer reports the talk-over mixer.
func (s *Station) Mixer() MixerState {
	t := s.engine.Talk()
	return MixerState{
		MusicLevel: t.Settings.MusicLevel, BGLevel: t.Settings.BGLevel, MicLevel: t.Settings.MicLevel,
		MusicFadeMS: t.Settings.MusicFade.Milliseconds(), MicFadeMS: t.Settings.MicFade.Milliseconds(),
		PTTOnStartup: t.Settings.PTTOnStartup, PTT: t.PTT, Lock: t.Lock, Talking: t.Talking, Live: t.Live,
		Gains:  MixerGains{Music: t.MusicGain, Mic: t.MicGain, Live: t.LiveGain},
		Meters: s.Meters(),
	}
}

// ChangeMixer applies and saves new levels or fade times; they take
// effect at the next block, ramping from where the faders are.
func (s *Station) ChangeMixer(ctx context.Context, c MixerChanges) (MixerState, error) {
	s.talkMu.Lock()
	defer s.talkMu.Unlock()
	next, err := c.apply(s.engine.Talk().Settings)
	if err != nil {
		return MixerState{}, err
	}
	if s.talkStore != nil {
		if err := s.talkStore.Save(ctx, s.cfg.ID, next); err != nil {
			return MixerState{}, err
		}
	}
	s.engine.SetTalk(next)
	return s.Mixer(), nil
}

// PushToTalk presses or releases Push to Talk (a no-op under Lock).
func (s *Station) PushToTalk(on bool) MixerState {
	s.engine.SetPTT(on)
	return s.Mixer()
}

// Lock latches talk on, or releases it.
func (s *Station) Lock(on bool) MixerState {
	s.engine.SetLock(on)
	return s.Mixer()
}
