package settings

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Bounds of the values a PATCH may set.
const (
	maxListenersLimit = 1_000_000
	maxBandwidthLimit = 100_000_000 // kbit/s: 100 Gbit/s
	maxPerIPLimit     = 100_000
	maxName           = 200
	maxDescription    = 1000
	maxGenre          = 200
	maxURL            = 2000
	maxMediaDirs      = 32
	maxPath           = 4096
	minPassword       = 8
	maxPassword       = 72 // bcrypt reads no further
)

// Change is one key of a PATCH: not given, given as null (Reset: back to
// the file's, the environment's or the default value), or given a Value.
type Change[T any] struct {
	Given bool
	Reset bool
	Value T
}

// Patch is a PATCH /api/settings body, decoded by DecodePatch.
type Patch struct {
	MaxListeners        Change[int]
	MaxBandwidthKbps    Change[int]
	MaxConnectionsPerIP Change[int]
	SourcePassword      Change[string]
	Stations            map[string]StationPatch
	// problems are the keys DecodePatch could not read.
	problems []Problem
}

// StationPatch is one station's part of a Patch.
type StationPatch struct {
	Name        Change[string]
	Description Change[string]
	Genre       Change[string]
	URL         Change[string]
	MediaDirs   Change[[]string]
}

// Problem is a refused key: Key locates it ("max_listeners",
// "stations.main.name") and Msg says why, naming the key.
type Problem struct {
	Key string `json:"key"`
	Msg string `json:"message"`
}

// Invalid is a refused change with all its problems. It wraps
// ErrInvalid.
type Invalid struct{ Problems []Problem }

func (e *Invalid) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Msg
	}
	return strings.Join(msgs, "; ")
}

func (e *Invalid) Unwrap() error { return ErrInvalid }

// DecodePatch reads a PATCH body: an object with any of max_listeners,
// max_bandwidth_kbps, max_connections_per_ip, source_password and
// stations ({"ID": {name, description, genre, url, media_dirs}}). A key
// given as null goes back to the value from the file, the environment or
// the default. Unknown keys, keys that only the file or the environment
// set, and values of the wrong type are refused (the error wraps
// ErrInvalid); the values themselves are checked by Manager.Patch.
func DecodePatch(r io.Reader) (Patch, error) {
	var p Patch
	var top map[string]json.RawMessage
	dec := json.NewDecoder(r)
	err := dec.Decode(&top)
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.As(err, &syntax) && !errors.As(err, &typ) {
		return p, fmt.Errorf("read settings: %w", err) // the body could not be read (or was too big)
	}
	if err != nil || top == nil {
		msg := "the body must be a JSON object of settings"
		if err != nil && !errors.Is(err, io.EOF) {
			msg += ": " + err.Error()
		}
		return p, &Invalid{Problems: []Problem{{Key: "", Msg: msg}}}
	}
	if dec.More() {
		return p, &Invalid{Problems: []Problem{{Key: "", Msg: "the body must be one JSON object"}}}
	}
	for _, key := range slices.Sorted(maps.Keys(top)) {
		raw := top[key]
		switch key {
		case "max_listeners":
			p.MaxListeners = decodeChange[int](&p.problems, key, key, raw, "a whole number")
		case "max_bandwidth_kbps":
			p.MaxBandwidthKbps = decodeChange[int](&p.problems, key, key, raw, "a whole number")
		case "max_connections_per_ip":
			p.MaxConnectionsPerIP = decodeChange[int](&p.problems, key, key, raw, "a whole number")
		case "source_password":
			p.SourcePassword = decodeChange[string](&p.problems, key, key, raw, "a string")
		case "stations":
			p.Stations = decodeStations(&p.problems, raw)
		default:
			p.problems = append(p.problems, Problem{Key: key, Msg: unknownKey(key, "")})
		}
	}
	if len(p.problems) > 0 {
		return p, &Invalid{Problems: p.problems}
	}
	return p, nil
}

// unknownKey says why key cannot be changed: it is read-only, or unknown.
func unknownKey(key, station string) string {
	if station != "" {
		if slices.ContainsFunc(stationFacts, func(f stationFact) bool { return f.key == key }) {
			return fmt.Sprintf("station %s: '%s' takes effect on restart: change it in the config file", station, key)
		}
		return fmt.Sprintf("station %s: unknown setting '%s'", station, key)
	}
	if i := slices.IndexFunc(serverFacts, func(f serverFact) bool { return f.key == key }); i >= 0 {
		return fmt.Sprintf("'%s' takes effect on restart: change it in %s", key, serverFacts[i].where())
	}
	return fmt.Sprintf("unknown setting '%s'", key)
}

