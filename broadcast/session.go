package broadcast

import (
	"strings"
	"time"

	"onair/codec/frames"
	"onair/codec/ogg"
)

// streamFormat is what a player cannot follow a change of in mid-stream:
// the codec, the sample rate and the channel count. The zero value is a
// format not yet known.
type streamFormat struct {
	codec      frames.Codec // 0 on an Ogg stream
	ogg        ogg.Codec    // what an Ogg stream carries
	sampleRate int
	channels   int
}

// formatOf is the format a splitter found in a source's frames.
func formatOf(in frames.StreamInfo) streamFormat {
	return streamFormat{codec: in.Codec, sampleRate: in.SampleRate, channels: in.Channels}
}

// claim makes sc the mount's only writer and starts its session: a new
// listener's burst begins no earlier than the session's first chunk, and
// the title of the source before does not carry over.
func (m *Mount) claim(sc *sourceConn) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.source != nil {
		return ErrMountInUse
	}
	m.source = sc
	if m.graceTimer != nil {
		m.graceTimer.Stop()
		m.graceTimer = nil
	}
	// The writer before this one flushed and let go; the writer state is
	// this session's from here on.
	m.pending, m.curMeta, m.format = nil, nil, streamFormat{}
	m.oggHeads, m.oggNext = nil, nil
	m.gen++
	m.meta.Store(nil)
	m.problem.Store(nil)
	ch := make(chan struct{})
	m.firstAudio.Store(&ch)
	m.sessionStart.Store(m.head.Load())
	m.gone.Store(false)
	now := sc.connectedAt
	m.started.Store(&now)
	return nil
}

// setFormat tells the mount what the session's frames are, before the
// first of them is written. Listeners kept from a session of another
// format are closed where this one begins.
func (m *Mount) setFormat(f streamFormat) {
	m.format = f
	m.shownFormat.Store(&f)
}

// Codec names what the session's stream carries: "mp3", "aac", "vorbis",
// "opus" or "flac"; "" before its first audio.
func (m *Mount) Codec() string {
	f := m.shownFormat.Load()
	switch {
	case f == nil:
		return ""
	case f.codec == frames.MP3:
		return "mp3"
	case f.codec == frames.ADTS:
		return "aac"
	case f.ogg != ogg.Unknown:
		return strings.ToLower(f.ogg.String())
	}
	return ""
}

// carriesOgg reports whether the mount's source sends Ogg.
func (m *Mount) carriesOgg() bool {
	info := m.Info()
	return info != nil && isOgg(info.ContentType)
}

// waitForAudio waits up to d for the current session's first chunk, and
// reports whether it came.
func (m *Mount) waitForAudio(d time.Duration) bool {
	ch := m.firstAudio.Load()
	if m.head.Load() > m.sessionStart.Load() {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-*ch:
		return true
	case <-t.C:
		return false
	case <-m.closed:
		return false
	}
}

// release ends sc's hold on the mount. Listeners with a fallback on air
// move there at once; the others wait out the mount's grace time, so that
// a source that reconnects keeps its audience (their ICY framing carries
// on unbroken), and are then closed once they have what was published.
func (s *Server) release(m *Mount, sc *sourceConn) {
	m.mu.Lock()
	if m.source != sc {
		m.mu.Unlock()
		return
	}
	m.source = nil
	if m.Settings().Grace > 0 {
		m.graceTimer = time.AfterFunc(m.Settings().Grace, func() { s.graceOver(m) })
	}
	m.mu.Unlock()
	if m.Settings().Fallback != "" {
		s.fallBack(m)
	}
	if m.Settings().Grace <= 0 {
		s.graceOver(m)
	}
}

// graceOver lets a mount's listeners go when no source came back in time.
func (s *Server) graceOver(m *Mount) {
	m.mu.Lock()
	if m.source != nil {
		m.mu.Unlock()
		return
	}
	m.gone.Store(true)
	m.graceTimer = nil
	for _, l := range m.clients {
		l.w.poke()
	}
	m.mu.Unlock()
	s.removeIfIdle(m)
}
