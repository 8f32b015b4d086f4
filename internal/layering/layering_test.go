package layering

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// pkg is what go list says of a package.
type pkg struct {
	ImportPath   string
	Imports      []string
	TestImports  []string
	XTestImports []string
	Deps         []string // every package it depends on, transitively
}

// check returns a line for each import a rule forbids, and an error for a
// rule that matches no package (its From was renamed or moved).
func check(rules []Rule, pkgs []pkg) ([]string, error) {
	var bad []string
	for _, r := range rules {
		matched := false
		for _, p := range pkgs {
			if !Match(r.From, p.ImportPath) || slices.ContainsFunc(r.Except, func(e string) bool { return Match(e, p.ImportPath) }) {
				continue
			}
			matched = true
			direct := slices.Concat(p.Imports, p.TestImports, p.XTestImports)
			for _, dep := range slices.Concat(direct, p.Deps) {
				for _, deny := range r.Deny {
					if !Match(deny, dep) {
						continue
					}
					how := "imports"
					if !slices.Contains(direct, dep) {
						how = "depends on"
					}
					line := fmt.Sprintf("%s %s %s: %s", p.ImportPath, how, dep, r.Why)
					if !slices.Contains(bad, line) {
						bad = append(bad, line)
					}
				}
			}
		}
		if !matched {
			return bad, fmt.Errorf("rule for %s matches no package", r.From)
		}
	}
	return bad, nil
}

// TestRules checks every package of the module against Rules.
func TestRules(t *testing.T) {
	pkgs := list(t)
	bad, err := check(Rules, pkgs)
	for _, line := range bad {
		t.Error(line)
	}
	if err != nil {
		t.Error(err)
	}
}

// TestCheck makes sure check finds what the rules forbid.
func TestCheck(t *testing.T) {
	pkgs := []pkg{
		{ImportPath: "onair/codec/mpeg"},
		{ImportPath: "onair/codec/vorbis", TestImports: []string{"onair/mixer/live"}},
		{ImportPath: "onair/dsp/resample", Imports: []string{"onair/codec/ogg"}, Deps: []string{"onair/codec/ogg", "onair/station"}},
		{ImportPath: "onair/mixer", Imports: []string{"onair/broadcast"}},
		{ImportPath: "onair/broadcast", Imports: []string{"onair/codec/frames"}},
		{ImportPath: "onair/playlist", XTestImports: []string{"onair/mixer/decode"}},
		{ImportPath: "onair/library", Imports: []string{"onair/codec/mpeg"}, Deps: []string{"onair/codec/mpeg", "onair/station"}},
		{ImportPath: "onair/mixerx", Imports: []string{"onair/broadcast"}},
		{ImportPath: "onair/admin", Imports: []string{"onair/startup"}},
		{ImportPath: "onair/cmd/onair", Imports: []string{"onair/startup"}},
		{ImportPath: "onair/startup"},
	}
	bad, err := check(Rules, pkgs)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"onair/codec/vorbis imports onair/mixer/live: " + Rules[0].Why,
		"onair/dsp/resample depends on onair/station: " + Rules[1].Why,
		"onair/mixer imports onair/broadcast: " + Rules[2].Why,
		"onair/library depends on onair/station: " + Rules[4].Why,
		"onair/playlist imports onair/mixer/decode: " + Rules[5].Why,
		"onair/admin imports onair/startup: " + Rules[6].Why,
	}
	if !slices.Equal(bad, want) {
		t.Errorf("check found\n%q\nwant\n%q", bad, want)
	}
	if _, err := check([]Rule{{From: "onair/gone/..."}}, pkgs); err == nil {
		t.Error("a rule matching no package passes")
	}
}

func TestMatch(t *testing.T) {
	for _, tt := range []struct {
		pattern, path string
		want          bool
	}{
		{"onair/mixer/...", "onair/mixer", true},
		{"onair/mixer/...", "onair/mixer/live", true},
		{"onair/mixer/...", "onair/mixerx", false},
		{"onair/mixer", "onair/mixer/live", false},
		{"onair/mixer", "onair/mixer", true},
	} {
		if got := Match(tt.pattern, tt.path); got != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.pattern, tt.path, got, tt.want)
		}
	}
}

// list runs go list over the module.
func list(t *testing.T) []pkg {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "list", "-json=ImportPath,Imports,TestImports,XTestImports,Deps", "./...")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.Bytes())
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found %d packages", len(pkgs))
	}
	return pkgs
}

// moduleRoot returns the folder of the go.mod above the test's.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the test")
		}
		dir = parent
	}
}