// decodeStations reads the stations object.
func decodeStations(problems *[]Problem, raw json.RawMessage) map[string]StationPatch {
	var byID map[string]map[string]json.RawMessage
	if err := json.Unmarshal(raw, &byID); err != nil || byID == nil {
		*problems = append(*problems, Problem{Key: "stations", Msg: `'stations' must be an object such as {"main": {"name": "…"}}`})
		return nil
	}
	out := map[string]StationPatch{}
	for _, id := range slices.Sorted(maps.Keys(byID)) {
		var sp StationPatch
		if byID[id] == nil {
			*problems = append(*problems, Problem{Key: "stations." + id, Msg: fmt.Sprintf("station %s: must be an object of settings", id)})
			continue
		}
		for _, key := range slices.Sorted(maps.Keys(byID[id])) {
			raw := byID[id][key]
			where := "stations." + id + "." + key
			shown := fmt.Sprintf("station %s: '%s'", id, key)
			switch key {
			case "name":
				sp.Name = decodeChange[string](problems, where, shown, raw, "a string")
			case "description":
				sp.Description = decodeChange[string](problems, where, shown, raw, "a string")
			case "genre":
				sp.Genre = decodeChange[string](problems, where, shown, raw, "a string")
			case "url":
				sp.URL = decodeChange[string](problems, where, shown, raw, "a string")
			case "media_dirs":
				sp.MediaDirs = decodeChange[[]string](problems, where, shown, raw, "a list of folders")
			default:
				*problems = append(*problems, Problem{Key: where, Msg: unknownKey(key, id)})
			}
		}
		out[id] = sp
	}
	return out
}

// decodeChange reads one key's raw value. where locates it in problems;
// shown names it in messages (quoted unless it names a station's key
// already); what says what the value must be.
func decodeChange[T any](problems *[]Problem, where, shown string, raw json.RawMessage, what string) Change[T] {
	if string(raw) == "null" {
		return Change[T]{Given: true, Reset: true}
	}
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		if !strings.HasPrefix(shown, "station ") {
			shown = "'" + shown + "'"
		}
		*problems = append(*problems, Problem{Key: where, Msg: fmt.Sprintf("%s must be %s (or null for the config file's value)", shown, what)})
		return Change[T]{}
	}
	return Change[T]{Given: true, Value: v}
}

// hasControl reports whether s has control characters, which would break
// the response headers station names go into.
func hasControl(s string) bool { return strings.ContainsFunc(s, unicode.IsControl) }

// textProblem checks a free text of at most max characters.
func textProblem(max int) func(string) string {
	return func(s string) string {
		switch {
		case utf8.RuneCountInString(s) > max:
			return fmt.Sprintf("must be at most %d characters", max)
		case hasControl(s):
			return "must not contain line breaks or other control characters"
		}
		return ""
	}
}

// nameProblem checks a station's name.
func nameProblem(s string) string {
	if strings.TrimSpace(s) == "" {
		return "must not be empty"
	}
	return textProblem(maxName)(s)
}

// urlProblem checks a station's web site: "" or an http(s) URL.
func urlProblem(s string) string {
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		len(s) > maxURL || hasControl(s) || strings.ContainsAny(s, " \t") {
		return fmt.Sprintf("must be an http:// or https:// address such as https://radio.example.org, not %q", s)
	}
	return ""
}

// passwordProblem checks a new source password.
func passwordProblem(pw string) string {
	switch {
	case utf8.RuneCountInString(pw) < minPassword:
		return fmt.Sprintf("'source_password' must have at least %d characters", minPassword)
	case len(pw) > maxPassword:
		return fmt.Sprintf("'source_password' must have at most %d bytes", maxPassword)
	case hasControl(pw):
		return "'source_password' must not contain control characters"
	case strings.TrimSpace(pw) != pw:
		// SHOUTcast v1 sends the password as a line, which is trimmed.
		return "'source_password' must not start or end with a space"
	}
	return ""
}

// checkDirs checks new media folders and returns them cleaned. Each must
// be an absolute path (a relative one would depend on the folder the
// server was started from, which the console does not show) to an
// existing folder.
func checkDirs(dirs []string) ([]string, []string) {
	if len(dirs) == 0 || len(dirs) > maxMediaDirs {
		return nil, []string{fmt.Sprintf("must list 1 to %d folders", maxMediaDirs)}
	}
	var out, problems []string
	for _, d := range dirs {
		switch {
		case d == "":
			problems = append(problems, "entries must not be empty")
			continue
		case len(d) > maxPath || hasControl(d):
			problems = append(problems, fmt.Sprintf("%q is not a usable path", d))
			continue
		case !filepath.IsAbs(d):
			problems = append(problems, fmt.Sprintf("%q must be an absolute path such as /srv/music", d))
			continue
		}
		clean := filepath.Clean(d)
		fi, err := os.Stat(clean)
		switch {
		case errors.Is(err, os.ErrNotExist):
			problems = append(problems, fmt.Sprintf("%q does not exist on the server", d))
		case err != nil:
			problems = append(problems, fmt.Sprintf("%q cannot be read: %v", d, errors.Unwrap(err)))
		case !fi.IsDir():
			problems = append(problems, fmt.Sprintf("%q is not a folder", d))
		case !slices.Contains(out, clean):
			out = append(out, clean)
		}
	}
	return out, problems
}

// sortedKeys are m's keys in order, so that problems come in a stable
// order.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
