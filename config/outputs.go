package config

import (
	"fmt"
	"slices"
)

// Codecs accepted in Output.Codec.
const (
	// CodecMP3 is a CBR MP3 output, encoded as the station's mount is.
	CodecMP3 = "mp3"
	// CodecOpus is an Ogg Opus output at 48 kHz.
	CodecOpus = "opus"
)

// Opus bitrates in kbps an output may use: libopus's range.
const (
	MinOpusBitrate = 6
	MaxOpusBitrate = 510
)

// OpusSampleRate is the only rate an Opus output runs at; a station at
// another rate resamples its mix for it.
const OpusSampleRate = 48000

// Output is a further encoding of a station's mix on a mount of its own,
// beside the station's mount: another bitrate, rate or codec of the same
// audio and titles. Its listener settings are a mount's.
type Output struct {
	// Mount is the output's mount point, e.g. "/stream-64.mp3".
	Mount string `yaml:"mount"`
	// Codec is CodecMP3 or CodecOpus.
	Codec string `yaml:"codec"`
	// Bitrate is in kbps: an MPEG-1 layer III rate for MP3, 6..510 for
	// Opus.
	Bitrate int `yaml:"bitrate"`
	// SampleRate is the output's rate in Hz; 0 means the station's for
	// MP3 and 48000 for Opus, the only rate Opus takes.
	SampleRate int `yaml:"sample_rate"`
	// MaxListeners limits this output; 0 means only the server limit
	// applies.
	MaxListeners int `yaml:"max_listeners"`
	// Fallback is the mount listeners move to should the output stop; ""
	// means none.
	Fallback string `yaml:"fallback"`
	// BurstSize overrides the server's burst_size; 0 means the server's.
	BurstSize int `yaml:"burst_size"`
	// Metaint overrides the server's metaint; 0 means the server's.
	Metaint int `yaml:"metaint"`
	// Hidden leaves the output out of the relay list, the status pages
	// and the public lists, as for mounts.
	Hidden bool `yaml:"hidden"`
	// ChainTitles makes an Opus output start a new Ogg chain, whose
	// OpusTags carry the title, at every title change. Off (the
	// default), the stream is one chain and titles reach listeners
	// through the status pages and the API: VLC stops at a new chain.
	ChainTitles bool `yaml:"chain_titles"`
}

// Rate is the sample rate the output runs at, given its station's.
func (o Output) Rate(stationRate int) int {
	switch {
	case o.SampleRate != 0:
		return o.SampleRate
	case o.Codec == CodecOpus:
		return OpusSampleRate
	}
	return stationRate
}

// checkOutputs checks each station's outputs: a mount of their own
// (taken names the stations' mounts and the outputs before it), the
// codec, its bitrate and rate, and the mount-like limits. known are the
// mounts a fallback may lead to.
func checkOutputs(ch *checker, p string, s Station, taken map[string]string, known map[string]bool) {
	for i, o := range s.Outputs {
		op := fmt.Sprintf("%s.outputs[%d]", p, i)
		if checkMountPath(ch, op+".mount", o.Mount) {
			if by, used := taken[o.Mount]; used {
				ch.add(op+".mount", "%q is already used by %s", o.Mount, by)
			} else {
				taken[o.Mount] = fmt.Sprintf("station %q", s.ID)
			}
		}
		switch o.Codec {
		case CodecMP3:
			oneOf(ch, op+".bitrate", o.Bitrate, Bitrates())
			if o.SampleRate != 0 {
				oneOf(ch, op+".sample_rate", o.SampleRate, SampleRates())
			}
			if s.Encoder == EncoderShine && o.Bitrate != 128 {
				ch.add(op+".bitrate", "must be 128 while the station's 'encoder' is shine, which does 128 kbps only")
			}
		case CodecOpus:
			between(ch, op+".bitrate", o.Bitrate, MinOpusBitrate, MaxOpusBitrate)
			if o.SampleRate != 0 && o.SampleRate != OpusSampleRate {
				ch.add(op+".sample_rate", "must be %d (or left out) for opus, not %d", OpusSampleRate, o.SampleRate)
			}
		default:
			ch.add(op+".codec", "must be one of %s, %s, not %q", CodecMP3, CodecOpus, o.Codec)
		}
		if o.ChainTitles && o.Codec != CodecOpus {
			ch.add(op+".chain_titles", "is for opus outputs: MP3 carries titles as ICY metadata")
		}
		atLeast(ch, op+".max_listeners", o.MaxListeners, 0)
		between(ch, op+".burst_size", o.BurstSize, 0, MaxBurstSize)
		between(ch, op+".metaint", o.Metaint, 0, 65535)
		switch {
		case o.Fallback == "":
		case o.Fallback == o.Mount:
			ch.add(op+".fallback", "must name another mount, not the output itself")
		case !known[o.Fallback]:
			ch.add(op+".fallback", "must name a listed mount or a station's mount or output, not %q", o.Fallback)
		}
	}
}

// outputMounts lists every station output's mount, in config order.
func (c Config) outputMounts() []string {
	var out []string
	for _, s := range c.Stations {
		for _, o := range s.Outputs {
			out = append(out, o.Mount)
		}
	}
	return out
}

// OutputOf returns the station output on mount and its station.
func (c Config) OutputOf(mount string) (Output, Station, bool) {
	for _, s := range c.Stations {
		if i := slices.IndexFunc(s.Outputs, func(o Output) bool { return o.Mount == mount }); i >= 0 {
			return s.Outputs[i], s, true
		}
	}
	return Output{}, Station{}, false
}
