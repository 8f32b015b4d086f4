package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// parse is Parse for a config named onair.yaml in messages.
func parse(text string) (Config, error) {
	return Parse("onair.yaml", []byte(text))
}

func TestLoadOverlay(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want func() Config
	}{
		{"empty file", "", Default},
		{"only comments", "# nothing here\n", Default},
		{"null document", "~\n", Default},
		{"top-level key", "listen: \"127.0.0.1:9000\"\n", func() Config {
			c := Default()
			c.Listen = "127.0.0.1:9000"
			return c
		}},
		{"durations", "source_timeout: 1m30s\nheader_timeout: 500ms\n", func() Config {
			c := Default()
			c.SourceTimeout = 90 * time.Second
			c.HeaderTimeout = 500 * time.Millisecond
			return c
		}},
		{"station keeps its defaults", "stations: [{id: main, bitrate: 192}]\n", func() Config {
			c := Default()
			c.Stations[0].Bitrate = 192
			return c
		}},
		{"settings for a small machine", "stations:\n  - mp3_quality: 0\n    resampler: fast\n", func() Config {
			c := Default()
			c.Stations[0].MP3Quality = 0
			c.Stations[0].Resampler = ResamplerFast
			return c
		}},
		{"nested mixer keeps its defaults", "stations:\n  - mixer: {bg_level: 0.5}\n", func() Config {
			c := Default()
			c.Stations[0].Mixer.BgLevel = 0.5
			return c
		}},
		{"integer for a level", "stations:\n  - mixer: {bg_level: 1}\n", func() Config {
			c := Default()
			c.Stations[0].Mixer.BgLevel = 1
			return c
		}},
		{"stations list replaced", "stations:\n  - id: jazz\n    mount: /jazz\n    live_mount: /jazz-live\n", func() Config {
			c := Default()
			s := DefaultStation()
			s.ID, s.Mount, s.LiveMount = "jazz", "/jazz", "/jazz-live"
			c.Stations = []Station{s}
			return c
		}},
		{"two stations from defaults", "stations:\n  - id: a\n    mount: /a\n    live_mount: /a-live\n  - id: b\n    mount: /b\n    live_mount: /b-live\n    genre: Jazz\n", func() Config {
			c := Default()
			a, b := DefaultStation(), DefaultStation()
			a.ID, a.Mount, a.LiveMount = "a", "/a", "/a-live"
			b.ID, b.Mount, b.LiveMount, b.Genre = "b", "/b", "/b-live", "Jazz"
			c.Stations = []Station{a, b}
			return c
		}},
		{"no stations", "stations: []\nshoutcast_mount: /live\n", func() Config {
			c := Default()
			c.Stations = []Station{}
			return c
		}},
		{"media_dirs replaced", "stations:\n  - media_dirs: [/srv/a, /srv/b]\n", func() Config {
			c := Default()
			c.Stations[0].MediaDirs = []string{"/srv/a", "/srv/b"}
			return c
		}},
		{"mount starts from defaults", "mounts:\n  - path: /relay\n    metaint: 8192\n", func() Config {
			c := Default()
			c.Mounts = []Mount{{Path: "/relay", Metaint: 8192}}
			return c
		}},
		{"anchors and merge keys", "mounts:\n  - &base {path: /a, max_listeners: 5}\n  - <<: *base\n    path: /b\n", func() Config {
			c := Default()
			c.Mounts = []Mount{{Path: "/a", MaxListeners: 5}, {Path: "/b", MaxListeners: 5}}
			return c
		}},
		{"string key takes a number", "hostname: 12345\n", func() Config {
			c := Default()
			c.Hostname = "12345"
			return c
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parse(tt.yaml)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if want := tt.want(); !reflect.DeepEqual(got, want) {
				t.Fatalf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestLoadNullKeepsDefault(t *testing.T) {
	got, err := parse("stations:\nmounts:\nlisten:\n")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, Default()) {
		t.Fatalf("got %+v, want the defaults", got)
	}
}

// Every problem Load finds reads "file:line: message".
func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want string
	}{
		{"unknown top-level key", "listen: \":8000\"\nlistn: \":9000\"\n",
			"onair.yaml:2: unknown key 'listn' (did you mean 'listen'?)"},
		{"unknown key far from any", "listen: \":8000\"\nfrobnicate: 1\n",
			"onair.yaml:2: unknown key 'frobnicate'"},
		{"unknown station key", "stations:\n  - id: main\n    bitrat: 192\n",
			"onair.yaml:3: unknown key 'bitrat' in a 'stations' entry (did you mean 'bitrate'?)"},
		{"unknown mixer key", "stations:\n  - id: main\n    mixer:\n      music_level: 0.5\n      duck: true\n",
			"onair.yaml:5: unknown key 'duck' in 'mixer'"},
		{"unknown mic key", "stations:\n  - mic:\n      backend: pipe\n      file: /tmp/x\n",
			"onair.yaml:4: unknown key 'file' in 'mic'"},
		{"unknown mount key", "mounts:\n  - path: /relay\n    password: x\n",
			"onair.yaml:3: unknown key 'password' in a 'mounts' entry"},
		{"unknown key in merged mapping", "x: &x {foo: 1}\n",
			"onair.yaml:1: unknown key 'x'"},
		{"duplicate key", "listen: \":1\"\nlisten: \":2\"\n",
			"onair.yaml:2: 'listen' is given twice (first at line 1)"},
		{"string for a number", "max_listeners: lots\n",
			`onair.yaml:1: 'max_listeners' must be a whole number, not "lots"`},
		{"float for an int", "stations:\n  - bitrate: 128.5\n",
			`onair.yaml:2: 'bitrate' must be a whole number, not "128.5"`},
		{"string for a float", "stations:\n  - mixer:\n      bg_level: loud\n",
			`onair.yaml:3: 'bg_level' must be a number, not "loud"`},
		{"string for a bool", "public_metrics: yes\n",
			`onair.yaml:1: 'public_metrics' must be true or false, not "yes"`},
		{"number for a duration", "source_timeout: 10\n",
			`onair.yaml:1: 'source_timeout' must be a duration such as "10s", not "10"`},
		{"bad duration", "header_timeout: soon\n",
			`onair.yaml:1: 'header_timeout' must be a duration such as "10s", not "soon"`},
		{"mapping for a string", "hostname: {a: b}\n",
			"onair.yaml:1: 'hostname' must be a string"},
		{"scalar for a list", "stations: main\n",
			"onair.yaml:1: 'stations' must be a list"},
		{"scalar for a list entry", "stations:\n  - main\n",
			"onair.yaml:2: 'stations' must be a mapping of keys"},
		{"scalar for a mapping", "stations:\n  - mixer: loud\n",
			"onair.yaml:2: 'mixer' must be a mapping of keys"},
		{"list of strings", "trusted_proxies: [[1]]\n",
			"onair.yaml:1: 'trusted_proxies' must be a string"},
		{"top level not a mapping", "- a\n- b\n",
			"onair.yaml:1: the file must be a mapping of keys"},
		{"syntax error", "listen: \":8000\"\n  bad: indent\n",
			"onair.yaml:2: YAML syntax: "},
		{"unclosed flow list", "listen: \":8000\"\nstations: [{id: a}\nmounts: []\n",
			"onair.yaml:2: YAML syntax: did not find expected ',' or ']'"},
		{"tab indent", "stations:\n\t- id: a\n",
			"onair.yaml:2: YAML syntax: found character that cannot start any token"},
		{"syntax error on line 1", "listen: a: b\n",
			"onair.yaml:1: YAML syntax: mapping values are not allowed in this context"},
		{"unknown anchor", "listen: \":8000\"\nstations: *nope\n",
			"onair.yaml:2: YAML syntax: unknown anchor 'nope' referenced"},
		{"two documents", "listen: \":8000\"\n---\nlisten: \":9000\"\n",
			"onair.yaml:2: only one YAML document is allowed"},
		{"complex key", "? [a]\n: b\n",
			"onair.yaml:1: keys at the top level must be plain names"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(tt.yaml)
			if err == nil {
				t.Fatalf("Parse succeeded, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %q\nwant it to contain %q", err, tt.want)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("errors.Is(%v, ErrInvalid) = false", err)
			}
			var ce *Error
			if !errors.As(err, &ce) || ce.File != "onair.yaml" || ce.Line == 0 {
				t.Fatalf("errors.As gives %+v, want an *Error with file and line", ce)
			}
		})
	}
}

