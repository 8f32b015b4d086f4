package config

import (
	"cmp"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Limits checked by Validate.
const (
	// MaxBurstSize is the largest burst_size, 4 MiB.
	MaxBurstSize = 4 << 20
	// MaxCrossfadeMS is the longest crossfade_ms.
	MaxCrossfadeMS = 30000
	// MinDeadAirDB and MaxDeadAirDB bound dead_air_db: below −90 dBFS
	// dither and encoder noise would read as sound; above −20 dBFS
	// ordinary quiet music would read as dead air.
	MinDeadAirDB, MaxDeadAirDB = -90.0, -20.0
	// MaxDeadAirSeconds is the longest dead_air_seconds: an hour.
	MaxDeadAirSeconds = 3600
	// MaxFadeMS is the longest mixer fade time.
	MaxFadeMS = 2500
)

// Bitrates returns the MPEG-1 layer III bitrates in kbps a station may use.
func Bitrates() []int {
	return []int{32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320}
}

// SampleRates returns the MPEG-1 sample rates in Hz a station may use.
func SampleRates() []int {
	return []int{32000, 44100, 48000}
}

// Validate checks every setting and how settings fit together. It returns
// nil or all problems found, each an *Error, joined with errors.Join:
// server settings first, then stations, then mounts. Without a file to point into, each message quotes the
// setting's full path, e.g. "'stations[0].bitrate' must be one of 32, ...".
// Load validates too, with file:line in each message.
func (c Config) Validate() error {
	issues := c.check()
	errs := make([]*Error, len(issues))
	for i, is := range issues {
		errs[i] = is.render("", nil)
	}
	return joinErrors(errs)
}

// validate is Validate with each problem located in file by lines, ordered
// by line (problems with no line last).
func (c Config) validate(file string, lines map[string]int) error {
	issues := c.check()
	errs := make([]*Error, len(issues))
	for i, is := range issues {
		errs[i] = is.render(file, lines)
	}
	slices.SortStableFunc(errs, func(a, b *Error) int {
		return cmp.Compare(lineOrder(a.Line), lineOrder(b.Line))
	})
	return joinErrors(errs)
}

// lineOrder sorts unknown lines (0) after known ones.
func lineOrder(line int) int {
	if line == 0 {
		return int(^uint(0) >> 1)
	}
	return line
}

// checker collects issues.
type checker struct {
	issues []issue
}

// add records that the setting at path has a problem; text follows the
// quoted key, e.g. "must not be empty".
func (ch *checker) add(path, format string, args ...any) {
	ch.issues = append(ch.issues, issue{path: path, text: fmt.Sprintf(format, args...)})
}

// addAlt is add for a problem that, when the file does not give path, is
// best shown at the first of alt that it gives.
func (ch *checker) addAlt(path string, alt []string, format string, args ...any) {
	ch.add(path, format, args...)
	ch.issues[len(ch.issues)-1].alt = alt
}

// check runs every rule and returns the issues in field order.
func (c Config) check() []issue {
	ch := &checker{}
	c.checkServer(ch)
	c.checkStations(ch)
	c.checkMounts(ch)
	c.checkRelays(ch)
	c.checkRelayMaster(ch)
	c.checkShoutcastMount(ch)
	c.checkPush(ch)
	return ch.issues
}

// checkServer checks the top-level settings other than mounts and stations.
func (c Config) checkServer(ch *checker) {
	httpPort, httpOK := checkAddr(ch, "listen", c.Listen)

	switch {
	case !c.ShoutcastPort.Valid():
		ch.add("shoutcast_port", "must be auto, 0 (off) or a port 1..65535")
	case c.ShoutcastPort == PortAuto && httpOK && httpPort == 65535:
		ch.addAlt("shoutcast_port", []string{"listen"}, "auto needs a 'listen' port below 65535; give a port or 0 (off)")
	case c.ShoutcastPort > 0 && httpOK && int(c.ShoutcastPort) == httpPort:
		ch.add("shoutcast_port", "must differ from the 'listen' port %d", httpPort)
	}

	notEmpty(ch, "data_dir", c.DataDir)
	if notEmpty(ch, "admin_user", c.AdminUser) && strings.ContainsAny(c.AdminUser, ": \t") {
		ch.add("admin_user", "must not contain ':' or spaces")
	}
	if strings.ContainsFunc(c.Hostname, func(r rune) bool { return r == '/' || unicode.IsSpace(r) }) {
		ch.add("hostname", "must be a host name such as \"radio.example.org\", not %q", c.Hostname)
	}
	atLeast(ch, "max_listeners", c.MaxListeners, 0)
	atLeast(ch, "max_connections_per_ip", c.MaxConnectionsPerIP, 0)
	atLeast(ch, "max_bandwidth_kbps", c.MaxBandwidthKbps, 0)
	between(ch, "max_upload_mb", c.MaxUploadMB, 1, 4096)
	if _, ok := c.SlogLevel(); !ok {
		ch.add("log_level", "must be one of debug, info, warn, error, not %q", c.LogLevel)
	}

	if c.TLSListen != "" {
		tlsPort, tlsOK := checkAddr(ch, "tls_listen", c.TLSListen)
		if c.TLSCert == "" || c.TLSKey == "" {
			ch.add("tls_listen", "requires 'tls_cert' and 'tls_key'")
		}
		if tlsOK && httpOK && tlsPort != 0 && tlsPort == httpPort {
			ch.add("tls_listen", "must use another port than 'listen'")
		}
	}
	for i, p := range c.TrustedProxies {
		if _, ok := parseProxy(p); !ok {
			ch.add(fmt.Sprintf("trusted_proxies[%d]", i), "entries must be IP addresses or CIDR prefixes, not %q", p)
		}
	}

	between(ch, "burst_size", c.BurstSize, 0, MaxBurstSize)
	between(ch, "metaint", c.Metaint, 1, 65535)
	if c.SourceTimeout <= 0 {
		ch.add("source_timeout", "must be more than 0s")
	}
	between(ch, "hls_segment_seconds", c.HLSSegmentSeconds, 2, 10)
	between(ch, "hls_segments", c.HLSSegments, 3, 20)
	if c.SourceGrace < 0 {
		ch.add("source_grace", "must be 0s or more")
	}
	if c.HeaderTimeout <= 0 {
		ch.add("header_timeout", "must be more than 0s")
	}
}

// checkStations checks each station and that ids and mounts are not shared.
func (c Config) checkStations(ch *checker) {
	ids := map[string]bool{}
	owner := map[string]string{} // mount path → station id using it
	for i, s := range c.Stations {
		p := fmt.Sprintf("stations[%d]", i)
		switch {
		case !validStationID(s.ID):
			ch.add(p+".id", "must be lowercase letters, digits, '_' or '-', not %q", s.ID)
		case ids[s.ID]:
			ch.add(p+".id", "%q is used by more than one station", s.ID)
		}
		ids[s.ID] = true
		notEmpty(ch, p+".name", s.Name)
		if s.URL != "" {
			if u, err := url.Parse(s.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				ch.add(p+".url", "must be an http:// or https:// URL, not %q", s.URL)
			}
		}

		mountOK := checkMountPath(ch, p+".mount", s.Mount)
		liveOK := s.LiveMount == "" || checkMountPath(ch, p+".live_mount", s.LiveMount)
		if mountOK && liveOK && s.Mount == s.LiveMount {
			ch.add(p+".live_mount", "must differ from 'mount' %q", s.Mount)
			liveOK = false
		}
		for _, m := range []struct {
			key, path string
			ok        bool
		}{{"mount", s.Mount, mountOK}, {"live_mount", s.LiveMount, liveOK}} {
			if !m.ok || m.path == "" {
				continue
			}
			if other, used := owner[m.path]; used {
				ch.add(p+"."+m.key, "%q is already used by station %q", m.path, other)
				continue
			}
			owner[m.path] = s.ID
		}

		oneOf(ch, p+".bitrate", s.Bitrate, Bitrates())
		oneOf(ch, p+".sample_rate", s.SampleRate, SampleRates())
		oneOf(ch, p+".encoder", s.Encoder, []string{EncoderAuto, EncoderLAME, EncoderShine})
		if s.MP3Quality < 0 || s.MP3Quality > 9 {
			ch.add(p+".mp3_quality", "must be between 0 (best sound, most CPU) and 9 (least CPU), not %d", s.MP3Quality)
		}
		oneOf(ch, p+".resampler", s.Resampler, []string{ResamplerBest, ResamplerFast})
		between(ch, p+".crossfade_ms", s.CrossfadeMS, 0, MaxCrossfadeMS)
		if s.DeadAirDB < MinDeadAirDB || s.DeadAirDB > MaxDeadAirDB || math.IsNaN(s.DeadAirDB) {
			ch.add(p+".dead_air_db", "must be between %g and %g dBFS, not %g", MinDeadAirDB, MaxDeadAirDB, s.DeadAirDB)
		}
		between(ch, p+".dead_air_seconds", s.DeadAirSeconds, 0, MaxDeadAirSeconds)
		if s.LoudnessTarget != LoudnessOff {
			v, err := strconv.ParseFloat(s.LoudnessTarget, 64)
			if err != nil || v < MinLoudnessTarget || v > MaxLoudnessTarget {
				ch.add(p+".loudness_target", "must be off or a loudness in LUFS between %d and %d, not %q",
					MinLoudnessTarget, MaxLoudnessTarget, s.LoudnessTarget)
			}
		}
		for j, dir := range s.MediaDirs {
			if dir == "" {
				ch.add(fmt.Sprintf("%s.media_dirs[%d]", p, j), "entries must not be empty")
			}
		}
		checkMixer(ch, p+".mixer", s.Mixer)
		checkMic(ch, p+".mic", s.Mic)
	}
	// Outputs come after every station's own mounts, so that an output
	// on another station's mount is reported at the output.
	// A listed mount or a relay on an output's mount is reported there.
	taken := map[string]string{}
	for path, id := range owner {
		taken[path] = fmt.Sprintf("station %q", id)
	}
	known := map[string]bool{}
	for _, s := range c.Stations {
		known[s.Mount] = true
	}
	for _, path := range c.outputMounts() {
		known[path] = true
	}
	for _, m := range c.Mounts {
		known[m.Path] = true
	}
	for _, r := range c.Relays {
		known[r.Mount] = true
	}
	for i, s := range c.Stations {
		checkOutputs(ch, fmt.Sprintf("stations[%d]", i), s, taken, known)
	}
}

// checkMixer checks a station's mixer starting values.
func checkMixer(ch *checker, p string, m Mixer) {
	for _, l := range []struct {
		key string
		v   float64
	}{{"music_level", m.MusicLevel}, {"bg_level", m.BgLevel}, {"mic_level", m.MicLevel}} {
		// Written so that NaN fails too.
		if !(l.v >= 0 && l.v <= 1) {
			ch.add(p+"."+l.key, "must be between 0 and 1")
		}
	}
	between(ch, p+".music_fade_ms", m.MusicFadeMS, 0, MaxFadeMS)
	between(ch, p+".mic_fade_ms", m.MicFadeMS, 0, MaxFadeMS)
}

// checkMic checks a station's microphone input.
func checkMic(ch *checker, p string, m Mic) {
	oneOf(ch, p+".backend", m.Backend, []string{MicNone, MicPipe, MicPortAudio, MicBrowser})
	if m.Backend == MicPipe && m.Path == "" {
		ch.add(p+".backend", "%q needs a 'path' to read from", MicPipe)
	}
	between(ch, p+".sample_rate", m.SampleRate, 8000, 192000)
	between(ch, p+".channels", m.Channels, 1, 2)
}

// checkMounts checks the passthrough mounts: paths unique and not a
// station's, per-mount limits, and fallbacks that lead somewhere without
// going round in a circle.
func (c Config) checkMounts(ch *checker) {
	stationMount := map[string]bool{} // outputs: a fallback may name them
	stationUse := map[string]string{} // output and live mounts → station id
	for _, s := range c.Stations {
		stationMount[s.Mount] = true
		stationUse[s.Mount] = s.ID
		if s.LiveMount != "" {
			stationUse[s.LiveMount] = s.ID
		}
		for _, o := range s.Outputs {
			stationMount[o.Mount] = true
			stationUse[o.Mount] = s.ID
		}
	}
	listed := map[string]int{} // path → index
	for i, m := range c.Mounts {
		p := fmt.Sprintf("mounts[%d]", i)
		if !checkMountPath(ch, p+".path", m.Path) {
			continue
		}
		if id, ok := stationUse[m.Path]; ok {
			ch.add(p+".path", "%q belongs to station %q; list only passthrough mounts under 'mounts'", m.Path, id)
			continue
		}
		if _, dup := listed[m.Path]; dup {
			ch.add(p+".path", "%q is listed twice", m.Path)
			continue
		}
		listed[m.Path] = i
	}
	for i, m := range c.Mounts {
		p := fmt.Sprintf("mounts[%d]", i)
		atLeast(ch, p+".max_listeners", m.MaxListeners, 0)
		between(ch, p+".burst_size", m.BurstSize, 0, MaxBurstSize)
		between(ch, p+".metaint", m.Metaint, 0, 65535)
		_, isListed := listed[m.Fallback]
		switch {
		case m.Fallback == "":
		case m.Fallback == m.Path:
			ch.add(p+".fallback", "must name another mount, not the mount itself")
		case !isListed && !stationMount[m.Fallback]:
			ch.add(p+".fallback", "must name a listed mount or a station's mount, not %q", m.Fallback)
		case fallbackLoops(c.Mounts, listed, i):
			ch.add(p+".fallback", "%q leads back to %q", m.Fallback, m.Path)
		}
	}
}

// fallbackLoops reports whether following fallbacks from mounts[start] comes
// back to it, and start is the first mount of that loop (so each loop is
// reported once).
func fallbackLoops(mounts []Mount, listed map[string]int, start int) bool {
	i := start
	for range len(mounts) {
		next, ok := listed[mounts[i].Fallback]
		if !ok || next < start {
			return false
		}
		if next == start {
			return true
		}
		i = next
	}
	return false
}

// checkShoutcastMount checks where SHOUTcast v1 sources land: a valid path
// that is not a station's output, and a mount sources may use.
func (c Config) checkShoutcastMount(ch *checker) {
	if !checkMountPath(ch, "shoutcast_mount", c.ShoutcastMount) {
		return
	}
	usable := c.AllowUnlistedMounts
	for i, s := range c.Stations {
		if s.Mount == c.ShoutcastMount {
			ch.addAlt("shoutcast_mount", []string{fmt.Sprintf("stations[%d].mount", i)},
				"%q is station %q's output; sources cannot push there (use its 'live_mount')", s.Mount, s.ID)
			return
		}
		if slices.ContainsFunc(s.Outputs, func(o Output) bool { return o.Mount == c.ShoutcastMount }) {
			ch.addAlt("shoutcast_mount", []string{fmt.Sprintf("stations[%d].outputs", i)},
				"%q is an output of station %q; sources cannot push there (use its 'live_mount')", c.ShoutcastMount, s.ID)
			return
		}
		usable = usable || s.LiveMount == c.ShoutcastMount
	}
	for _, m := range c.Mounts {
		usable = usable || m.Path == c.ShoutcastMount
	}
	if !usable {
		ch.addAlt("shoutcast_mount", []string{"allow_unlisted_mounts", "stations", "mounts"},
			"%q must be a station's 'live_mount' or a listed mount while 'allow_unlisted_mounts' is false", c.ShoutcastMount)
	}
}
