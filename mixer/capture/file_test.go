package capture

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"onair/internal/leakcheck"
	"onair/internal/testenv"
)

// ramp returns n stereo frames of distinct s16 values, so that order and
// loss show.
func ramp(n, from int) []int16 {
	v := make([]int16, 2*n)
	for i := range v {
		v[i] = int16((from+i)%60000 - 30000)
	}
	return v
}

func rampBytes(v []int16) []byte {
	b := make([]byte, 2*len(v))
	for i, x := range v {
		b[2*i], b[2*i+1] = byte(x), byte(uint16(x)>>8)
	}
	return b
}

// checkRamp fails unless got is exactly want, scaled.
func checkRamp(t *testing.T, got []float32, want []int16) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d samples, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != float32(want[i])/32768 {
			t.Fatalf("sample %d: %v, want %v", i, got[i]*32768, want[i])
		}
	}
}

// TestFileIsPacedBySinkAndFollowed: a regular file goes out only as fast as
// the sink takes it (1024 frames per 10 ms here), all of it in order; at
// its end the take stops, and data appended later starts a new one.
func TestFileIsPacedBySinkAndFollowed(t *testing.T) {
	leakcheck.Check(t)
	path := filepath.Join(t.TempDir(), "mic.raw")
	first := ramp(20000, 0)
	if err := os.WriteFile(path, rampBytes(first), 0o600); err != nil {
		t.Fatal(err)
	}
	sink := &fakeSink{perCall: 1024, every: 10 * time.Millisecond}
	began := time.Now()
	startPipe(t, path, 44100, 2, 44100, sink)
	testenv.WaitFor(t, "the whole file", func() bool { return sink.frames() == 20000 })
	// 20000 frames at 1024 per 10 ms take at least 19 periods.
	if d := time.Since(began); d < 190*time.Millisecond {
		t.Errorf("the file went out in %v: not paced by the sink", d)
	}
	if sink.refusals() == 0 {
		t.Error("the sink never refused: pacing untested")
	}
	checkRamp(t, sink.audio(), first)
	testenv.WaitFor(t, "Stop at the end of the file", func() bool { return sink.count("stop") == 1 })

	// Append, with a partial frame first to show it waits for the rest.
	more := ramp(3000, 40000)
	data := rampBytes(more)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.Write(data[:5])
	time.Sleep(50 * time.Millisecond)
	f.Write(data[5:])
	testenv.WaitFor(t, "the appended audio", func() bool { return sink.frames() == 23000 })
	checkRamp(t, sink.audio(), append(first, more...))
	if h := sink.history(); h != "start,write,stop,start,write" {
		t.Errorf("events %s", h)
	}
}

// TestFileCutShortIsReadAgain: a recording started over in the same file
// (truncated, then written anew) is read from its start.
func TestFileCutShortIsReadAgain(t *testing.T) {
	leakcheck.Check(t)
	path := filepath.Join(t.TempDir(), "mic.raw")
	first := ramp(2000, 0)
	if err := os.WriteFile(path, rampBytes(first), 0o600); err != nil {
		t.Fatal(err)
	}
	sink := &fakeSink{}
	startPipe(t, path, 44100, 2, 44100, sink)
	testenv.WaitFor(t, "the file", func() bool { return sink.frames() == 2000 })
	again := ramp(500, 9000)
	if err := os.WriteFile(path, rampBytes(again), 0o600); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, "the new recording", func() bool { return sink.frames() == 2500 })
	checkRamp(t, sink.audio(), append(first, again...))
}

// TestMissingPathWarnsOnceThenFlows: a path that does not exist yet is a
// single warning; once a FIFO appears there, its audio flows.
func TestMissingPathWarnsOnceThenFlows(t *testing.T) {
	leakcheck.Check(t)
	path := filepath.Join(t.TempDir(), "later.fifo")
	sink := &fakeSink{}
	_, log := startPipe(t, path, 44100, 2, 44100, sink)
	testenv.WaitFor(t, "the warning", func() bool { return strings.Contains(log.String(), "does not exist yet") })
	time.Sleep(1200 * time.Millisecond) // at least one more try
	if n := strings.Count(log.String(), "does not exist yet"); n != 1 {
		t.Errorf("%d warnings, want 1:\n%s", n, log.String())
	}
	if !strings.Contains(log.String(), "level=WARN") {
		t.Errorf("not a warning:\n%s", log.String())
	}
	if err := mkfifoAt(path); err != nil {
		t.Fatal(err)
	}
	w := openWriter(t, path) // waits for the reader's next try
	defer w.Close()
	want := ramp(1000, 0)
	writePieces(t, w, rampBytes(want), 4096)
	testenv.WaitFor(t, "the audio", func() bool { return sink.frames() == 1000 })
	checkRamp(t, sink.audio(), want)
}

// TestNoGoroutineOutlivesRun: after a FIFO session with a writer attached
// and one gone, Run leaves nothing behind.
func TestNoGoroutineOutlivesRun(t *testing.T) {
	leakcheck.Check(t)
	path := makeFIFO(t)
	sink := &fakeSink{}
	stop, _ := startPipe(t, path, 48000, 1, 44100, sink)
	w := openWriter(t, path)
	writePieces(t, w, rampBytes(ramp(500, 0)), 4096)
	w.Close()
	testenv.WaitFor(t, "Stop", func() bool { return sink.count("stop") == 1 })
	w = openWriter(t, path)
	defer w.Close()
	writePieces(t, w, rampBytes(ramp(500, 0)), 4096)
	testenv.WaitFor(t, "the second take", func() bool { return sink.count("start") == 2 })
	stop() // while blocked on a silent writer
	// The leak check runs at cleanup, after the writer is closed.
	if sink.count("stop") != 2 {
		t.Errorf("events %s: Run should stop the take it leaves", sink.history())
	}
}
