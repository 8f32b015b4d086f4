package config

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// Each rule, broken once in a file: the whole error must match, which also
// proves no other rule fires.
func TestValidateRules(t *testing.T) {
	const bitrates = "32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320"
	tests := []struct {
		name string
		yaml string
		want string
	}{
		// Server.
		{"listen without port", `listen: "8000"`,
			`onair.yaml:1: 'listen' must be host:port such as ":8000" with a port 0..65535, not "8000"`},
		{"listen port too big", `listen: ":70000"`,
			`onair.yaml:1: 'listen' must be host:port such as ":8000" with a port 0..65535, not ":70000"`},
		{"listen port named", `listen: ":http"`,
			`onair.yaml:1: 'listen' must be host:port such as ":8000" with a port 0..65535, not ":http"`},
		{"shoutcast_port equals listen port", "listen: \":8000\"\nshoutcast_port: 8000",
			`onair.yaml:2: 'shoutcast_port' must differ from the 'listen' port 8000`},
		{"shoutcast_port auto after 65535", "listen: \":65535\"\nshoutcast_port: auto",
			`onair.yaml:2: 'shoutcast_port' auto needs a 'listen' port below 65535; give a port or 0 (off)`},
		{"default shoutcast_port after 65535", "listen: \":65535\"",
			`onair.yaml:1: 'shoutcast_port' auto needs a 'listen' port below 65535; give a port or 0 (off)`},
		{"data_dir empty", `data_dir: ""`, `onair.yaml:1: 'data_dir' must not be empty`},
		{"admin_user empty", `admin_user: ""`, `onair.yaml:1: 'admin_user' must not be empty`},
		{"admin_user with colon", `admin_user: "a:b"`, `onair.yaml:1: 'admin_user' must not contain ':' or spaces`},
		{"hostname with scheme", `hostname: "http://radio.example.org"`,
			`onair.yaml:1: 'hostname' must be a host name such as "radio.example.org", not "http://radio.example.org"`},
		{"max_listeners negative", `max_listeners: -1`, `onair.yaml:1: 'max_listeners' must be 0 or more`},
		{"max_bandwidth_kbps negative", `max_bandwidth_kbps: -1`, `onair.yaml:1: 'max_bandwidth_kbps' must be 0 or more`},
		{"tls_listen without cert", "tls_listen: \":8443\"\ntls_key: k.pem",
			`onair.yaml:1: 'tls_listen' requires 'tls_cert' and 'tls_key'`},
		{"tls_listen without key", "tls_cert: c.pem\ntls_listen: \":8443\"",
			`onair.yaml:2: 'tls_listen' requires 'tls_cert' and 'tls_key'`},
		{"tls_listen bad address", "tls_listen: \"8443\"\ntls_cert: c.pem\ntls_key: k.pem",
			`onair.yaml:1: 'tls_listen' must be host:port such as ":8000" with a port 0..65535, not "8443"`},
		{"tls_listen on the http port", "tls_listen: \":8000\"\ntls_cert: c.pem\ntls_key: k.pem",
			`onair.yaml:1: 'tls_listen' must use another port than 'listen'`},
		{"trusted_proxies bad entry", "trusted_proxies:\n  - 127.0.0.1\n  - localhost",
			`onair.yaml:3: 'trusted_proxies' entries must be IP addresses or CIDR prefixes, not "localhost"`},
		{"hls_segment_seconds too short", `hls_segment_seconds: 1`, `onair.yaml:1: 'hls_segment_seconds' must be between 2 and 10`},
		{"hls_segment_seconds too long", `hls_segment_seconds: 11`, `onair.yaml:1: 'hls_segment_seconds' must be between 2 and 10`},
		{"hls_segments too few", `hls_segments: 2`, `onair.yaml:1: 'hls_segments' must be between 3 and 20`},
		{"mount under /hls", "mounts:\n  - path: /hls/x", `onair.yaml:2: 'path' "/hls/x" is reserved for the server's own pages`},
		{"mount ending in .m3u8", "mounts:\n  - path: /x.m3u8", `onair.yaml:2: 'path' "/x.m3u8" must not end in ".m3u8", which serves a mount's playlist`},
		{"burst_size negative", `burst_size: -1`, `onair.yaml:1: 'burst_size' must be between 0 and 4194304`},
		{"burst_size too big", `burst_size: 4194305`, `onair.yaml:1: 'burst_size' must be between 0 and 4194304`},
		{"metaint 0", `metaint: 0`, `onair.yaml:1: 'metaint' must be between 1 and 65535`},
		{"metaint too big", `metaint: 65536`, `onair.yaml:1: 'metaint' must be between 1 and 65535`},
		{"source_timeout 0", `source_timeout: 0s`, `onair.yaml:1: 'source_timeout' must be more than 0s`},
		{"header_timeout negative", `header_timeout: -1s`, `onair.yaml:1: 'header_timeout' must be more than 0s`},
		{"shoutcast_mount without slash", `shoutcast_mount: live`,
			`onair.yaml:1: 'shoutcast_mount' "live" must start with "/"`},
		{"shoutcast_mount on a station output", `shoutcast_mount: /stream`,
			`onair.yaml:1: 'shoutcast_mount' "/stream" is station "main"'s output; sources cannot push there (use its 'live_mount')`},
		{"default shoutcast_mount on a station output", "stations:\n  - id: a\n    mount: /live\n    live_mount: /dj",
			`onair.yaml:3: 'shoutcast_mount' "/live" is station "a"'s output; sources cannot push there (use its 'live_mount')`},
		{"default shoutcast_mount unusable", "allow_unlisted_mounts: false\nstations:\n  - live_mount: /dj",
			`onair.yaml:1: 'shoutcast_mount' "/live" must be a station's 'live_mount' or a listed mount while 'allow_unlisted_mounts' is false`},
		{"shoutcast_mount unusable", "allow_unlisted_mounts: false\nshoutcast_mount: /dj",
			`onair.yaml:2: 'shoutcast_mount' "/dj" must be a station's 'live_mount' or a listed mount while 'allow_unlisted_mounts' is false`},

		// Stations.
		{"station id upper case", "stations:\n  - id: Main",
			`onair.yaml:2: 'id' must be lowercase letters, digits, '_' or '-', not "Main"`},
		{"station id empty", "stations:\n  - id: \"\"",
			`onair.yaml:2: 'id' must be lowercase letters, digits, '_' or '-', not ""`},
		{"station ids repeated", "stations:\n  - {id: a, mount: /a, live_mount: /a-live}\n  - {id: a, mount: /b, live_mount: /b-live}",
			`onair.yaml:3: 'id' "a" is used by more than one station`},
		{"station name empty", "stations:\n  - name: \"\"", `onair.yaml:2: 'name' must not be empty`},
		{"station url without scheme", "stations:\n  - url: radio.example.org",
			`onair.yaml:2: 'url' must be an http:// or https:// URL, not "radio.example.org"`},
		{"mount without slash", "stations:\n  - mount: stream", `onair.yaml:2: 'mount' "stream" must start with "/"`},
		{"mount with space", "stations:\n  - mount: /my stream", `onair.yaml:2: 'mount' "/my stream" must not contain spaces`},
		{"mount with query", "stations:\n  - mount: /s?x=1", `onair.yaml:2: 'mount' "/s?x=1" must not contain '?' or '#'`},
		{"mount with hash", "stations:\n  - mount: \"/s#x\"", `onair.yaml:2: 'mount' "/s#x" must not contain '?' or '#'`},
		{"mount with dot dot", "stations:\n  - mount: /a/../b", `onair.yaml:2: 'mount' "/a/../b" must not contain ".."`},
		{"mount root", "stations:\n  - mount: /", `onair.yaml:2: 'mount' "/" must name a mount, such as "/stream"`},
		{"mount empty", "stations:\n  - mount: \"\"", `onair.yaml:2: 'mount' must not be empty`},
		{"mount reserved", "stations:\n  - mount: /admin/x", `onair.yaml:2: 'mount' "/admin/x" is reserved for the server's own pages`},
		{"mount playlist suffix", "stations:\n  - mount: /radio.pls",
			`onair.yaml:2: 'mount' "/radio.pls" must not end in ".pls", which serves a mount's playlist`},
		{"live_mount bad", "stations:\n  - live_mount: live", `onair.yaml:2: 'live_mount' "live" must start with "/"`},
		{"live_mount equals mount", "shoutcast_mount: /dj\nstations:\n  - mount: /s\n    live_mount: /s",
			`onair.yaml:4: 'live_mount' must differ from 'mount' "/s"`},
		{"mount of another station", "stations:\n  - id: a\n  - id: b\n    mount: /b\n    live_mount: /stream",
			`onair.yaml:5: 'live_mount' "/stream" is already used by station "a"`},
		{"bitrate", "stations:\n  - bitrate: 100", `onair.yaml:2: 'bitrate' must be one of ` + bitrates},
		{"sample_rate", "stations:\n  - sample_rate: 22050", `onair.yaml:2: 'sample_rate' must be one of 32000, 44100, 48000`},
		{"encoder", "stations:\n  - encoder: ffmpeg", `onair.yaml:2: 'encoder' must be one of auto, lame, shine`},
		{"mp3_quality too high", "stations:\n  - mp3_quality: 10",
			`onair.yaml:2: 'mp3_quality' must be between 0 (best sound, most CPU) and 9 (least CPU), not 10`},
		{"mp3_quality negative", "stations:\n  - mp3_quality: -1",
			`onair.yaml:2: 'mp3_quality' must be between 0 (best sound, most CPU) and 9 (least CPU), not -1`},
		{"resampler", "stations:\n  - resampler: linear", `onair.yaml:2: 'resampler' must be one of best, fast`},
		{"crossfade_ms too long", "stations:\n  - crossfade_ms: 30001", `onair.yaml:2: 'crossfade_ms' must be between 0 and 30000`},
		{"crossfade_ms negative", "stations:\n  - crossfade_ms: -1", `onair.yaml:2: 'crossfade_ms' must be between 0 and 30000`},
		{"dead_air_db too high", "stations:\n  - dead_air_db: -10", `onair.yaml:2: 'dead_air_db' must be between -90 and -20 dBFS, not -10`},
		{"dead_air_seconds negative", "stations:\n  - dead_air_seconds: -1", `onair.yaml:2: 'dead_air_seconds' must be between 0 and 3600`},
		{"loudness_target word", "stations:\n  - loudness_target: loud", `onair.yaml:2: 'loudness_target' must be off or a loudness in LUFS between -40 and -5, not "loud"`},
		{"loudness_target too loud", "stations:\n  - loudness_target: 0", `onair.yaml:2: 'loudness_target' must be off or a loudness in LUFS between -40 and -5, not "0"`},
		{"media_dirs empty entry", "stations:\n  - media_dirs:\n      - ./music\n      - \"\"",
			`onair.yaml:4: 'media_dirs' entries must not be empty`},
		{"music_level above 1", "stations:\n  - mixer:\n      music_level: 1.5", `onair.yaml:3: 'music_level' must be between 0 and 1`},
		{"bg_level negative", "stations:\n  - mixer:\n      bg_level: -0.1", `onair.yaml:3: 'bg_level' must be between 0 and 1`},
		{"mic_level NaN", "stations:\n  - mixer:\n      mic_level: .nan", `onair.yaml:3: 'mic_level' must be between 0 and 1`},
		{"music_fade_ms too long", "stations:\n  - mixer:\n      music_fade_ms: 2501", `onair.yaml:3: 'music_fade_ms' must be between 0 and 2500`},
		{"mic_fade_ms negative", "stations:\n  - mixer:\n      mic_fade_ms: -5", `onair.yaml:3: 'mic_fade_ms' must be between 0 and 2500`},
		{"mic backend", "stations:\n  - mic:\n      backend: alsa", `onair.yaml:3: 'backend' must be one of none, pipe, portaudio, browser`},
		{"mic channels", "stations:\n  - mic:\n      channels: 3", `onair.yaml:3: 'channels' must be between 1 and 2`},
		{"mic sample_rate", "stations:\n  - mic:\n      sample_rate: 1000", `onair.yaml:3: 'sample_rate' must be between 8000 and 192000`},
		{"mic pipe without path", "stations:\n  - mic:\n      backend: pipe",
			`onair.yaml:3: 'backend' "pipe" needs a 'path' to read from`},

		// Station outputs.
		{"output codec", "stations:\n  - outputs:\n      - {mount: /s.aac, codec: aac, bitrate: 64}",
			`onair.yaml:3: 'codec' must be one of mp3, opus, not "aac"`},
		{"output mp3 bitrate", "stations:\n  - outputs:\n      - {mount: /s64, codec: mp3, bitrate: 100}",
			`onair.yaml:3: 'bitrate' must be one of ` + bitrates},
		{"output mp3 sample_rate", "stations:\n  - outputs:\n      - {mount: /s64, codec: mp3, bitrate: 64, sample_rate: 22050}",
			`onair.yaml:3: 'sample_rate' must be one of 32000, 44100, 48000`},
		{"output opus bitrate too low", "stations:\n  - outputs:\n      - {mount: /s.opus, codec: opus, bitrate: 5}",
			`onair.yaml:3: 'bitrate' must be between 6 and 510`},
		{"output opus bitrate too high", "stations:\n  - outputs:\n      - {mount: /s.opus, codec: opus, bitrate: 511}",
			`onair.yaml:3: 'bitrate' must be between 6 and 510`},
		{"output mp3 chain_titles", "stations:\n  - outputs:\n      - {mount: /s64, codec: mp3, bitrate: 64, chain_titles: true}",
			`onair.yaml:3: 'chain_titles' is for opus outputs: MP3 carries titles as ICY metadata`},
		{"output opus sample_rate", "stations:\n  - outputs:\n      - {mount: /s.opus, codec: opus, bitrate: 96, sample_rate: 44100}",
			`onair.yaml:3: 'sample_rate' must be 48000 (or left out) for opus, not 44100`},
		{"output on the station's mount", "stations:\n  - outputs:\n      - {mount: /stream, codec: mp3, bitrate: 64}",
			`onair.yaml:3: 'mount' "/stream" is already used by station "main"`},
		{"output on the live mount", "shoutcast_mount: /dj\nstations:\n  - outputs:\n      - {mount: /live, codec: mp3, bitrate: 64}",
			`onair.yaml:4: 'mount' "/live" is already used by station "main"`},
		{"outputs on one mount", "stations:\n  - outputs:\n      - {mount: /s64, codec: mp3, bitrate: 64}\n      - {mount: /s64, codec: opus, bitrate: 64}",
			`onair.yaml:4: 'mount' "/s64" is already used by station "main"`},
		{"output on another station's output", "stations:\n  - outputs:\n      - {mount: /s64, codec: mp3, bitrate: 64}\n" +
			"  - {id: b, mount: /b, live_mount: /b-live, outputs: [{mount: /s64, codec: mp3, bitrate: 64}]}",
			`onair.yaml:4: 'mount' "/s64" is already used by station "main"`},
		{"output on a listed mount", "stations:\n  - outputs:\n      - {mount: /relay, codec: mp3, bitrate: 64}\nmounts:\n  - path: /relay",
			`onair.yaml:5: 'path' "/relay" belongs to station "main"; list only passthrough mounts under 'mounts'`},
		{"output mount bad", "stations:\n  - outputs:\n      - {mount: s64, codec: mp3, bitrate: 64}",
			`onair.yaml:3: 'mount' "s64" must start with "/"`},
		{"output max_listeners negative", "stations:\n  - outputs:\n      - {mount: /s64, codec: mp3, bitrate: 64, max_listeners: -1}",
			`onair.yaml:3: 'max_listeners' must be 0 or more`},
		{"output fallback unknown", "stations:\n  - outputs:\n      - {mount: /s64, codec: mp3, bitrate: 64, fallback: /nowhere}",
			`onair.yaml:3: 'fallback' must name a listed mount or a station's mount or output, not "/nowhere"`},
		{"output fallback itself", "stations:\n  - outputs:\n      - {mount: /s64, codec: mp3, bitrate: 64, fallback: /s64}",
			`onair.yaml:3: 'fallback' must name another mount, not the output itself`},
		{"output shine not 128", "stations:\n  - encoder: shine\n    outputs:\n      - {mount: /s64, codec: mp3, bitrate: 64}",
			`onair.yaml:4: 'bitrate' must be 128 while the station's 'encoder' is shine, which does 128 kbps only`},
		{"shoutcast_mount on an output", "shoutcast_mount: /s64\nstations:\n  - outputs:\n      - {mount: /s64, codec: mp3, bitrate: 64}",
			`onair.yaml:1: 'shoutcast_mount' "/s64" is an output of station "main"; sources cannot push there (use its 'live_mount')`},

		// Mounts.
		{"mount path bad", "mounts:\n  - path: relay", `onair.yaml:2: 'path' "relay" must start with "/"`},
		{"mount path twice", "mounts:\n  - path: /relay\n  - path: /relay", `onair.yaml:3: 'path' "/relay" is listed twice`},
		{"station mount listed", "mounts:\n  - path: /stream",
			`onair.yaml:2: 'path' "/stream" belongs to station "main"; list only passthrough mounts under 'mounts'`},
		{"station live mount listed", "mounts:\n  - path: /live",
			`onair.yaml:2: 'path' "/live" belongs to station "main"; list only passthrough mounts under 'mounts'`},
		{"mount max_listeners negative", "mounts:\n  - path: /relay\n    max_listeners: -1",
			`onair.yaml:3: 'max_listeners' must be 0 or more`},
		{"mount burst_size too big", "mounts:\n  - path: /relay\n    burst_size: 5000000",
			`onair.yaml:3: 'burst_size' must be between 0 and 4194304`},
		{"mount metaint too big", "mounts:\n  - path: /relay\n    metaint: 70000",
			`onair.yaml:3: 'metaint' must be between 0 and 65535`},
		{"fallback to itself", "mounts:\n  - path: /relay\n    fallback: /relay",
			`onair.yaml:3: 'fallback' must name another mount, not the mount itself`},
		{"fallback unknown", "mounts:\n  - path: /relay\n    fallback: /nowhere",
			`onair.yaml:3: 'fallback' must name a listed mount or a station's mount, not "/nowhere"`},
		{"fallback to a live mount", "mounts:\n  - path: /relay\n    fallback: /live",
			`onair.yaml:3: 'fallback' must name a listed mount or a station's mount, not "/live"`},
		{"fallback loop", "mounts:\n  - {path: /a, fallback: /b}\n  - {path: /b, fallback: /c}\n  - {path: /c, fallback: /a}",
			`onair.yaml:2: 'fallback' "/b" leads back to "/a"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(tt.yaml + "\n")
			if err == nil {
				t.Fatalf("Parse succeeded, want %s", tt.want)
			}
			if err.Error() != tt.want {
				t.Fatalf("err =\n%s\nwant\n%s", err, tt.want)
			}
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	tests := []struct {
		name string
		yaml string
	}{
		{"listen port 0", `listen: "127.0.0.1:0"`},
		{"ipv6 listen", `listen: "[::1]:8000"`},
		{"shoutcast off", `shoutcast_port: 0`},
		{"hls bounds", "hls_segment_seconds: 2\nhls_segments: 20"},
		{"shoutcast port", `shoutcast_port: 8010`},
		{"tls", "tls_listen: \":8443\"\ntls_cert: c.pem\ntls_key: k.pem"},
		{"trusted proxies", `trusted_proxies: ["127.0.0.1", "10.0.0.0/8", "::1"]`},
		{"no live mount", "shoutcast_mount: /dj\nstations:\n  - live_mount: \"\""},
		{"no stations", "stations: []"},
		{"mount with everything", "mounts:\n  - {path: /relay, max_listeners: 10, fallback: /stream, fallback_override: true, burst_size: 0, metaint: 8192}"},
		{"fallback chain", "mounts:\n  - {path: /a, fallback: /b}\n  - {path: /b, fallback: /stream}"},
		{"listed shoutcast mount", "allow_unlisted_mounts: false\nshoutcast_mount: /dj\nmounts:\n  - path: /dj"},
		{"extreme levels", "stations:\n  - mixer: {music_level: 0, bg_level: 1, mic_level: 0, music_fade_ms: 0, mic_fade_ms: 2500}"},
		{"pipe mic", "stations:\n  - mic: {backend: pipe, path: /tmp/mic.fifo, channels: 1, sample_rate: 48000}"},
		{"url", "stations:\n  - url: https://radio.example.org/"},
		{"outputs", "stations:\n  - outputs:\n      - {mount: /s64, codec: mp3, bitrate: 64, sample_rate: 48000, max_listeners: 5, fallback: /stream, hidden: true}\n" +
			"      - {mount: /s.opus, codec: opus, bitrate: 510, fallback: /s64}\n      - {mount: /s6.opus, codec: opus, bitrate: 6, sample_rate: 48000}"},
		{"mount falls back to an output", "stations:\n  - outputs: [{mount: /s64, codec: mp3, bitrate: 64}]\nmounts:\n  - {path: /relay, fallback: /s64}\npush:\n  - {mount: /s64, url: \"icecast://source:pw@host:8000/x\"}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := parse(tt.yaml + "\n"); err != nil {
				t.Fatalf("Parse: %v", err)
			}
		})
	}
}

// Without a file, Validate quotes each setting's full path.
func TestValidateWithoutFile(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"bitrate", func(c *Config) { c.Stations[0].Bitrate = 1 },
			"'stations[0].bitrate' must be one of 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320"},
		{"mixer", func(c *Config) { c.Stations[0].Mixer.BgLevel = math.Inf(1) },
			"'stations[0].mixer.bg_level' must be between 0 and 1"},
		{"shoutcast port setting", func(c *Config) { c.ShoutcastPort = -7 },
			"'shoutcast_port' must be auto, 0 (off) or a port 1..65535"},
		{"mount", func(c *Config) { c.Mounts = []Mount{{Path: "/relay", Metaint: -1}} },
			"'mounts[0].metaint' must be between 0 and 65535"},
		{"two problems", func(c *Config) { c.Listen = ""; c.DataDir = "" },
			"'listen' must be host:port such as \":8000\" with a port 0..65535, not \"\"\n'data_dir' must not be empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.change(&c)
			err := c.Validate()
			if err == nil || err.Error() != tt.want {
				t.Fatalf("Validate() = %v\nwant %s", err, tt.want)
			}
			var ce *Error
			if !errors.As(err, &ce) || ce.File != "" || ce.Line != 0 || !strings.HasPrefix(tt.want, "'"+ce.Path+"'") {
				t.Fatalf("errors.As gives %+v", ce)
			}
		})
	}
}
