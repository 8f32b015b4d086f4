package station

import (
	"errors"
	"fmt"
	"log/slog"

	"onair/broadcast"
	"onair/codec/mp3enc"
	"onair/config"
	"onair/dsp/resample"
	"onair/mixer/output"
)

// ErrOpusNotBuilt is what a station with an Opus output gets until the
// Opus encoder (codec/opus) is in.
var ErrOpusNotBuilt = errors.New("opus outputs need codec/opus (not built yet)")

// stationOutput is one of a station's further encodings: its encoder
// runner and its mount.
type stationOutput struct {
	cfg     config.Output
	out     *output.Output
	enc     output.Encoder
	mount   *broadcast.Mount
	release func()
}

// newOpusEncoder is where the Ogg Opus encoder plugs in: it returns an
// output.Encoder at 48 kHz that calls emit with whole Ogg pages and
// starts a new chain with the title SetTitle gives. Its pages reach
// listeners through Mount.WritePage (with the page's ogg.PageInfo, as an
// Ogg source's do), not WriteFrame: newOutputs then gives an Opus
// output's runner a sink that does that instead of the mount itself.
func newOpusEncoder(o config.Output) (output.Encoder, error) {
	return nil, fmt.Errorf("output %s: %w", o.Mount, ErrOpusNotBuilt)
}

// newOutputEncoder returns the encoder for one of a station's outputs
// and, for MP3, mp3enc's note on a lesser encoder.
func newOutputEncoder(cfg config.Station, o config.Output) (output.Encoder, string, error) {
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
		enc, err := newOpusEncoder(o)
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
func newOutputs(cfg config.Station, pub Publisher, filter resample.Quality, log *slog.Logger) (outs []*stationOutput, err error) {
	defer func() {
		if err != nil {
			closeOutputs(outs, log)
			outs = nil
		}
	}()
	for _, o := range cfg.Outputs {
		enc, note, err := newOutputEncoder(cfg, o)
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
				Mount: o.Mount, StationRate: cfg.SampleRate, Encoder: enc, Sink: m,
				Resampler: filter, Logger: log,
			}),
		})
	}
	return outs, nil
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
