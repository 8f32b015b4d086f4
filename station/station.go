// Package station wires one station together and runs it: its music
// folders and the rotation that picks from them, the queue that opens
// the next track, the audio engine with its talk-over mixer, microphone
// and live input, the MP3 encoder and the broadcast mount the engine
// writes to; and the Set of the server's stations. What drives a station
// from a page (the API, its mic and talk WebSockets) is in admin; its
// saved settings are in settings.
package station

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"onair/broadcast"
	"onair/codec/mp3enc"
	"onair/codec/opus"
	"onair/config"
	"onair/dsp/resample"
	"onair/library"
	"onair/mixer"
	"onair/mixer/capture"
	"onair/playlist"
)

// encoderDelay is how many samples after going into the encoder a sample
// is heard: LAME's 576 plus an MP3 decoder's 529. Titles are placed by it.
const encoderDelay = 576 + 529

// Publisher gives a station its mount and the sources of its live mount;
// broadcast.Server is one.
type Publisher interface {
	Publish(path string, info broadcast.StreamInfo) (*broadcast.Mount, func(), error)
	AttachInput(path string, in broadcast.Input) (func(), error)
}

// Library is what a station reads of the library; *library.Library is
// one.
type Library interface {
	playlist.TrackIndex
	// Flagged lists tracks in dirs whose files do not play.
	Flagged(ctx context.Context, dirs []string, limit int) ([]library.Track, error)
	// Loudness is the loudness of the file at path, measured first when
	// it has not been; ok is false when it is not known.
	Loudness(ctx context.Context, path string) (ld library.Loudness, ok bool, err error)
}

// Programming is what a station plays from, shared by all stations: the
// library, the playlists and the history of plays.
type Programming struct {
	Library   Library
	Playlists *playlist.Playlists
	History   *playlist.History
	// Talk keeps the talk-over settings saved from the console; nil =
	// the config file's, not saved.
	Talk TalkStore
	// LoadOpus gives libopus to Opus outputs; nil = opus.Load.
	LoadOpus func() (*opus.Library, error)
	// OnDeadAir, when set, hears of every station's dead air (webhooks
	// are to be sent from it). It runs on the station's own reporting
	// goroutine, never the audio loop, one event at a time: it should
	// queue the event and return, as a few more waiting events are
	// dropped while it runs.
	OnDeadAir func(DeadAirEvent)
}

// Station is one running station.
type Station struct {
	cfg       config.Station
	library   Library
	rotation  *playlist.Rotation
	history   *playlist.History
	plays     chan mixer.NowPlaying // tracks gone on air, for the history
	talkStore TalkStore
	talkMu    sync.Mutex // one settings change at a time: read, change, save, apply
	log       *slog.Logger
	problems  *mixer.Problems
	queue     *mixer.Queue
	engine    *mixer.Engine
	enc       mp3enc.Encoder
	encName   string
	mount     *broadcast.Mount
	release   func()
	outputs   []*stationOutput
	live      *liveInput // nil without a live mount
	mic       capture.Backend
	micFeed   *mixer.Feed
	onAir     atomic.Bool
	listingMu sync.Mutex               // one listing change at a time: read the mount's info, change, set
	dirs      atomic.Pointer[[]string] // the media folders, changed by SetMediaDirs
	deadAirs  chan mixer.DeadAir       // from the engine to reportDeadAir
	deadAir   deadAirState
	// onDeadAirHook is Programming.OnDeadAir.
	onDeadAirHook func(DeadAirEvent)
	done          chan struct{}
}

