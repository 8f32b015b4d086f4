package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// ALSACaptureHome makes a folder whose .asoundrc defines the capture
// device name: ALSA's file plugin reading infile (raw s16le at rate Hz
// with the given channels) over the null plugin, under plug so that a
// client may ask for any format. With HOME set to the folder, ALSA, and
// PortAudio through it, see the device: a sound card for tests, without
// one. The null plugin has no clock, so the whole file is ready at once;
// the file plugin opens infile anew each time the device is opened.
func ALSACaptureHome(t testing.TB, name, infile string, rate, channels int) string {
	t.Helper()
	home := t.TempDir()
	conf := fmt.Sprintf(`pcm.%s {
	type plug
	slave {
		pcm {
			type file
			slave.pcm "null"
			file "/dev/null"
			infile %q
			format "raw"
		}
		format S16_LE
		rate %d
		channels %d
	}
}
`, name, infile, rate, channels)
	if err := os.WriteFile(filepath.Join(home, ".asoundrc"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	return home
}
