package decode

import (
	"os"
	"testing"

	"github.com/jfreymuth/oggvorbis"
)

// TestVorbisSetupFix: libvorbis's 5.1 files trip oggvorbis (its floor 1
// with no partitions); the rebuilt setup header gets them through, and
// files that do not need it are read as they are.
func TestVorbisSetupFix(t *testing.T) {
	dir := t.TempDir()
	surround := makeSource(t, dir, "5.1.ogg", "aevalsrc=0.5*sin(2*PI*440*t)|0|0|0|0|0:s=48000:d=1:c=5.1", vorbisQ5...)
	stereo := makeTone(t, dir, "stereo.ogg", tone{rate: 44100, freqs: []float64{440, 660}, seconds: 1, amp: 0.5}, vorbisQ5...)

	open := func(path string) (*os.File, int64) {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		fi, err := f.Stat()
		if err != nil {
			t.Fatal(err)
		}
		return f, fi.Size()
	}

	f, size := open(surround)
	if _, err := oggvorbis.NewReader(f); err == nil {
		t.Log("oggvorbis reads 5.1 files itself now: the setup header fix can go")
	}
	src := newOggSource(f, 0, size)
	if len(src.head) == 0 {
		t.Fatal("5.1 file: setup header not rebuilt")
	}
	r, err := oggvorbis.NewReader(src)
	if err != nil {
		t.Fatalf("oggvorbis on the rebuilt header: %v", err)
	}
	if r.Channels() != 6 || r.Length() != 48000 {
		t.Errorf("%d channels, %d samples; want 6 and 48000", r.Channels(), r.Length())
	}

	f, size = open(stereo)
	if src := newOggSource(f, 0, size); len(src.head) != 0 {
		t.Errorf("stereo file: setup header rebuilt (%d bytes), want it as it is", len(src.head))
	}
}
