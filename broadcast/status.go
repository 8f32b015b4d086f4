package broadcast

import (
	"encoding/json"
	"html/template"
	"net/http"
	"strings"
	"time"
)

// host is the host:port listeners reach the server at.
func (s *Server) host(r *http.Request) string {
	if s.opts.Hostname != "" {
		if strings.Contains(s.opts.Hostname, ":") {
			return s.opts.Hostname
		}
		if _, port, ok := strings.Cut(r.Host, ":"); ok {
			return s.opts.Hostname + ":" + port
		}
		return s.opts.Hostname
	}
	if r.Host != "" {
		return r.Host
	}
	return "localhost"
}

// icecastSource is one entry of status-json.xsl's icestats.source.
type icecastSource struct {
	AudioInfo          string `json:"audio_info,omitempty"`
	Bitrate            int    `json:"bitrate,omitempty"`
	Channels           int    `json:"channels,omitempty"`
	Genre              string `json:"genre"`
	ListenerPeak       int    `json:"listener_peak"`
	Listeners          int    `json:"listeners"`
	HLSListeners       int    `json:"hls_listeners"` // ours: Icecast has no HLS
	ListenURL          string `json:"listenurl"`
	SampleRate         int    `json:"samplerate,omitempty"`
	ServerDescription  string `json:"server_description"`
	ServerName         string `json:"server_name"`
	ServerType         string `json:"server_type"`
	ServerURL          string `json:"server_url"`
	StreamStart        string `json:"stream_start"`
	StreamStartISO8601 string `json:"stream_start_iso8601"`
	Title              string `json:"title"`
	Problem            string `json:"problem,omitempty"` // ours: what is wrong with the source's stream
	Dummy              *int   `json:"dummy"`
}

const (
	rfc822Time  = "Mon, 02 Jan 2006 15:04:05 -0700"
	isoTimeZone = "2006-01-02T15:04:05-0700"
)

// handleStatusJSON answers Icecast's /status-json.xsl. icestats.source is
// always an array (Icecast makes it an object for one source, which trips
// up parsers).
func (s *Server) handleStatusJSON(w http.ResponseWriter, r *http.Request) {
	host := s.host(r)
	sources := []icecastSource{}
	for _, m := range s.MountList() {
		if !m.OnAir() || m.Settings().Input || m.Settings().Hidden {
			continue
		}
		info := m.Info()
		if info == nil {
			info = &StreamInfo{ContentType: "audio/mpeg"}
		}
		src := icecastSource{
			AudioInfo: info.AudioInfo, Bitrate: info.Bitrate, Channels: info.Channels, SampleRate: info.SampleRate,
			Genre: info.Genre, ListenerPeak: m.PeakListeners(), Listeners: m.Listeners(),
			HLSListeners:      m.HLSListeners(),
			ListenURL:         s.scheme(r) + "://" + host + m.Path,
			ServerDescription: info.Description, ServerName: info.Name, ServerType: info.ContentType, ServerURL: info.URL,
			Problem: m.Problem(),
		}
		if t := m.StartedAt(); !t.IsZero() {
			src.StreamStart = t.Format(rfc822Time)
			src.StreamStartISO8601 = t.Format(isoTimeZone)
		}
		if md := m.Title(); md != nil {
			src.Title = md.Title
		}
		sources = append(sources, src)
	}
	out := map[string]any{"icestats": map[string]any{
		"admin":                "",
		"host":                 strings.Split(host, ":")[0],
		"location":             "",
		"server_id":            s.opts.ServerID,
		"server_start":         s.started.Format(rfc822Time),
		"server_start_iso8601": s.started.Format(isoTimeZone),
		"source":               sources,
	}}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Cache-Control", "no-cache")
	_ = json.NewEncoder(w).Encode(out)
}

// NowPlaying is one entry of /api/nowplaying.
type NowPlaying struct {
	Station    string    `json:"station"`
	Mount      string    `json:"mount"`
	Title      string    `json:"title"`
	Artist     string    `json:"artist"`
	StartedAt  time.Time `json:"started_at"`
	DurationMS int64     `json:"duration_ms"`
	Listeners  int       `json:"listeners"`
	// HLSListeners are counted apart: players that fetch the HLS playlist.
	HLSListeners int    `json:"hls_listeners"`
	Live         bool   `json:"live"`
	Playlist     string `json:"playlist"` // the playlist the track came from; "" for none
	// Name and Description are the stream's (icy-name, icy-description),
	// for the public station page.
	Name        string `json:"name"`
	Description string `json:"description"`
}

// Program is what a station is playing on its mount, as the status pages
// report it.
type Program struct {
	Station   string
	Title     string // the title alone; "" = take it from Display
	Artist    string
	Display   string // what listeners see: "Artist - Title"
	StartedAt time.Time
	Duration  time.Duration
	Live      bool   // a DJ is on air
	Playlist  string // the playlist the track came from
}

// ProgramSource describes the mounts stations play on.
type ProgramSource interface {
	Program(mount string) (Program, bool)
}

