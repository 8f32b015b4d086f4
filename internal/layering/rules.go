package layering

import "strings"

// Rule forbids the packages matching From, but none of Except, to import
// those matching any of Deny, directly (tests included) or through other
// packages. A pattern is an import path, or a path ending in "/..." for it
// and everything below.
type Rule struct {
	From   string
	Except []string
	Deny   []string
	Why    string
}

// Rules are the module's import rules.
var Rules = []Rule{
	{From: "onair/codec/...", Deny: consumers, Why: "the codec layer serves the packages that play and list audio"},
	{From: "onair/dsp/...", Deny: consumers, Why: "signal processing serves the packages that play audio"},
	{From: "onair/mixer/...", Deny: []string{"onair/broadcast/..."},
		Why: "the mixer hands frames to a sink it defines; the broadcast server is one"},
	{From: "onair/broadcast/...", Deny: []string{"onair/mixer/..."},
		Why: "the broadcast server hands a live source to an input it defines; the mixer is one"},
	{From: "onair/library/...", Deny: aboveLibrary,
		Why: "the library reads files through the codec layer and serves the stations and the API"},
	{From: "onair/playlist/...", Deny: aboveLibrary,
		Why: "playlists choose from the library and serve the stations and the API"},
	{From: "onair/...", Except: []string{"onair/cmd/..."}, Deny: []string{"onair/startup"},
		Why: "startup builds the whole server; only a command runs it"},
}

// consumers are the packages above the codec layer.
var consumers = []string{"onair/broadcast/...", "onair/mixer/...", "onair/playlist/...", "onair/library/...", "onair/station/...", "onair/admin/..."}

// aboveLibrary are the packages that use the library and the playlists,
// or play what they choose.
var aboveLibrary = []string{"onair/mixer/...", "onair/broadcast/...", "onair/station/...", "onair/admin/..."}

// Match reports whether the import path matches pattern.
func Match(pattern, path string) bool {
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return path == base || strings.HasPrefix(path, base+"/")
	}
	return path == pattern
}
