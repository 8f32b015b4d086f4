package config

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

func TestDefaultValidates(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v", err)
	}
}

func TestDefaultListsNotNil(t *testing.T) {
	c := Default()
	if c.TrustedProxies == nil || c.Mounts == nil || c.Stations == nil {
		t.Fatalf("Default() has a nil list: %+v", c)
	}
	// Each call must return fresh slices, so callers cannot change the next
	// caller's defaults.
	c.Stations[0].MediaDirs[0] = "changed"
	if got := Default().Stations[0].MediaDirs[0]; got != "./music" {
		t.Fatalf("Default() shares slices: media_dirs[0] = %q", got)
	}
}

func TestSampleEqualsDefault(t *testing.T) {
	got, err := Load("../onair.yaml")
	if err != nil {
		t.Fatalf("Load(../onair.yaml): %v", err)
	}
	if want := Default(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Load(../onair.yaml) differs from Default():\n got %+v\nwant %+v", got, want)
	}
}

// yamlKeys returns every yaml key of struct type t and of the structs it
// holds, directly or in slices.
func yamlKeys(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		name := yamlName(f)
		if name == "" {
			continue
		}
		keys = append(keys, name)
		ft := f.Type
		if ft.Kind() == reflect.Slice {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && ft.PkgPath() == t.PkgPath() {
			keys = append(keys, yamlKeys(ft)...)
		}
	}
	return keys
}

func TestSampleListsEveryKey(t *testing.T) {
	data, err := os.ReadFile("../onair.yaml")
	if err != nil {
		t.Fatal(err)
	}
	keys := yamlKeys(reflect.TypeFor[Config]())
	if len(keys) < 40 {
		t.Fatalf("found only %d keys by reflection: %v", len(keys), keys)
	}
	for _, key := range keys {
		t.Run(key, func(t *testing.T) {
			// A key line, possibly a list entry, possibly commented out (the
			// example mount).
			re := regexp.MustCompile(`(?m)^#?\s*(- )?` + regexp.QuoteMeta(key) + `:`)
			if !re.Match(data) {
				t.Errorf("onair.yaml does not list %q", key)
			}
		})
	}
}

// The commented-out example mount in the sample must be valid when
// uncommented.
func TestSampleMountExample(t *testing.T) {
	data, err := os.ReadFile("../onair.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	i := strings.Index(text, "\n# mounts:")
	if i < 0 {
		t.Fatal("onair.yaml has no commented-out mounts example")
	}
	// The relays example follows, and replaces "relays: []" likewise.
	example := strings.Replace(text[i:], "\nrelays: []", "\n#", 1)
	// The push example follows; it is checked with the mounts'.
	example = strings.Replace(example, "\npush: []", "\n", 1)
	example = strings.ReplaceAll(example, "\n# ", "\n")
	text = strings.Replace(text[:i], "\nmounts: []", "\n", 1) + example
	c, err := Parse("onair.yaml", []byte(text))
	if err != nil {
		t.Fatalf("uncommented example: %v\n%s", err, text)
	}
	want := []Mount{{Path: "/relay", Fallback: "/stream", FallbackOverride: true}}
	if !reflect.DeepEqual(c.Mounts, want) {
		t.Fatalf("mounts = %+v, want %+v", c.Mounts, want)
	}
	if len(c.Push) != 2 || c.Push[0].Mount != "/stream" {
		t.Fatalf("push = %+v", c.Push)
	}
}

// The commented-out example outputs in the sample must be valid when
// uncommented.
func TestSampleOutputsExample(t *testing.T) {
	data, err := os.ReadFile("../onair.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	uncomment := false
	for _, line := range strings.Split(string(data), "\n") {
		switch {
		case strings.HasPrefix(line, "    outputs: []"):
			continue
		case strings.HasPrefix(line, "#   outputs:"):
			uncomment = true
		case uncomment && !strings.HasPrefix(line, "#"):
			uncomment = false
		}
		if uncomment {
			line = " " + line[1:]
		}
		out = append(out, line)
	}
	text := strings.Join(out, "\n")
	c, err := Parse("onair.yaml", []byte(text))
	if err != nil {
		t.Fatalf("uncommented example: %v\n%s", err, text)
	}
	want := []Output{{Mount: "/stream-64.mp3", Codec: CodecMP3, Bitrate: 64}, {Mount: "/stream.opus", Codec: CodecOpus, Bitrate: 96}}
	if !reflect.DeepEqual(c.Stations[0].Outputs, want) {
		t.Fatalf("outputs = %+v, want %+v", c.Stations[0].Outputs, want)
	}
}

func TestStationLoudness(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want float64
		on   bool
	}{{"-16", -16, true}, {"-23.5", -23.5, true}, {LoudnessOff, 0, false}} {
		got, on := Station{LoudnessTarget: tt.in}.Loudness()
		if got != tt.want || on != tt.on {
			t.Errorf("Loudness of %q = %v, %v; want %v, %v", tt.in, got, on, tt.want, tt.on)
		}
	}
}
