package main

import (
	"bytes"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"onair/internal/testaudio"
	"onair/internal/testenv"
)

// The signals of these tests: the AutoDJ plays a 440 Hz tone, the mic
// hears 2 kHz and live sources send 3 kHz, far enough apart for a 10 ms
// Hann window to tell them apart.
const (
	musicHz = 440
	micHz   = 2000
	liveHz  = 3000
)

// Stream facts the tests rely on: 128 kbps CBR MP3, decoded at 8 kHz.
const (
	streamBytesPerSec = 128000 / 8
	pcmRate           = 8000
	envWin            = pcmRate / 100 // 10 ms
)

// talkMixer is GET /api/stations/{id}/mixer in full.
type talkMixer struct {
	MusicLevel float64 `json:"music_level"`
	BGLevel    float64 `json:"bg_level"`
	MicLevel   float64 `json:"mic_level"`
	PTT        bool    `json:"ptt"`
	Lock       bool    `json:"lock"`
	Talking    bool    `json:"talking"`
	Live       bool    `json:"live"`
	Gains      struct{ Music, Mic, Live float64 }
	Meters     struct {
		Music    talkMeter `json:"music"`
		Mic      talkMeter `json:"mic"`
		Live     talkMeter `json:"live"`
		Out      talkMeter `json:"out"`
		MicInput talkMeter `json:"mic_input"`
	}
}

type talkMeter struct {
	PeakDB float64 `json:"peak_db"`
	RMSDB  float64 `json:"rms_db"`
}

// feedMic writes a sine of freq at amplitude amp, s16le mono at rate, to
// the FIFO at path at real time, as arecord would, until the test ends.
func feedMic(t *testing.T, path string, freq, amp float64, rate int) {
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		// Opening a FIFO for writing fails (ENXIO) until the station
		// has it open for reading.
		var f *os.File
		for tries := 0; ; tries++ {
			var err error
			if f, err = os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				break
			}
			if tries == 400 {
				t.Errorf("the station never opened the mic FIFO: %v", err)
				return
			}
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
		defer f.Close()
		err := sendPaced(stop, freq, amp, rate, func(b []byte) error {
			f.SetWriteDeadline(time.Now().Add(2 * time.Second))
			_, err := f.Write(b)
			return err
		})
		if err != nil {
			t.Errorf("writing the mic FIFO: %v", err)
		}
	}()
	t.Cleanup(func() { close(stop); <-done })
}

// sendPaced sends a sine of freq at amplitude amp, s16le mono at rate, in
// pieces of about 20 ms paced by the clock (a late tick sends more), as a
// sound card would, until stop is closed or send fails.
func sendPaced(stop <-chan struct{}, freq, amp float64, rate int, send func([]byte) error) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	start, sent := time.Now(), 0
	tone := &testaudio.Tone{Rate: float64(rate), Freq: freq, Amp: amp}
	for {
		select {
		case <-stop:
			return nil
		case <-tick.C:
		}
		due := min(int(time.Since(start).Seconds()*float64(rate))-sent, rate/10)
		if err := send(testaudio.S16LE(tone.Next(due), 1)); err != nil {
			return err
		}
		sent += due
	}
}

// talkoverStation starts the binary with one station playing a 440 Hz
// tone and the given lines added to its entry; it returns the base URL.
// The tone plays at its own level (loudness_target off): the tests measure
// the mixer's levels against it.
func talkoverStation(t *testing.T, stationYAML string) string {
	t.Helper()
	music := t.TempDir()
	makeTones(t, music, 60, musicHz)
	yaml := fmt.Sprintf("stations:\n  - id: main\n    mount: /stream\n    loudness_target: \"off\"\n    media_dirs: [%q]\n", music) + stationYAML
	_, base := startAt(t, buildBinary(t), t.TempDir(), yaml)
	return base
}

func getMixer(t *testing.T, base string) talkMixer {
	t.Helper()
	var m talkMixer
	if code := getJSON(t, "GET", base+"/api/stations/main/mixer", &m); code != 200 {
		t.Fatalf("GET mixer: %d", code)
	}
	return m
}

func press(t *testing.T, base, button string, on bool) talkMixer {
	t.Helper()
	var m talkMixer
	if code := sendJSON(t, "POST", base+"/api/stations/main/mixer/"+button, map[string]bool{"on": on}, &m); code != 200 {
		t.Fatalf("%s %v: %d", button, on, code)
	}
	return m
}

// liveSource runs ffmpeg sending a 3 kHz tone as a source client to the
// station's /live with the given codec and format arguments; it returns
// the command, already started, and its stderr.
func liveSource(t *testing.T, base string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	ffmpeg := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	u, _ := url.Parse(base)
	all := append([]string{"-v", "error", "-nostdin", "-re", "-f", "lavfi", "-i", fmt.Sprintf("sine=frequency=%d:sample_rate=44100", liveHz), "-ac", "2"}, args...)
	all = append(all, "icecast://source:s0urce@"+u.Host+"/live")
	cmd := exec.Command(ffmpeg, all...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, &stderr
}

// waitExit waits up to d for cmd to end and returns its error.
func waitExit(t *testing.T, cmd *exec.Cmd, d time.Duration) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%s still running after %v", filepath.Base(cmd.Path), d)
		return nil
	}
}

func containsTitle(titles []string, want string) bool {
	for _, s := range titles {
		if strings.Contains(s, want) {
			return true
		}
	}
	return false
}

// stationProblems is the main station's problems in GET /api/stations.
func stationProblems(t *testing.T, base string) string {
	t.Helper()
	var infos []stationInfo
	getJSON(t, "GET", base+"/api/stations", &infos)
	if len(infos) != 1 {
		t.Fatalf("/api/stations: %+v", infos)
	}
	return strings.Join(infos[0].Problems, "\n")
}
