// Package config holds OnAir's settings: the Config type and its built-in
// defaults, loading a YAML file over those defaults (with file:line in every
// error and unknown keys rejected), environment overrides, and validation.
//
// The order in which settings apply is built-in defaults < config file <
// environment variables. A typical caller does:
//
//	cfg, err := config.Load(path) // or config.Default() without a file
//	if err != nil { ... }
//	cfg.ApplyEnv(os.Getenv)
//	if err := cfg.Validate(); err != nil { ... }
//
// The package keeps no global state and never logs.
package config

import (
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// Encoder names accepted in Station.Encoder.
const (
	// EncoderAuto uses LAME when libmp3lame.so.0 loads, else shine.
	EncoderAuto = "auto"
	// EncoderLAME requires libmp3lame.
	EncoderLAME = "lame"
	// EncoderShine uses the built-in shine encoder.
	EncoderShine = "shine"
)

// Resampler filters accepted in Station.Resampler.
const (
	// ResamplerBest is the 64-tap filter, transparent to 18 kHz.
	ResamplerBest = "best"
	// ResamplerFast is the 32-tap filter, about half the CPU, flat to
	// 16 kHz: for single-core boards such as a Pi Zero.
	ResamplerFast = "fast"
)

// Microphone backends accepted in Mic.Backend.
const (
	// MicNone disables the station's microphone input.
	MicNone = "none"
	// MicPipe reads raw s16le PCM from Mic.Path (a file or FIFO).
	MicPipe = "pipe"
	// MicPortAudio captures from the PortAudio input Mic.Device.
	MicPortAudio = "portaudio"
	// MicBrowser takes the microphone of the DJ console in the browser.
	MicBrowser = "browser"
)

// Config is the whole server configuration. Every field has a yaml tag naming
// its key in onair.yaml; the repository's sample onair.yaml lists them all.
type Config struct {
	// Listen is the HTTP address (host:port) for listeners, sources, status,
	// console and API. Port 0 picks a free port (for tests).
	Listen string `yaml:"listen"`
	// ShoutcastPort is the SHOUTcast v1 source port: auto (listen port + 1),
	// a port number, or 0 (off).
	ShoutcastPort PortSetting `yaml:"shoutcast_port"`
	// ShoutcastMount is where SHOUTcast v1 sources land.
	ShoutcastMount string `yaml:"shoutcast_mount"`
	// Hostname is used in playlist files and status pages; "" means the
	// request's Host header.
	Hostname string `yaml:"hostname"`
	// DataDir is the folder for the store, generated passwords and uploads.
	DataDir string `yaml:"data_dir"`
	// SourcePassword is the Icecast user "source"'s and the SHOUTcast v1
	// password; "" means generated on first start.
	SourcePassword string `yaml:"source_password"`
	// AdminUser is the admin's user name for HTTP Basic auth and the console.
	AdminUser string `yaml:"admin_user"`
	// AdminPassword is the admin's password at every start; "" means
	// generated on first start.
	AdminPassword string `yaml:"admin_password"`
	// RelayPassword is the password of the user "relay", which may read
	// /admin/streamlist.txt and pull every mount as a relay (an Icecast
	// slave); "" turns that user off (admins may still read the list).
	RelayPassword string `yaml:"relay_password"`
	// MaxListeners limits listeners on the whole server; 0 means no limit.
	MaxListeners int `yaml:"max_listeners"`
	// MaxConnectionsPerIP limits the connections one client address holds
	// open; 0 means no limit. Loopback and trusted proxies are exempt.
	MaxConnectionsPerIP int `yaml:"max_connections_per_ip"`
	// MaxBandwidthKbps caps the sum of the bitrates of the connected
	// listeners, in kbit/s; a listener who would pass it gets 503. 0 means
	// no cap.
	MaxBandwidthKbps int `yaml:"max_bandwidth_kbps"`
	// PublicMetrics serves /metrics without credentials when true.
	PublicMetrics bool `yaml:"public_metrics"`
	// TLSListen is the HTTPS address serving what the HTTP port serves;
	// "" means off. It requires TLSCert and TLSKey.
	TLSListen string `yaml:"tls_listen"`
	// TLSCert is the PEM certificate (chain) file for TLSListen.
	TLSCert string `yaml:"tls_cert"`
	// TLSKey is the PEM private key file for TLSListen.
	TLSKey string `yaml:"tls_key"`
	// TrustedProxies lists IP addresses or CIDR prefixes whose
	// X-Forwarded-For header is believed. Never nil.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// AllowUnlistedMounts lets a source create a mount not listed in Mounts.
	AllowUnlistedMounts bool `yaml:"allow_unlisted_mounts"`
	// BurstSize is how many bytes of recent stream a new listener gets at
	// once, 0..4 MiB.
	BurstSize int `yaml:"burst_size"`
	// Metaint is the ICY metadata interval in bytes, 1..65535.
	Metaint int `yaml:"metaint"`
	// SourceTimeout drops a source that sends nothing for this long.
	SourceTimeout time.Duration `yaml:"source_timeout"`
	// SourceGrace is how long listeners of a mount with nowhere else to go
	// wait for a source that left to come back; 0 closes them at once.
	SourceGrace time.Duration `yaml:"source_grace"`
	// HLSSegmentSeconds is the length of an HLS segment, 2..10 s.
	HLSSegmentSeconds int `yaml:"hls_segment_seconds"`
	// HLSSegments is how many segments an HLS playlist lists, 3..20.
	HLSSegments int `yaml:"hls_segments"`
	// HeaderTimeout drops a client that has not sent its request headers
	// within this time.
	HeaderTimeout time.Duration `yaml:"header_timeout"`
	// ICYStatusAgents lists User-Agent substrings of players that want the
	// status line "ICY 200 OK" (some older players, Windows Media Player
	// among them) instead of "HTTP/1.0 200 OK". Never nil.
	ICYStatusAgents []string `yaml:"icy_status_agents"`
	// AccessLog is the file of the Icecast-style access log (the Combined
	// Log Format plus seconds connected), reopened on SIGHUP for logrotate;
	// "" means off. Its folder must exist.
	AccessLog string `yaml:"access_log"`
	// LogLevel is the lowest level the log shows: debug, info, warn or
	// error.
	LogLevel string `yaml:"log_level"`
	// MaxUploadMB is the largest file the console uploads to the library,
	// in MiB (1..4096).
	MaxUploadMB int `yaml:"max_upload_mb"`
	// Stations are the AutoDJ stations. When the file gives stations, its
	// list replaces the default one.
	Stations []Station `yaml:"stations"`
	// Mounts are the passthrough mounts with their own settings. Never nil.
	Mounts []Mount `yaml:"mounts"`
	// Relays are the mounts pulled from other servers (OnAir as an edge).
	Relays []Relay `yaml:"relays"`
	// RelayMaster is a master whose mount list this server follows,
	// relaying every mount on it; an empty URL = off.
	RelayMaster RelayMaster `yaml:"relay_master"`
	// Push sends local mounts to other Icecast or SHOUTcast servers.
	// Never nil.
	Push []Push `yaml:"push"`
}

// Relay is a mount fed from upstream servers rather than a source client.
type Relay struct {
	// Mount is the local mount point, e.g. "/edge".
	Mount string `yaml:"mount"`
	// Upstreams are http or https stream URLs, tried in order; basic auth
	// goes in the userinfo.
	Upstreams []string `yaml:"upstreams"`
	// OnDemand connects when the first listener arrives and disconnects
	// 10 s after the last one left.
	OnDemand bool `yaml:"on_demand"`
	// Fallback is where listeners go while no upstream answers; "" = they
	// wait out source_grace.
	Fallback string `yaml:"fallback"`
	// FallbackOverride brings the listeners back from the fallback once
	// an upstream streams again, as for mounts.
	FallbackOverride bool `yaml:"fallback_override"`
}

// Push sends one local mount to another server.
type Push struct {
	// Mount is the local mount sent: a station's output or a listed
	// passthrough mount.
	Mount string `yaml:"mount"`
	// URL is where it goes: "icecast://user:pass@host:port/mount" or
	// "shoutcast://pass@host:port" (the SHOUTcast source port, the DNAS
	// port + 1; "?sid=2" for a DNAS 2 stream id). It holds a password:
	// logs and the API show it redacted.
	URL string `yaml:"url"`
}

// Station is one AutoDJ station: a library-fed, encoded output mount with a
// live input mount mixed in.
type Station struct {
	// ID names the station in the API; unique, matching [a-z0-9_-]+.
	ID string `yaml:"id"`
	// Name is shown to listeners (icy-name).
	Name string `yaml:"name"`
	// Description is shown to listeners (icy-description).
	Description string `yaml:"description"`
	// Genre is shown to listeners (icy-genre).
	Genre string `yaml:"genre"`
	// URL is the station's web site (icy-url); "" means none.
	URL string `yaml:"url"`
	// Mount is the station's output; sources cannot push there.
	Mount string `yaml:"mount"`
	// Bitrate is the CBR MP3 bitrate in kbps, an MPEG-1 layer III rate.
	Bitrate int `yaml:"bitrate"`
	// SampleRate is the station's sample rate in Hz: 32000, 44100 or 48000.
	SampleRate int `yaml:"sample_rate"`
	// Encoder is EncoderAuto, EncoderLAME or EncoderShine.
	Encoder string `yaml:"encoder"`
	// MP3Quality is LAME's -q, 0 (best, slowest) to 9 (fastest); shine
	// ignores it.
	MP3Quality int `yaml:"mp3_quality"`
	// Resampler is the filter that brings tracks, live streams and the
	// microphone at other rates to SampleRate: ResamplerBest or
	// ResamplerFast.
	Resampler string `yaml:"resampler"`
	// CrossfadeMS is the crossfade between tracks and between AutoDJ and a
	// live DJ, 0..30000 ms; 0 means gapless.
	CrossfadeMS int `yaml:"crossfade_ms"`
	// DeadAirDB is the output level, in dBFS, under which the station is
	// silent: -90..-20.
	DeadAirDB float64 `yaml:"dead_air_db"`
	// DeadAirSeconds is how long the output may stay under DeadAirDB
	// before the AutoDJ skips the track or a silent live show loses the
	// air, 0..3600; 0 turns the guard off.
	DeadAirSeconds int `yaml:"dead_air_seconds"`
	// LoudnessTarget is the integrated loudness each track is played at,
	// in LUFS as text ("-16"), or LoudnessOff to play tracks as they are.
	LoudnessTarget string `yaml:"loudness_target"`
	// LiveMount is the input where DJs' source clients land and are mixed
	// in; listeners get 404 there. "" means the station has no live input.
	LiveMount string `yaml:"live_mount"`
	// MediaDirs are the folders scanned for the station's music.
	MediaDirs []string `yaml:"media_dirs"`
	// Mixer holds the talk-over mixer's starting values.
	Mixer Mixer `yaml:"mixer"`
	// Mic configures the station's microphone input.
	Mic Mic `yaml:"mic"`
	// Outputs are further encodings of the station's mix, each on a
	// mount of its own, with the same audio and titles. Never nil.
	Outputs []Output `yaml:"outputs"`
}

// Mixer holds a station's talk-over mixer starting values. Levels are linear
// gains 0..1; fade times are 0..2500 ms.
type Mixer struct {
	// MusicLevel is the music gain when nobody talks.
	MusicLevel float64 `yaml:"music_level"`
	// BgLevel is the music gain while the DJ talks.
	BgLevel float64 `yaml:"bg_level"`
	// MicLevel is the microphone gain while talking.
	MicLevel float64 `yaml:"mic_level"`
	// MusicFadeMS is how long the music takes to duck or come back.
	MusicFadeMS int `yaml:"music_fade_ms"`
	// MicFadeMS is how long the microphone takes to open or close.
	MicFadeMS int `yaml:"mic_fade_ms"`
	// PTTOnStartup starts the station with Lock on.
	PTTOnStartup bool `yaml:"ptt_on_startup"`
}

// Mic configures a station's microphone input.
type Mic struct {
	// Backend is MicNone, MicPipe, MicPortAudio or MicBrowser.
	Backend string `yaml:"backend"`
	// Path is the file or FIFO of raw s16le PCM read by the pipe backend.
	Path string `yaml:"path"`
	// Device is the PortAudio input device name; "" means the default one.
	Device string `yaml:"device"`
	// SampleRate is the input's sample rate in Hz.
	SampleRate int `yaml:"sample_rate"`
	// Channels is 1 (mono) or 2 (stereo).
	Channels int `yaml:"channels"`
}

// Mount holds the settings of one passthrough mount: a source client's
// stream relayed as is.
type Mount struct {
	// Path is the mount point, e.g. "/relay".
	Path string `yaml:"path"`
	// MaxListeners limits this mount; 0 means only the server limit applies.
	MaxListeners int `yaml:"max_listeners"`
	// Fallback is the mount (listed or a station's output) listeners move
	// to when the source drops; "" means none.
	Fallback string `yaml:"fallback"`
	// FallbackOverride moves listeners back when the source returns.
	FallbackOverride bool `yaml:"fallback_override"`
	// BurstSize overrides the server's burst_size; 0 means the server's.
	BurstSize int `yaml:"burst_size"`
	// Metaint overrides the server's metaint; 0 means the server's.
	Metaint int `yaml:"metaint"`
	// Hidden leaves the mount out of the relay list (streamlist.txt), the
	// status pages and the public lists; the admin API still shows it.
	Hidden bool `yaml:"hidden"`
}

// Default returns the built-in defaults: what onair runs with when no config
// file is given. Each call returns fresh slices.
func Default() Config {
	return Config{
		Listen:              ":8000",
		ShoutcastPort:       PortAuto,
		ShoutcastMount:      "/live",
		Hostname:            "",
		DataDir:             "./onair-data",
		SourcePassword:      "",
		AdminUser:           "admin",
		AdminPassword:       "",
		RelayPassword:       "",
		MaxListeners:        1000,
		MaxConnectionsPerIP: 64,
		MaxBandwidthKbps:    0,
		PublicMetrics:       false,
		TrustedProxies:      []string{},
		AllowUnlistedMounts: true,
		BurstSize:           65536,
		Metaint:             16000,
		SourceTimeout:       10 * time.Second,
		SourceGrace:         5 * time.Second,
		HLSSegmentSeconds:   6,
		HLSSegments:         6,
		HeaderTimeout:       15 * time.Second,
		ICYStatusAgents:     []string{},
		AccessLog:           "",
		LogLevel:            "info",
		MaxUploadMB:         300,
		Stations:            []Station{DefaultStation()},
		Mounts:              []Mount{},
		Relays:              []Relay{},
		RelayMaster:         RelayMaster{User: "relay", Interval: defaultMasterInterval},
		Push:                []Push{},
	}
}

// DefaultStation returns the default station "main". A station entry in a
// config file starts from these values.
func DefaultStation() Station {
	return Station{
		ID:             "main",
		Name:           "OnAir Radio",
		Description:    "",
		Genre:          "Various",
		URL:            "",
		Mount:          "/stream",
		Bitrate:        128,
		SampleRate:     44100,
		Encoder:        EncoderAuto,
		MP3Quality:     5,
		Resampler:      ResamplerBest,
		CrossfadeMS:    3000,
		DeadAirDB:      -50,
		DeadAirSeconds: 10,
		LoudnessTarget: "-16",
		LiveMount:      "/live",
		MediaDirs:      []string{"./music"},
		Mixer: Mixer{
			MusicLevel:   0.9,
			BgLevel:      0.3,
			MicLevel:     0.9,
			MusicFadeMS:  2000,
			MicFadeMS:    1000,
			PTTOnStartup: false,
		},
		Mic: Mic{
			Backend:    MicNone,
			SampleRate: 44100,
			Channels:   2,
		},
		Outputs: []Output{},
	}
}

// DefaultMount returns the values a mount entry in a config file starts
// from: no own limit, no fallback, and the server's burst size and metaint.
func DefaultMount() Mount {
	return Mount{}
}

// SlogLevel is LogLevel as a slog.Level; ok is false for a value
// Validate refuses.
func (c Config) SlogLevel() (level slog.Level, ok bool) {
	switch strings.ToLower(c.LogLevel) {
	case "debug":
		return slog.LevelDebug, true
	case "info":
		return slog.LevelInfo, true
	case "warn", "warning":
		return slog.LevelWarn, true
	case "error":
		return slog.LevelError, true
	}
	return slog.LevelInfo, false
}

// LoudnessOff is the loudness_target that disables loudness matching.
const LoudnessOff = "off"

// Loudness target bounds: quieter than -40 LUFS is inaudible next to
// speech, louder than -5 LUFS is past any mastering practice.
const (
	MinLoudnessTarget = -40
	MaxLoudnessTarget = -5
)

// Loudness returns the station's loudness target in LUFS, and false when
// loudness matching is off. The target has been validated.
func (s Station) Loudness() (lufs float64, on bool) {
	if s.LoudnessTarget == LoudnessOff || s.LoudnessTarget == "" {
		return 0, false
	}
	v, err := strconv.ParseFloat(s.LoudnessTarget, 64)
	if err != nil {
		return 0, false
	}
	return v, true
}
