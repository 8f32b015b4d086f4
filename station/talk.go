package station

import (
	"context"
	"time"

	"onair/config"
	"onair/mixer"
)

// TalkStore keeps each station's talk-over settings as the console last
// saved them; they win over the config file's. *settings.TalkStore is
// one.
type TalkStore interface {
	// Load returns the saved settings of station, and false when none
	// were saved.
	Load(ctx context.Context, station string) (mixer.TalkSettings, bool, error)
	// Save stores station's settings.
	Save(ctx context.Context, station string, s mixer.TalkSettings) error
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

// Talk reports the talk-over mixer as it is now.
func (s *Station) Talk() mixer.TalkState { return s.engine.Talk() }

// Meters reports the channels' levels over the last tenth of a second.
func (s *Station) Meters() mixer.Meters { return s.engine.Meters() }

// ChangeTalk applies edit to the talk-over settings, saves the result
// and applies it; it takes effect at the next block, ramping from where
// the faders are. An error from edit changes nothing and is returned as
// it is.
func (s *Station) ChangeTalk(ctx context.Context, edit func(mixer.TalkSettings) (mixer.TalkSettings, error)) error {
	// One change at a time: read, change, save, apply.
	s.talkMu.Lock()
	defer s.talkMu.Unlock()
	next, err := edit(s.engine.Talk().Settings)
	if err != nil {
		return err
	}
	if s.talkStore != nil {
		if err := s.talkStore.Save(ctx, s.cfg.ID, next); err != nil {
			return err
		}
	}
	s.engine.SetTalk(next)
	return nil
}

// PushToTalk presses or releases Push to Talk (a no-op under Lock).
func (s *Station) PushToTalk(on bool) { s.engine.SetPTT(on) }

// Lock latches talk on, or releases it.
func (s *Station) Lock(on bool) { s.engine.SetLock(on) }
