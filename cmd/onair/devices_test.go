//go:build !portaudio

package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestDevicesWithoutPortAudio: a build without the tag says how to get
// PortAudio and fails.
func TestDevicesWithoutPortAudio(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := realMain([]string{"devices"}, &out, &errOut); code != 1 {
		t.Fatalf("exit code %d, want 1; stderr: %s", code, errOut.String())
	}
	want := "this onair was built without PortAudio; rebuild with: go build -tags portaudio ./cmd/onair (needs the portaudio19-dev package)"
	if !strings.Contains(errOut.String(), want) {
		t.Errorf("stderr %q lacks %q", errOut.String(), want)
	}
	if out.Len() != 0 {
		t.Errorf("stdout: %q", out.String())
	}
}

// TestDevicesRejectsArguments: devices takes none.
func TestDevicesRejectsArguments(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := realMain([]string{"devices", "extra"}, &out, &errOut); code != 2 {
		t.Fatalf("exit code %d, want 2", code)
	}
}
