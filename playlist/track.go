// Package playlist chooses what a station plays: the library of the media
// folders (scanned into the store, with tags, exact durations and flags
// for files that do not play), weighted playlists and their pickers, the
// rotation that picks a station's next track from its active playlists,
// and the history of plays.
package playlist

import (
	"errors"
	"fmt"
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

// Errors the library and playlists return; the API maps them to statuses.
var (
	ErrEmpty    = errors.New("no playable files") // nothing to play in a station's folders
	ErrNotFound = errors.New("not found")
	ErrInvalid  = errors.New("invalid")   // a request that breaks a rule: says which
	ErrTooLarge = errors.New("too large") // an upload over the size limit
)

// kindError is a message that matches a kind (errors.Is) without saying
// the kind's own word: the message alone is what the user reads.
type kindError struct {
	msg  string
	kind error
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

// invalidf is an ErrInvalid error with the given message.
func invalidf(format string, args ...any) error {
	return &kindError{msg: fmt.Sprintf(format, args...), kind: ErrInvalid}
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
}

// Playable reports whether the station can play the track.
func (t Track) Playable() bool { return t.Error == "" && !t.Missing }