// New prepares a station: its encoder is chosen (note says what was
// chosen when it is not the best, for the operator) and its mount claimed.
func New(cfg config.Station, prog Programming, pub Publisher, log *slog.Logger) (st *Station, note string, err error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "station", "station", cfg.ID)
	filter, err := resamplerOf(cfg.Resampler)
	if err != nil {
		return nil, "", fmt.Errorf("station %s: %w", cfg.ID, err)
	}
	enc, note, err := mp3enc.New(mp3enc.Options{
		Kind: cfg.Encoder, Bitrate: cfg.Bitrate, SampleRate: cfg.SampleRate, Channels: 2,
		Quality: mp3enc.LAMEQuality(cfg.MP3Quality),
	})
	if err != nil {
		return nil, "", fmt.Errorf("station %s: %w", cfg.ID, err)
	}
	// What New has taken is given back if a later step fails.
	defer func() {
		if err != nil {
			_ = enc.Close() // err is the news; an encoder never used has nothing to flush
		}
	}()
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
		return nil, "", fmt.Errorf("station %s: %w", cfg.ID, err)
	}
	defer func() {
		if err != nil {
			release()
		}
	}()
	outs, err := newOutputs(cfg, pub, prog.LoadOpus, filter, log)
	if err != nil {
		return nil, "", fmt.Errorf("station %s: %w", cfg.ID, err)
	}
	defer func() {
		if err != nil {
			closeOutputs(outs, log)
		}
	}()
	taps := make([]mixer.Tap, len(outs))
	for i, o := range outs {
		taps[i] = o.out
	}
	problems := &mixer.Problems{}
	rate := cfg.SampleRate
	open := func(path string) (*mixer.Track, error) { return mixer.OpenFile(path, rate, filter) }
	if target, on := cfg.Loudness(); on && prog.Library != nil {
		open = loudnessOpener(open, prog.Library, target, log)
	}
	rot := playlist.NewRotation(cfg.ID, cfg.MediaDirs, prog.Library, prog.Playlists, 0, log)
	queue := mixer.NewQueue(rotationPicker{rot}, open, problems, log)
	plays := make(chan mixer.NowPlaying, 16)
	talk := talkFromConfig(cfg.Mixer)
	if prog.Talk != nil {
		saved, ok, err := prog.Talk.Load(context.Background(), cfg.ID)
		if err != nil {
			return nil, "", fmt.Errorf("station %s: %w", cfg.ID, err)
		}
		if ok {
			talk = saved
		}
	}
	deadAirs := make(chan mixer.DeadAir, deadAirBuffer)
	var micFeed, liveFeed *mixer.Feed
	micBackend, err := capture.New(capture.Options{
		Backend: cfg.Mic.Backend, Path: cfg.Mic.Path, Device: cfg.Mic.Device,
		SampleRate: cfg.Mic.SampleRate, Channels: cfg.Mic.Channels, OutRate: rate, Resampler: filter,
	}, log)
	if err != nil {
		// A mic that cannot be used leaves the station on air without it.
		log.Warn("no microphone", "err", err)
	}
	if micBackend != nil {
		micFeed = mixer.NewFeed(rate, micBuffer, micCapacity)
	}
	if cfg.LiveMount != "" {
		liveFeed = mixer.NewFeed(rate, liveBuffer, liveCapacity)
	}
	eng := mixer.New(mixer.Config{
		Mic:          micFeed,
		Live:         liveFeed,
		LiveGrace:    liveGraceTime,
		DeadAirDB:    cfg.DeadAirDB,
		DeadAirAfter: time.Duration(cfg.DeadAirSeconds) * time.Second,
		OnDeadAir: func(d mixer.DeadAir) {
			select {
			case deadAirs <- d:
			default: // the reporter is behind: losing a report beats stalling the audio
			}
		},
		Talk:         &talk,
		SampleRate:   rate,
		Crossfade:    time.Duration(cfg.CrossfadeMS) * time.Millisecond,
		EncoderDelay: encoderDelay,
		IdleTitle:    IdleTitle(cfg.MediaDirs),
		Logger:       log,
		Problems:     problems,
		Taps:         taps,
		OnAir: func(np mixer.NowPlaying) {
			select {
			case plays <- np:
			default: // the history is behind: losing an entry beats stalling the audio
			}
		},
	}, queue, enc, m)
	var live *liveInput
	if liveFeed != nil {
		live = &liveInput{rate: rate, filter: filter, feed: liveFeed, engine: eng, log: log.With("mount", cfg.LiveMount)}
		detach, err := pub.AttachInput(cfg.LiveMount, live)
		if err != nil {
			return nil, "", fmt.Errorf("station %s: live mount: %w", cfg.ID, err)
		}
		prev := release
		release = func() { detach(); prev() }
	}
	dirs := slices.Clone(cfg.MediaDirs)
	st = &Station{
		live: live, mic: micBackend, micFeed: micFeed,
		talkStore: prog.Talk,
		cfg:       cfg, library: prog.Library, rotation: rot, history: prog.History, plays: plays, log: log, problems: problems, queue: queue, engine: eng,
		enc: enc, encName: enc.Name(), mount: m, release: release, outputs: outs, done: make(chan struct{}),
		deadAirs: deadAirs, onDeadAirHook: prog.OnDeadAir,
	}
	st.dirs.Store(&dirs)
	return st, note, nil
}