// Played is one entry of a station's song history.
type Played struct {
	At    time.Time
	Title string // what listeners saw: "Artist - Title"
}

// PlayedSource is a ProgramSource that also keeps the stations' song
// history, which /played.html then shows instead of the mount's recent
// titles.
type PlayedSource interface {
	Played(mount string, limit int) ([]Played, bool)
}

// SplitTitle splits an ICY "Artist - Title" into its parts.
func SplitTitle(t string) (artist, title string) {
	if a, b, ok := strings.Cut(t, " - "); ok {
		return strings.TrimSpace(a), strings.TrimSpace(b)
	}
	return "", t
}

// handleNowPlaying answers GET /api/nowplaying for the mounts on air.
func (s *Server) handleNowPlaying(w http.ResponseWriter, r *http.Request) {
	out := []NowPlaying{}
	for _, m := range s.MountList() {
		if !m.OnAir() || m.Settings().Input || m.Settings().Hidden {
			continue
		}
		np := NowPlaying{Mount: m.Path, Listeners: m.Listeners(), HLSListeners: m.HLSListeners(), Live: true, StartedAt: m.StartedAt()}
		if info := m.Info(); info != nil {
			np.Name, np.Description = info.Name, info.Description
		}
		if md := m.Title(); md != nil {
			np.Artist, np.Title = SplitTitle(md.Title)
			np.StartedAt = md.At
		}
		if s.opts.Programs != nil {
			if p, ok := s.opts.Programs.Program(m.Path); ok {
				np.Station, np.Live = p.Station, p.Live
				np.Artist, np.Title = p.Artist, p.Title
				if np.Title == "" {
					np.Artist, np.Title = SplitTitle(p.Display)
				}
				np.StartedAt, np.DurationMS = p.StartedAt, p.Duration.Milliseconds()
				np.Playlist = p.Playlist
			}
		}
		out = append(out, np)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Cache-Control", "no-cache")
	_ = json.NewEncoder(w).Encode(out)
}

var statusPage = template.Must(template.New("status").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Server}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem;color:#222}
.mounts{display:grid;gap:1rem}.mount{border:1px solid #ddd;border-radius:.5rem;padding:.8rem 1rem}
.mount h2{font-size:1.1rem;margin:0 0 .3rem}.meta{color:#555;margin:.2rem 0}.off{color:#888}
audio{width:100%;margin-top:.4rem}</style></head>
<body><h1>{{.Server}}</h1>
<p>Listeners now: {{.Listeners}}</p>
<div class="mounts">
{{range .Mounts}}<section class="mount{{if not .OnAir}} off{{end}}" data-mount="{{.Path}}"><h2><a href="{{.Path}}">{{.Path}}</a></h2>
{{if .OnAir}}<p class="meta">{{if .Name}}{{.Name}}{{else}}(unnamed stream){{end}}{{if .Bitrate}}, {{.Bitrate}} kbps{{end}}, {{.Listeners}} listening{{if .HLS}}, {{.HLS}} on HLS{{end}} · <a href="{{.Path}}.m3u8">HLS</a></p>
<p>Now playing: {{if .Title}}<strong>{{.Title}}</strong>{{else}}<em>no title yet</em>{{end}}</p>
<audio controls preload="none" src="{{.Path}}"></audio>{{else}}<p class="meta">Off air</p>{{end}}</section>
{{else}}<p>No mounts yet: point a source client at this server.</p>{{end}}
</div>
<p><a href="/status-json.xsl">status-json.xsl</a></p>
</body></html>
`))

type statusMount struct {
	Path, Name, Title       string
	Bitrate, Listeners, HLS int
	OnAir                   bool
}

// servePage answers a browser at "/" (or "/;"): the public station page
// when there is one, else the plain status page.
func (s *Server) servePage(w http.ResponseWriter, r *http.Request) {
	if s.opts.Page == nil {
		s.handleStatusPage(w, r)
		return
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path, r2.URL.RawPath = "/", ""
	s.opts.Page.ServeHTTP(w, r2)
}

// handleStatusPage is the plain page a browser gets at "/" when there is
// no public station page.
func (s *Server) handleStatusPage(w http.ResponseWriter, r *http.Request) {
	data := struct {
		Server    string
		Listeners int
		Mounts    []statusMount
	}{Server: s.opts.ServerID, Listeners: s.Listeners()}
	for _, m := range s.MountList() {
		if m.Settings().Input && !m.OnAir() || m.Settings().Hidden {
			continue
		}
		sm := statusMount{Path: m.Path, Listeners: m.Listeners(), HLS: m.HLSListeners(), OnAir: m.OnAir() && !m.Settings().Input}
		if info := m.Info(); info != nil {
			sm.Name, sm.Bitrate = info.Name, info.Bitrate
		}
		if md := m.Title(); md != nil {
			sm.Title = md.Title
		}
		data.Mounts = append(data.Mounts, sm)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_ = statusPage.Execute(w, data)
}
