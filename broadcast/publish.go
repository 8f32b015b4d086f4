package broadcast

import (
	"fmt"
	"time"

	"onair/codec/frames"
)

// Publish claims the configured mount at path for a writer inside the
// server, a station's encoder, which then calls the mount's WriteFrame (or,
// for an Ogg type, WritePage) and SetTitle from its one goroutine. The returned function lets the mount go
// (listeners then wait out its grace time, as for a source).
func (s *Server) Publish(path string, info StreamInfo) (*Mount, func(), error) {
	m := s.Mount(path)
	if m == nil {
		return nil, nil, fmt.Errorf("publish %s: %w", path, ErrNoMount)
	}
	sc := &sourceConn{protocol: "station", connectedAt: time.Now()}
	if err := m.claim(sc); err != nil {
		return nil, nil, fmt.Errorf("publish %s: %w", path, err)
	}
	m.SetInfo(info)
	if !isOgg(info.ContentType) {
		// An Ogg writer's first page says what it carries (WritePage).
		m.setFormat(streamFormat{codec: frames.MP3, sampleRate: info.SampleRate, channels: info.Channels})
	}
	s.takeBackOnAudio(m)
	return m, func() {
		m.Flush(time.Now())
		s.release(m, sc)
	}, nil
}
