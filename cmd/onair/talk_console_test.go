//go:build unix

package main

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"onair/internal/testaudio"
	"onair/internal/testenv"
)

// talkResult is the JSON line e2e/talk.mjs prints.
type talkResult struct {
	OK         bool     `json:"ok"`
	Error      string   `json:"error"`
	Steps      []string `json:"steps"`
	Talk       struct{ Down, Up int64 }
	ReleasedMS []int64  `json:"released_ms"`
	Console    []string `json:"console"`
}

// writeToneWAV writes seconds of a sine at freq and amplitude amp as a
// 48 kHz mono 16-bit WAV file, Chromium's fake microphone input.
func writeToneWAV(t *testing.T, path string, freq, amp float64, seconds int) {
	t.Helper()
	const rate = 48000
	n := rate * seconds
	b := make([]byte, 0, 44+2*n)
	b = append(b, "RIFF"...)
	b = binary.LittleEndian.AppendUint32(b, uint32(36+2*n))
	b = append(b, "WAVEfmt "...)
	b = binary.LittleEndian.AppendUint32(b, 16)
	b = binary.LittleEndian.AppendUint16(b, 1) // PCM
	b = binary.LittleEndian.AppendUint16(b, 1) // mono
	b = binary.LittleEndian.AppendUint32(b, rate)
	b = binary.LittleEndian.AppendUint32(b, 2*rate)
	b = binary.LittleEndian.AppendUint16(b, 2)
	b = binary.LittleEndian.AppendUint16(b, 16)
	b = append(b, "data"...)
	b = binary.LittleEndian.AppendUint32(b, uint32(2*n))
	b = append(b, testaudio.S16LE(testaudio.Sine(n, rate, freq, amp), 1)...)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestConsoleTalksFromTheBrowser: the console over HTTPS with a
// self-signed certificate, in headless Chromium whose fake microphone
// plays 2 kHz. Holding Push to Talk and closing the page releases talk
// (the page's lease over /talk); with "Talk from this browser" on, the
// tone is heard on air at Mic Level while Push to Talk is held and not
// before; closing that page mid-talk releases talk too. Decoded from what
// a listener of /stream receives.
func TestConsoleTalksFromTheBrowser(t *testing.T) {
	const micLevel, micAmp = 0.8, 0.5
	dir, node := testenv.E2EDir(t, "../..")
	data := t.TempDir()
	certFile, keyFile, _ := writeCert(t, data)
	tlsAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	music := t.TempDir()
	makeTones(t, music, 60, musicHz)
	yaml := fmt.Sprintf("tls_listen: %q\ntls_cert: %q\ntls_key: %q\n", tlsAddr, certFile, keyFile) +
		fmt.Sprintf("stations:\n  - id: main\n    mount: /stream\n    media_dirs: [%q]\n    crossfade_ms: 0\n", music) +
		fmt.Sprintf("    mixer: {music_level: 0.9, bg_level: 0.3, mic_level: %g, music_fade_ms: 300, mic_fade_ms: 300}\n    mic: {backend: browser}\n", micLevel)
	_, base := startAt(t, buildBinary(t), data, yaml)
	tone := filepath.Join(t.TempDir(), "tone.wav")
	writeToneWAV(t, tone, micHz, micAmp, 10)
	micOn := micLevel * refLevel(t, fmt.Sprintf("aevalsrc=%[1]g*sin(2*PI*%[2]d*t)|%[1]g*sin(2*PI*%[2]d*t):s=44100:d=3", micAmp, micHz), micHz, 1)

	rec := recordAir(t, base, 100*time.Second)
	var res talkResult
	err := testenv.RunScript(t, node, dir, "talk.mjs", 110*time.Second, &res, "https://"+tlsAddr, "admin", "adm1n", tone)
	if err != nil || !res.OK {
		t.Fatalf("the talk test failed (exit %v): %s\nsteps %v\nconsole %q", err, res.Error, res.Steps, res.Console)
	}
	if err := rec.alive(); err != nil {
		t.Fatal(err)
	}
	rec.stop()
	if m := getMixer(t, base); m.Talking {
		t.Errorf("talking after every page closed: %+v", m)
	}
	if len(res.ReleasedMS) != 2 {
		t.Fatalf("releases %v, want two", res.ReleasedMS)
	}
	for i, ms := range res.ReleasedMS {
		// The page's socket closes with the page: well under the ping
		// timeout that catches a lost network.
		if ms > 3000 {
			t.Errorf("release %d came %d ms after the page closed", i, ms)
		}
	}
	t.Logf("talk released %v ms after each page closed", res.ReleasedMS)

	audio, _, _ := rec.snapshot()
	pcm := decodeMono8k(t, audio)
	down, up := rec.posAt(time.UnixMilli(res.Talk.Down)), rec.posAt(time.UnixMilli(res.Talk.Up))
	talks := runs(testaudio.Envelope(pcm, pcmRate, micHz, envWin), micOn/4)
	t.Logf("2 kHz heard at %v s; Push to Talk held from %.2f s to %.2f s", talks, down, up)
	// The second close-while-talking also puts the tone on air, briefly.
	if len(talks) < 1 || len(talks) > 2 {
		t.Fatalf("the browser mic heard in %d runs (%v), want the held talk and the short one before the close", len(talks), talks)
	}
	run := talks[0]
	// The air reaches the listener a little after the press: the fade,
	// the encoder and the mount's burst.
	if run[0] < down-0.5 || run[0] > down+2 || run[1] < up-0.5 || run[1] > up+2.5 {
		t.Errorf("the tone on air %v, Push to Talk held %.2f–%.2f", run, down, up)
	}
	level := levelBetween(t, pcm, micHz, run[0]+1, run[1]-0.5)
	// The browser's capture path (the fake device, the AudioWorklet, the
	// resampler) may move the level a little; 2 dB is generous for it.
	checkLevel(t, "the browser mic on air", level, micOn, 2)
	if leak := levelBetween(t, pcm, micHz, run[0]-2.5, run[0]-0.5); testaudio.DB(leak/level) > -40 {
		t.Errorf("the mic before talk at %.1f dB of its level while talking, want below -40 dB", testaudio.DB(leak/level))
	}
	for _, line := range res.Console {
		if strings.Contains(line, "status of 401") {
			continue
		}
		if strings.HasPrefix(line, "pageerror") || strings.HasPrefix(line, "error") {
			t.Errorf("browser console: %s", line)
		}
	}
}
