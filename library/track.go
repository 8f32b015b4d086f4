package library

import (
	"path/filepath"
	"strings"
)

// Playable reports whether a file's name marks it as audio OnAir plays.
func Playable(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".mp3", ".ogg", ".oga":
		return true
	}
	return false
}

// Track is a file of the library, as the store knows it.
type Track struct {
	ID         int64  `json:"id"`
	Path       string `json:"path"`
	Artist     string `json:"artist"`
	Title      string `json:"title"`
	Album      string `json:"album"`
	DurationMS int64  `json:"duration_ms"`
	Format     string `json:"format"`      // "mp3" or "ogg"
	SampleRate int    `json:"sample_rate"` // Hz
	Bitrate    int    `json:"bitrate"`     // kbps; the average for VBR
	Error      string `json:"error"`       // why the file does not play; "" when it does
	Missing    bool   `json:"missing"`     // gone from disk; kept for the playlists that list it
	// Loudness, null until known: integrated loudness (LUFS) and true
	// peak (dBTP), from LoudnessSource (LoudnessMeasured or LoudnessTag).
	LoudnessLUFS   *float64 `json:"loudness_lufs"`
	TruePeakDBTP   *float64 `json:"true_peak_dbtp"`
	LoudnessSource string   `json:"loudness_source"`
}

// Playable reports whether the station can play the track.
func (t Track) Playable() bool { return t.Error == "" && !t.Missing }