// resamplerOf returns the filter a station's resampler setting names; ""
// is the default, Best.
func resamplerOf(name string) (resample.Quality, error) {
	var q resample.Quality
	if name == "" {
		return resample.Best, nil
	}
	if err := q.UnmarshalText([]byte(name)); err != nil {
		return 0, fmt.Errorf("'resampler' must be best or fast, not %q", name)
	}
	return q, nil
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
	s.log.Info("station on air", "mount", s.cfg.Mount, "encoder", s.encName, "mp3_quality", s.cfg.MP3Quality,
		"bitrate", s.cfg.Bitrate, "sample_rate", s.cfg.SampleRate, "resampler", cmp.Or(s.cfg.Resampler, config.ResamplerBest),
		"media", s.MediaDirs())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.queue.Run(ctx)
	}()
	if s.mic != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.log.Info("microphone", "input", s.mic.String())
			if err := s.mic.Run(ctx, s.micFeed); err != nil {
				s.log.Warn("microphone stopped", "err", err)
			}
		}()
	}
	for _, o := range s.outputs {
		s.log.Info("output on air", "mount", o.cfg.Mount, "codec", o.cfg.Codec, "encoder", o.out.Name(),
			"bitrate", o.cfg.Bitrate, "sample_rate", o.out.SampleRate())
		wg.Add(1)
		go func() {
			defer wg.Done()
			o.out.Run(ctx)
		}()
	}
	historyDone := make(chan struct{})
	go s.recordPlays(historyDone)
	deadAirDone := make(chan struct{})
	go s.reportDeadAir(deadAirDone)
	_ = s.engine.Run(ctx)
	wg.Wait()
	close(s.plays)
	close(s.deadAirs)
	<-historyDone
	<-deadAirDone
	if err := s.enc.Close(); err != nil {
		s.log.Warn("closing the encoder", "err", err)
	}
	closeOutputs(s.outputs, s.log)
	s.onAir.Store(false)
	s.release()
	s.log.Info("station off air")
}

// recordPlays writes each track that goes on air to the history, with
// the listeners there were at that moment, until plays is closed.
func (s *Station) recordPlays(done chan<- struct{}) {
	defer close(done)
	for np := range s.plays {
		if np.Idle || s.history == nil {
			continue
		}
		title := np.Name
		if title == "" {
			title = np.Title
		}
		// The write must land even while the station shuts down.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := s.history.Record(ctx, playlist.Play{
			Station: s.cfg.ID, PlayedAt: np.StartedAt, Title: title, Artist: np.Artist,
			TrackID: np.TrackID, PlaylistID: np.PlaylistID, Listeners: s.Listeners(),
		})
		cancel()
		if err != nil {
			s.log.Warn("cannot record play", "err", err)
		}
	}
}

// rotationPicker lets the engine's queue pick from a rotation.
type rotationPicker struct{ r *playlist.Rotation }

func (p rotationPicker) Pick(ctx context.Context) (mixer.Choice, error) {
	c, err := p.r.Pick(ctx)
	return mixer.Choice(c), err
}