func TestLoadReportsAllProblems(t *testing.T) {
	_, err := parse("stations:\n  - bitrate: 100\n    sample_rate: 22050\nmetaint: 0\n")
	if err == nil {
		t.Fatal("Parse succeeded")
	}
	want := "onair.yaml:2: 'bitrate' must be one of 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320\n" +
		"onair.yaml:3: 'sample_rate' must be one of 32000, 44100, 48000\n" +
		"onair.yaml:4: 'metaint' must be between 1 and 65535"
	if err.Error() != want {
		t.Fatalf("err =\n%s\nwant\n%s", err, want)
	}
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "onair.yaml")
	if err := os.WriteFile(path, []byte("listen: \":9000\"\nstations:\n  - id: Main\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	want := path + `:3: 'id' must be lowercase letters, digits, '_' or '-', not "Main"`
	if err == nil || err.Error() != want {
		t.Fatalf("Load = %v, want %q", err, want)
	}

	_, err = Load(filepath.Join(dir, "missing.yaml"))
	if !errors.Is(err, os.ErrNotExist) || errors.Is(err, ErrInvalid) {
		t.Fatalf("Load(missing) = %v, want a wrapped not-exist error", err)
	}
}

// A problem with a setting the file does not give points at the nearest
// entry that it does give.
func TestLoadLineOfDefaultedSetting(t *testing.T) {
	_, err := parse("stations:\n  - id: a\n  - id: b\n")
	want := `onair.yaml:3: 'mount' "/stream" is already used by station "a"` + "\n" +
		`onair.yaml:3: 'live_mount' "/live" is already used by station "a"`
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
}
