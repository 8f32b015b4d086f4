package playlist

import "errors"

// Errors the playlists and rotations return; the API maps them to
// statuses.
var (
	ErrEmpty    = errors.New("no playable files") // nothing to play in a station's folders
	ErrNotFound = errors.New("not found")
	ErrInvalid  = errors.New("invalid") // a request that breaks a rule: says which
)
