package station

import (
	"fmt"
	"log/slog"
	"time"

	"onair/broadcast"
	"onair/codec/mp3enc"
	"onair/codec/ogg"
	"onair/codec/opus"
	"onair/config"
	"onair/dsp/resample"
	"onair/mixer"
	"onair/mixer/output"
)

// stationOutput is one of a station's further encodings: its encoder
// runner and its mount.
type stationOutput struct {
	cfg     config.Output
	out     *output.Output
	enc     output.Encoder
	mount   *broadcast.Mount
	release func()
}

// newOpusEncoder returns an Ogg Opus output.Encoder at 48 kHz, with
// libopus from load (nil: opus.Load). Each output's chains get serials of
// their own.
func newOpusEncoder(o config.Output, index int, load func() (*opus.Library, error)) (output.Encoder, error) {
	if load == nil {
		load = opus.Load
	}
	lib, err := load()
	if err != nil {
		return nil, fmt.Errorf("output %s: %w", o.Mount, err)
	}
	serial := uint32(time.Now().UnixNano()) + uint32(index)<<24
	enc, err := output.NewOpus(lib, output.OpusOptions{Bitrate: o.Bitrate, Serial: serial, ChainTitles: o.ChainTitles})
	if err != nil {
		return nil, fmt.Errorf("output %s: %w", o.Mount, err)
	}
	return enc, nil
}

// oggSink writes an Ogg output's pages to its mount: the splitter tells
// the mount which pages begin a chain and carry its headers.
type oggSink struct {
	m    *broadcast.Mount
	sp   *ogg.Splitter
	now  time.Time
	page func(page []byte, pi *ogg.PageInfo) // made once: no allocation per write
	log  *slog.Logger
}

func newOggSink(m *broadcast.Mount, log *slog.Logger) *oggSink {
	s := &oggSink{m: m, sp: ogg.NewSplitter(ogg.SplitterOptions{}), log: log}
	s.page = func(page []byte, pi *ogg.PageInfo) { s.m.WritePage(page, pi, s.now) }
	return s
}

func (s *oggSink) WriteFrame(pages []byte, now time.Time) {
	s.now = now
	if err := s.sp.Split(pages, s.page); err != nil {
		// Our own encoder's pages: this is a bug, not a source's damage.
		s.log.Error("output pages refused", "mount", s.m.Path, "err", err)
	}
}

func (s *oggSink) SetTitle(title, url string, now time.Time) { s.m.SetTitle(title, url, now) }
func (s *oggSink) Flush(now time.Time)                       { s.m.Flush(now) }

// newOutputEncoder returns the encoder for one of a station's outputs
// and, for MP3, mp3enc's note on a lesser encoder.
func newOutputEncoder(cfg config.Station, o config.Output, index int, loadOpus func() (*opus.Library, error)) (output.Encoder, string, error) {
	switch o.Codec {
	case config.CodecMP3:
		enc, note, err := output.NewMP3(mp3enc.Options{
			Kind: cfg.Encoder, Bitrate: o.Bitrate, SampleRate: o.Rate(cfg.SampleRate),
			Quality: mp3enc.LAMEQuality(cfg.MP3Quality),
		})
		if err != nil {
			return nil, "", fmt.Errorf("output %s: %w", o.Mount, err)
		}
		return enc, note, nil
	case config.CodecOpus:
		enc, err := newOpusEncoder(o, index, loadOpus)
		return enc, "", err
	}
	return nil, "", fmt.Errorf("output %s: unknown codec %q", o.Mount, o.Codec)
}

// contentType is what listeners of an output are told they get.
func contentType(codec string) string {
	if codec == config.CodecOpus {
		return "audio/ogg"
	}
	return "audio/mpeg"
}

// newOutputs builds a station's outputs and claims their mounts; on an
// error it gives back what it took.
func newOutputs(cfg config.Station, pub Publisher, loadOpus func() (*opus.Library, error), filter resample.Quality, log *slog.Logger) (outs []*stationOutput, err error) {
	defer func() {
		if err != nil {
			closeOutputs(outs, log)
			outs = nil
		}
	}()
	for i, o := range cfg.Outputs {
		enc, note, err := newOutputEncoder(cfg, o, i, loadOpus)
		if err != nil {
			return outs, err
		}
		if note != "" {
			log.Warn("output encoder", "mount", o.Mount, "note", note)
		}
		rate := enc.SampleRate()
		m, release, err := pub.Publish(o.Mount, broadcast.StreamInfo{
			ContentType: contentType(o.Codec),
			Name:        cfg.Name,
			Genre:       cfg.Genre,
			URL:         cfg.URL,
			Description: cfg.Description,
			Bitrate:     o.Bitrate,
			SampleRate:  rate,
			Channels:    2,
			AudioInfo:   fmt.Sprintf("ice-samplerate=%d;ice-bitrate=%d;ice-channels=2", rate, o.Bitrate),
			UserAgent:   "OnAir AutoDJ",
		})
		if err != nil {
			_ = enc.Close() // err is the news; an encoder never used has nothing to flush
			return outs, fmt.Errorf("output %s: %w", o.Mount, err)
		}
		outs = append(outs, &stationOutput{
			cfg: o, enc: enc, mount: m, release: release,
			out: output.New(output.Config{
				Mount: o.Mount, StationRate: cfg.SampleRate, Encoder: enc, Sink: sinkFor(o, m, log),
				Resampler: filter, Logger: log,
			}),
		})
	}
	return outs, nil
}

// sinkFor is where an output's encoder writes: its mount, through an
// oggSink for Ogg pages.
func sinkFor(o config.Output, m *broadcast.Mount, log *slog.Logger) mixer.FrameSink {
	if o.Codec == config.CodecOpus {
		return newOggSink(m, log)
	}
	return m
}

// closeOutputs closes the outputs' encoders and gives back their mounts.
func closeOutputs(outs []*stationOutput, log *slog.Logger) {
	for _, o := range outs {
		if err := o.enc.Close(); err != nil {
			log.Warn("closing an output's encoder", "mount", o.cfg.Mount, "err", err)
		}
		o.release()
	}
}

// OutputInfo describes one of a station's outputs as it runs.
type OutputInfo struct {
	Mount      string
	Codec      string
	Bitrate    int
	SampleRate int
	Encoder    string
	Listeners  int
	// DroppedBlocks counts the blocks of the mix the output lost because
	// its encoder fell behind.
	DroppedBlocks int64
}

// Outputs describes the station's further outputs, in config order.
func (s *Station) Outputs() []OutputInfo {
	out := make([]OutputInfo, 0, len(s.outputs))
	for _, o := range s.outputs {
		out = append(out, OutputInfo{
			Mount: o.cfg.Mount, Codec: o.cfg.Codec, Bitrate: o.cfg.Bitrate, SampleRate: o.out.SampleRate(),
			Encoder: o.out.Name(), Listeners: o.mount.Listeners(), DroppedBlocks: o.out.Dropped(),
		})
	}
	return out
}
