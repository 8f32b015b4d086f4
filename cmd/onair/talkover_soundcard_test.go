package main

import (
	"fmt"
	"math"
	"testing"
	"time"

	"onair/internal/testaudio"
)

// TestSoundCardMicTalksThroughALSA runs the whole sound card path of the
// binary as released (no cgo): a 2 kHz tone read by ALSA's file plugin,
// through PortAudio into the mic channel, on a station with no music.
// /stream, decoded by ffmpeg, carries the tone at Mic Level while Push to
// Talk is held, and nothing of it before or after.
func TestSoundCardMicTalksThroughALSA(t *testing.T) {
	const (
		micLevel = 0.8
		micAmp   = 0.5
		micFade  = 200 * time.Millisecond
	)
	bin := buildBinary(t)
	home := toneCardHome(t, "onair_test_card", 120, micAmp)
	code, _, errOut := onairCmd(t, bin, "", []string{"HOME=" + home}, "devices")
	requirePortAudioIn(t, errOut)
	if code != 0 {
		t.Fatalf("onair devices: exit code %d; stderr: %s", code, errOut)
	}
	// The station reads its .asoundrc from HOME, as ALSA does for anyone.
	t.Setenv("HOME", home)
	yaml := fmt.Sprintf(`stations:
  - id: main
    mount: /stream
    media_dirs: [%q]
    mixer: {mic_level: %g, mic_fade_ms: %d}
    mic: {backend: portaudio, device: "test_card", sample_rate: 48000, channels: 1}
`, t.TempDir(), micLevel, micFade.Milliseconds())
	_, base := startAt(t, bin, t.TempDir(), yaml)
	// The station puts a mono mic in both channels at full level.
	micRef := refLevel(t, fmt.Sprintf("aevalsrc=%[1]g*sin(2*PI*%[2]d*t)|%[1]g*sin(2*PI*%[2]d*t):s=44100:d=3", micAmp, micHz), micHz, 1)

	rec := recordAir(t, base, 40*time.Second)
	// The mic is read (its input meter shows the tone) but kept off the
	// air until PTT.
	wantIn := testaudio.DB(micAmp / math.Sqrt2)
	var m talkMixer
	deadline := time.Now().Add(15 * time.Second)
	for m = getMixer(t, base); math.Abs(m.Meters.MicInput.RMSDB-wantIn) > 1; m = getMixer(t, base) {
		if time.Now().After(deadline) {
			t.Fatalf("the mic's input meter never showed the tone at %.1f dB RMS: %+v", wantIn, m.Meters)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if m.Talking || m.Meters.Mic.RMSDB > -100 {
		t.Errorf("before talk: want nothing on the mic's fader: %+v", m)
	}
	time.Sleep(time.Until(rec.start.Add(4 * time.Second)))
	pressed := time.Now()
	if m := press(t, base, "ptt", true); !m.PTT || !m.Talking {
		t.Fatalf("PTT on: %+v", m)
	}
	time.Sleep(4 * time.Second)
	released := time.Now()
	if m := press(t, base, "ptt", false); m.PTT || m.Talking {
		t.Fatalf("PTT off: %+v", m)
	}
	time.Sleep(2 * time.Second)
	if err := rec.alive(); err != nil {
		t.Fatal(err)
	}
	rec.stop()
	audio, _, _ := rec.snapshot()
	pcm := decodeMono8k(t, audio)
	mic := testaudio.Envelope(pcm, pcmRate, micHz, envWin)
	micOn := micLevel * micRef

	talks := runs(mic, micOn/4)
	t.Logf("mic heard at %v s of %.2f s; PTT held from %.2f to %.2f s", talks, float64(len(pcm))/pcmRate, rec.posAt(pressed), rec.posAt(released))
	if len(talks) != 1 {
		t.Fatalf("mic heard in %d runs (%v), want 1: while PTT was held", len(talks), talks)
	}
	talk := talks[0]
	// The tone comes up when PTT is pressed, not before: the listener
	// hears it within the mic's fade and the stream's buffering of it.
	if on := rec.posAt(pressed); talk[0] < on-0.1 || talk[0] > on+1.5 {
		t.Errorf("mic heard from %.2f s; PTT pressed when %.2f s had arrived", talk[0], on)
	}
	if off := rec.posAt(released); talk[1] < off-0.1 || talk[1] > off+1.5 {
		t.Errorf("mic heard until %.2f s; PTT released when %.2f s had arrived", talk[1], off)
	}
	talking := levelBetween(t, pcm, micHz, talk[0]+0.5, talk[1]-0.3)
	checkLevel(t, "mic while talking", talking, micOn, 1)
	// Held without a gap: a block lost between the file and the air
	// would dip a 10 ms window.
	lowest := math.Inf(1)
	for _, v := range mic[int((talk[0]+0.5)*100):int((talk[1]-0.3)*100)] {
		lowest = min(lowest, v)
	}
	if testaudio.DB(lowest/talking) < -3 {
		t.Errorf("while talking the mic dips to %.1f dB of its level", testaudio.DB(lowest/talking))
	}
	if leak := levelBetween(t, pcm, micHz, 0.5, talk[0]-0.3); testaudio.DB(leak/talking) > -40 {
		t.Errorf("mic before talk at %.1f dB of its level while talking, want below -40 dB", testaudio.DB(leak/talking))
	}
	if leak := levelBetween(t, pcm, micHz, talk[1]+0.5, float64(len(pcm))/pcmRate); testaudio.DB(leak/talking) > -40 {
		t.Errorf("mic after release at %.1f dB of its level while talking, want below -40 dB", testaudio.DB(leak/talking))
	}
}
