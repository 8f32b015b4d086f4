package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// airRecorder is one listener of /stream, kept connected while a test
// runs: it keeps the MP3 bytes (ICY blocks removed), when they arrived,
// and the StreamTitles it was sent.
type airRecorder struct {
	start time.Time
	body  io.Closer
	done  chan struct{}

	mu      sync.Mutex
	audio   []byte
	marks   []airMark // after each read: audio bytes so far
	titles  []string
	maxGap  time.Duration // longest wait between reads
	readErr error
}

type airMark struct {
	at    time.Time
	bytes int
}

// recordAir connects a listener asking for ICY metadata and records
// until stop is called, limit passes, or the stream ends.
func recordAir(t *testing.T, base string, limit time.Duration) *airRecorder {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/stream", nil)
	req.Header.Set("Icy-MetaData", "1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	metaint, err := strconv.Atoi(resp.Header.Get("icy-metaint"))
	if resp.StatusCode != 200 || err != nil || metaint <= 0 {
		resp.Body.Close()
		t.Fatalf("/stream: %d, icy-metaint %q", resp.StatusCode, resp.Header.Get("icy-metaint"))
	}
	r := &airRecorder{start: time.Now(), body: resp.Body, done: make(chan struct{})}
	timer := time.AfterFunc(limit, func() { resp.Body.Close() })
	go func() {
		defer close(r.done)
		defer timer.Stop()
		r.read(resp.Body, metaint)
	}()
	t.Cleanup(func() { r.stop() })
	return r
}

// read splits the stream into audio and ICY blocks: metaint audio bytes,
// a length byte (×16), the block, and again.
func (r *airRecorder) read(body io.Reader, metaint int) {
	buf := make([]byte, 8<<10)
	audioLeft := metaint
	var meta []byte
	metaLeft := -1 // -1: not in a block
	last := r.start
	for {
		n, err := body.Read(buf)
		now := time.Now()
		r.mu.Lock()
		r.maxGap = max(r.maxGap, now.Sub(last))
		last = now
		for p := buf[:n]; len(p) > 0; {
			switch {
			case audioLeft > 0:
				k := min(audioLeft, len(p))
				r.audio = append(r.audio, p[:k]...)
				audioLeft -= k
				p = p[k:]
			case metaLeft < 0:
				metaLeft, meta = int(p[0])*16, meta[:0]
				p = p[1:]
			default:
				k := min(metaLeft, len(p))
				meta = append(meta, p[:k]...)
				metaLeft -= k
				p = p[k:]
			}
			if metaLeft == 0 {
				if title, ok := streamTitle(meta); ok {
					r.titles = append(r.titles, title)
				}
				metaLeft, audioLeft = -1, metaint
			}
		}
		r.marks = append(r.marks, airMark{now, len(r.audio)})
		if err != nil {
			r.readErr = err
			r.mu.Unlock()
			return
		}
		r.mu.Unlock()
	}
}

// streamTitle reads StreamTitle='…'; from an ICY block.
func streamTitle(meta []byte) (string, bool) {
	s := string(bytes.TrimRight(meta, "\x00"))
	_, rest, ok := strings.Cut(s, "StreamTitle='")
	if !ok {
		return "", false
	}
	title, _, ok := strings.Cut(rest, "';")
	return title, ok
}

// stop disconnects the listener and waits for the reader.
func (r *airRecorder) stop() {
	r.body.Close()
	<-r.done
}

// alive reports an error if the stream ended before stop.
func (r *airRecorder) alive() error {
	select {
	case <-r.done:
		r.mu.Lock()
		defer r.mu.Unlock()
		return fmt.Errorf("the listener's stream ended: %v", r.readErr)
	default:
		return nil
	}
}

// wallAt is when the listener received the audio at pos seconds into
// the recording; the server made it no later.
func (r *airRecorder) wallAt(pos float64) time.Time {
	b := int(pos * streamBytesPerSec)
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range r.marks {
		if m.bytes >= b {
			return m.at
		}
	}
	return time.Now()
}

// posAt is how many seconds of the recording had arrived at wall time w.
func (r *airRecorder) posAt(w time.Time) float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	b := 0
	for _, m := range r.marks {
		if m.at.After(w) {
			break
		}
		b = m.bytes
	}
	return float64(b) / streamBytesPerSec
}

func (r *airRecorder) snapshot() (audio []byte, titles []string, gap time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return bytes.Clone(r.audio), append([]string(nil), r.titles...), r.maxGap
}