func (p rotationPicker) Forget(c mixer.Choice) { p.r.Forget(playlist.Choice(c)) }

// History lists the station's plays, newest first.
func (s *Station) History(ctx context.Context, limit int) ([]playlist.Play, error) {
	if s.history == nil {
		return []playlist.Play{}, nil
	}
	return s.history.List(ctx, s.cfg.ID, limit)
}

// Logger is the station's logger, for what serves the station's pages.
func (s *Station) Logger() *slog.Logger { return s.log }

// BrowserMic is the station's browser microphone, nil when its mic
// backend is not browser.
func (s *Station) BrowserMic() *capture.Browser {
	b, _ := s.mic.(*capture.Browser)
	return b
}

// MicBackend is the station's mic backend as configured.
func (s *Station) MicBackend() string { return s.cfg.Mic.Backend }

// Done is closed once Run has returned.
func (s *Station) Done() <-chan struct{} { return s.done }

// Skip crossfades to the next track.
func (s *Station) Skip() { s.engine.Skip() }

// ID is the station's id.
func (s *Station) ID() string { return s.cfg.ID }

// MediaDirs are the station's music folders.
func (s *Station) MediaDirs() []string { return slices.Clone(*s.dirs.Load()) }

// Mount is the station's output mount path.
func (s *Station) Mount() string { return s.cfg.Mount }

// Listeners counts the station's listeners, on its mount and its
// outputs.
func (s *Station) Listeners() int {
	n := s.mount.Listeners()
	for _, o := range s.outputs {
		n += o.mount.Listeners()
	}
	return n
}

// HLSListeners counts the station's HLS listeners, apart from Listeners,
// on its mount and its outputs.
func (s *Station) HLSListeners() int {
	n := s.mount.HLSListeners()
	for _, o := range s.outputs {
		n += o.mount.HLSListeners()
	}
	return n
}

// NowPlaying is what the station's listeners hear.
func (s *Station) NowPlaying() mixer.NowPlaying { return s.engine.NowPlaying() }

// Upcoming is the AutoDJ's next track, when one is ready.
func (s *Station) Upcoming() (mixer.Upcoming, bool) { return s.queue.Upcoming() }

// Info describes the station: what it is configured to send and what
// stands in its way.
type Info struct {
	ID         string
	Name       string
	Mount      string
	LiveMount  string
	Bitrate    int
	SampleRate int
	Encoder    string
	OnAir      bool
	Problems   []string
	// Mic is the mic backend: none, pipe, portaudio or browser (the
	// console offers its microphone only for browser).
	Mic string
	// Outputs are the station's further encodings of its mix.
	Outputs []OutputInfo
}

// maxFlagged is how many of the library's broken files a station's
// problems name; the library lists them all.
const maxFlagged = 20

// Info returns the station's description and its current problems: the
// engine's (files that failed as they were opened, nothing to play) and
// the library's files in the station's folders that do not play.
func (s *Station) Info(ctx context.Context) Info {
	probs := s.problems.Strings()
	if s.live != nil {
		if p := s.live.problem(); p != "" {
			probs = append(probs, p)
		}
	}
	flagged, err := s.library.Flagged(ctx, s.MediaDirs(), maxFlagged)
	if err != nil {
		probs = append(probs, err.Error())
	}
	for _, t := range flagged {
		if !slices.ContainsFunc(probs, func(p string) bool { return strings.Contains(p, t.Path) }) {
			probs = append(probs, t.Path+": "+t.Error)
		}
	}
	return Info{
		ID: s.cfg.ID, Name: s.Listing().Name, Mount: s.cfg.Mount, LiveMount: s.cfg.LiveMount,
		Bitrate: s.cfg.Bitrate, SampleRate: s.cfg.SampleRate, Encoder: s.encName,
		OnAir: s.onAir.Load(), Problems: probs, Mic: cmp.Or(s.cfg.Mic.Backend, "none"), Outputs: s.Outputs(),
	}
}
