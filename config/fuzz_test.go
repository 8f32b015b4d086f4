package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad checks that Load never panics, that every problem it reports is
// an *Error naming the file and a line, and that whatever it accepts also validates.
// Seeds: the sample onair.yaml, the inputs below and testdata/fuzz/FuzzLoad.
func FuzzLoad(f *testing.F) {
	if sample, err := os.ReadFile("../onair.yaml"); err == nil {
		f.Add(sample)
	}
	for _, s := range []string{
		"",
		"listen: \":0\"\nstations: [{id: a, bitrate: 192}]\n",
		"mounts:\n  - &m {path: /a, fallback: /b}\n  - <<: *m\n    path: /b\n    fallback: /a\n",
		"stations:\n  - mixer: {bg_level: .nan}\n    mic: {backend: pipe}\n",
		"shoutcast_port: [1]\nsource_timeout: 10\n",
		"a: &a [*a]\n",
		"--- \n...\n---\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "onair.yaml")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Load(path)
		if err != nil {
			for _, e := range flatten(err) {
				var ce *Error
				if !errors.As(e, &ce) || ce.File != path || ce.Line <= 0 {
					t.Fatalf("Load error %q is not an *Error naming the file and a line", e)
				}
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Load accepted a config that Validate rejects: %v", err)
		}
	})
}

// flatten lists the errors joined in err.
func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
