// Package station wires one station together: its music folders, the
// queue that opens the next track, the audio engine, the MP3 encoder and
// the broadcast mount the engine writes to.
package station

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"onair/broadcast"
	"onair/config"
	"onair/mixer"
	"onair/mixer/encoder"
	"onair/playlist"
)

// encoderDelay is how many samples after going into the encoder a sample
// is heard: LAME's 576 plus an MP3 decoder's 529. Titles are placed by it.
const encoderDelay = 576 + 529

// rescanEvery is how often the music folders are looked at for new files.
const rescanEvery = 10 * time.Second

// Publisher gives a station its mount; broadcast.Server is one.
type Publisher interface {
	Publish(path string, info broadcast.StreamInfo) (*broadcast.Mount, func(), error)
}

// Station is one running station.
type Station struct {
	cfg      config.Station
	log      *slog.Logger
	problems *mixer.Problems
	queue    *mixer.Queue
	engine   *mixer.Engine
	enc      encoder.Encoder
	encName  string
	mount    *broadcast.Mount
	release  func()
	onAir    atomic.Bool
	done     chan struct{}
	stopOnce sync.Once
}

// New prepares a station: its encoder is chosen (note says what was
// chosen when it is not the best, for the operator) and its mount claimed.
func New(cfg config.Station, pub Publisher, log *slog.Logger) (st *Station, note string, err error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "station", "station", cfg.ID)
	enc, note, err := encoder.New(encoder.Options{Kind: cfg.Encoder, Bitrate: cfg.Bitrate, SampleRate: cfg.SampleRate, Channels: 2})
	if err != nil {
		return nil, "", fmt.Errorf("station %s: %w", cfg.ID, err)
	}
	m, release, err := pub.Publish(cfg.Mount, broadcast.StreamInfo{
		ContentType: "audio/mpeg",
		Name:        cfg.Name,
		Genre:       cfg.Genre,
		URL:         cfg.URL,
		Description: cfg.Description,
		Public:      false,
		Bitrate:     cfg.Bitrate,
		SampleRate:  cfg.SampleRate,
		Channels:    2,
		AudioInfo:   fmt.Sprintf("ice-samplerate=%d;ice-bitrate=%d;ice-channels=2", cfg.SampleRate, cfg.Bitrate),
		UserAgent:   "OnAir AutoDJ",
	})
	if err != nil {
		enc.Close()
		return nil, "", fmt.Errorf("station %s: %w", cfg.ID, err)
	}
	problems := &mixer.Problems{}
	rate := cfg.SampleRate
	open := func(path string) (*mixer.Track, error) { return mixer.OpenFile(path, rate) }
	queue := mixer.NewQueue(playlist.NewFolder(cfg.MediaDirs, rescanEvery, 0), open, problems, log)
	eng := mixer.New(mixer.Config{
		SampleRate:   rate,
		Crossfade:    time.Duration(cfg.CrossfadeMS) * time.Millisecond,
		EncoderDelay: encoderDelay,
		IdleTitle:    IdleTitle(cfg.MediaDirs),
		Logger:       log,
		Problems:     problems,
	}, queue, enc, m)
	st = &Station{
		cfg: cfg, log: log, problems: problems, queue: queue, engine: eng,
		enc: enc, encName: enc.Name(), mount: m, release: release, done: make(chan struct{}),
	}
	return st, note, nil
}

// IdleTitle is what listeners see while there is nothing to play.
func IdleTitle(dirs []string) string {
	where := "the music folder"
	if len(dirs) > 0 {
		where = strings.Join(dirs, ", ")
	}
	return "OnAir: add music to " + where
}

// Run plays until ctx ends, then lets the mount go.
func (s *Station) Run(ctx context.Context) {
	defer close(s.done)
	s.onAir.Store(true)
	s.log.Info("station on air", "mount", s.cfg.Mount, "encoder", s.encName,
		"bitrate", s.cfg.Bitrate, "sample_rate", s.cfg.SampleRate, "media", s.cfg.MediaDirs)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.queue.Run(ctx)
	}()
	_ = s.engine.Run(ctx)
	wg.Wait()
	s.enc.Close()
	s.onAir.Store(false)
	s.release()
	s.log.Info("station off air")
}

// Done is closed once Run has returned.
func (s *Station) Done() <-chan struct{} { return s.done }

// Skip crossfades to the next track.
func (s *Station) Skip() { s.engine.Skip() }

// ID is the station's id.
func (s *Station) ID() string { return s.cfg.ID }

// Mount is the station's output mount path.
func (s *Station) Mount() string { return s.cfg.Mount }

// NowPlaying is what the station's listeners hear.
func (s *Station) NowPlaying() mixer.NowPlaying { return s.engine.NowPlaying() }

// Info describes the station for the API.
type Info struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Mount      string   `json:"mount"`
	LiveMount  string   `json:"live_mount"`
	Bitrate    int      `json:"bitrate"`
	SampleRate int      `json:"sample_rate"`
	Encoder    string   `json:"encoder"`
	OnAir      bool     `json:"on_air"`
	Problems   []string `json:"problems"`
}

// Info returns the station's description and its current problems.
func (s *Station) Info() Info {
	return Info{
		ID: s.cfg.ID, Name: s.cfg.Name, Mount: s.cfg.Mount, LiveMount: s.cfg.LiveMount,
		Bitrate: s.cfg.Bitrate, SampleRate: s.cfg.SampleRate, Encoder: s.encName,
		OnAir: s.onAir.Load(), Problems: s.problems.Strings(),
	}
}
