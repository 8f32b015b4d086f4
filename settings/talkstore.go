package settings

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"onair/mixer"
	"onair/store"
)

// TalkStore keeps each station's talk-over mixer settings (levels, fade
// times, Lock at startup) as the console last saved them, in the store's
// mixer_settings table; they win over the config file's.
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
