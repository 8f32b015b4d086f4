package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Load reads the YAML config file at path over Default() and validates the
// result.
//
// Keys the file leaves out keep their defaults. A list the file gives
// (stations, mounts, media_dirs, trusted_proxies) replaces the default list,
// and each entry of stations or mounts starts from DefaultStation() or
// DefaultMount(), so `stations: [{id: main, bitrate: 192}]` keeps the other
// station defaults. A key given with no value (null) keeps its default. An
// empty file gives the defaults.
//
// Unknown keys at any depth, values of the wrong type, YAML syntax errors and
// validation failures are errors. Load reports all problems it finds, each a
// *Error reading "file:line: message" (file as given in path), joined with
// errors.Join and ordered by line; the line is that of the offending key or
// value, or of the nearest enclosing entry the file gives when the setting
// itself comes from a default. If the file cannot be decoded, validation is
// not attempted. On error Load returns the zero Config.
func Load(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("load config: %w", err)
	}
	return Parse(path, data)
}

// Parse is Load for a config already in memory; file names it in errors.
func Parse(file string, data []byte) (Config, error) {
	cfg, lines, err := decode(file, data)
	if err != nil {
		return Config{}, err
	}
	if err := cfg.validate(file, lines); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// decode overlays the YAML document in data onto Default() and returns the
// result with the line of each setting the file gives.
func decode(file string, data []byte) (Config, map[string]int, error) {
	cfg := Default()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
		return cfg, map[string]int{}, nil
	} else if err != nil {
		return Config{}, nil, syntaxError(file, data, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return Config{}, nil, &Error{File: file, Line: extra.Line, Msg: "only one YAML document is allowed"}
	} else if !errors.Is(err, io.EOF) {
		return Config{}, nil, syntaxError(file, data, err)
	}

	d := newDecoder(file)
	if len(doc.Content) > 0 {
		root := doc.Content[0]
		isNull := root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null"
		switch {
		case root.Kind == yaml.MappingNode:
			d.value(root, reflect.ValueOf(&cfg).Elem(), "", "")
		case !isNull:
			d.fail(root.Line, "", `the file must be a mapping of keys such as 'listen: ":8000"'`)
		}
	}
	if err := joinErrors(d.errs); err != nil {
		return Config{}, nil, err
	}
	return cfg, d.lines, nil
}

// syntaxError turns a yaml.v3 parse error, "yaml: line 3: message", into an
// *Error with file:line.
func syntaxError(file string, data []byte, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, text, found := strings.Cut(rest, ": "); found {
			if n, err := strconv.Atoi(num); err == nil {
				line, msg = n, text
			}
		}
	}
	switch {
	case parserProblem(msg):
		// yaml.v3 gives a parser error's line 0-based (the line where the
		// broken construct starts) and leaves out line 0, while its scanner
		// errors are 1-based.
		line++
	case strings.HasPrefix(msg, "unknown anchor '"):
		// The composer reports no line: find the alias.
		name, _, _ := strings.Cut(strings.TrimPrefix(msg, "unknown anchor '"), "'")
		line = lineOf(data, "*"+name)
	case line == 0:
		// A scanner error on the first line comes without a line.
		line = 1
	}
	return &Error{File: file, Line: line, Msg: "YAML syntax: " + msg}
}

// parserProblem reports whether msg is one of yaml.v3's parser (not scanner)
// problems, which carry 0-based lines.
func parserProblem(msg string) bool {
	switch msg {
	case "did not find expected ',' or ']'",
		"did not find expected ',' or '}'",
		"did not find expected '-' indicator",
		"did not find expected <document start>",
		"did not find expected <stream-start>",
		"did not find expected key",
		"did not find expected node content",
		"found duplicate %TAG directive",
		"found duplicate %YAML directive",
		"found incompatible YAML document",
		"found undefined tag handle":
		return true
	}
	return false
}

// lineOf returns the 1-based line of the first occurrence of s in data, or 0.
func lineOf(data []byte, s string) int {
	i := bytes.Index(data, []byte(s))
	if i < 0 {
		return 0
	}
	return bytes.Count(data[:i], []byte("\n")) + 1
}
