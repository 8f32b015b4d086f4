package station

import (
	"fmt"
	"log/slog"
	"sync"
	"time"

	"onair/broadcast"
	"onair/dsp/resample"
	"onair/mixer"
	"onair/mixer/live"
)

// Buffers of the live and mic channels: enough to ride out a network's
// or a sound card's bursts and the engine's own batches (it makes a
// tenth of a second of blocks at a time, and a tenth more at once after
// a Push to Talk press), small enough to keep the delay short.
const (
	liveBuffer    = 400 * time.Millisecond
	liveCapacity  = 4 * time.Second
	micBuffer     = 350 * time.Millisecond
	micCapacity   = time.Second
	liveGraceTime = 2 * time.Second // a stalled show gives the air back after this
)

// liveInput takes the sources of a station's live mount: it decodes them
// into the engine's live channel.
type liveInput struct {
	rate   int
	filter resample.Quality // for a source at another rate
	feed   *mixer.Feed
	engine *mixer.Engine
	log    *slog.Logger

	mu     sync.Mutex
	refuse string // why the last live source was refused, for Info
}

// Check refuses what the mixer cannot decode, by its declared type.
func (in *liveInput) Check(contentType string) error {
	if err := live.Check(contentType); err != nil {
		in.note("refused a live source: " + err.Error())
		return err
	}
	return nil
}

// Begin starts a take on the live channel.
func (in *liveInput) Begin(info broadcast.StreamInfo) (broadcast.InputSession, error) {
	title := info.Name
	if title == "" {
		title = "Live"
	}
	in.engine.SetLiveTitle(title)
	s := &liveSession{in: in}
	s.dec = live.NewDecoder(live.Options{Rate: in.rate, Resampler: in.filter, Logger: in.log, OnTitle: in.engine.SetLiveTitle}, in.feed)
	in.feed.Start()
	in.note("")
	in.log.Info("live source connected", "type", info.ContentType, "name", info.Name, "agent", info.UserAgent)
	return s, nil
}

func (in *liveInput) note(problem string) {
	in.mu.Lock()
	in.refuse = problem
	in.mu.Unlock()
}

// problem is why the last live source was refused, if it was.
func (in *liveInput) problem() string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.refuse
}

// liveSession is one DJ's connection.
type liveSession struct {
	in  *liveInput
	dec *live.Decoder
}

func (s *liveSession) Write(p []byte) (int, error) {
	n, err := s.dec.Write(p)
	if err != nil {
		s.in.note("refused a live source: " + err.Error())
		s.in.log.Warn("live source refused", "err", err)
		return n, fmt.Errorf("live source: %w", err)
	}
	return n, nil
}

func (s *liveSession) SetTitle(title string) { s.in.engine.SetLiveTitle(title) }

func (s *liveSession) End() {
	s.dec.Close()
	s.in.feed.Stop()
	s.in.log.Info("live source gone", "format", s.dec.Format(), "underruns", s.in.feed.Underruns())
}
