package broadcast

import (
	"encoding/json"
	"encoding/xml"
	"html"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// statusMount picks the mount a SHOUTcast status request asks about: sid=N
// as for sources (1 = shoutcast_mount, then the listed mounts), or the
// default mount when no sid is given.
func (s *Server) statusMount(r *http.Request) *Mount {
	if sid, err := strconv.Atoi(r.URL.Query().Get("sid")); err == nil && sid > 0 {
		return s.Mount(s.shoutcastMount(sid))
	}
	if m := s.defaultMount(); m != nil {
		return m
	}
	return s.Mount(s.opts.DefaultMount)
}

// shoutcastStats are the figures SHOUTcast's status pages show.
type shoutcastStats struct {
	XMLName          xml.Name `xml:"SHOUTCASTSERVER" json:"-"`
	CurrentListeners int      `xml:"CURRENTLISTENERS" json:"currentlisteners"`
	PeakListeners    int      `xml:"PEAKLISTENERS" json:"peaklisteners"`
	MaxListeners     int      `xml:"MAXLISTENERS" json:"maxlisteners"`
	UniqueListeners  int      `xml:"UNIQUELISTENERS" json:"uniquelisteners"`
	AverageTime      int64    `xml:"AVERAGETIME" json:"averagetime"`
	ServerGenre      string   `xml:"SERVERGENRE" json:"servergenre"`
	ServerURL        string   `xml:"SERVERURL" json:"serverurl"`
	ServerTitle      string   `xml:"SERVERTITLE" json:"servertitle"`
	SongTitle        string   `xml:"SONGTITLE" json:"songtitle"`
	StreamHits       int64    `xml:"STREAMHITS" json:"streamhits"`
	StreamStatus     int      `xml:"STREAMSTATUS" json:"streamstatus"`
	BackupStatus     int      `xml:"BACKUPSTATUS" json:"backupstatus"`
	StreamListed     int      `xml:"STREAMLISTED" json:"streamlisted"`
	StreamPath       string   `xml:"STREAMPATH" json:"streampath"`
	StreamUptime     int64    `xml:"STREAMUPTIME" json:"streamuptime"`
	Bitrate          int      `xml:"BITRATE" json:"bitrate"`
	SampleRate       int      `xml:"SAMPLERATE" json:"samplerate"`
	Content          string   `xml:"CONTENT" json:"content"`
	Version          string   `xml:"VERSION" json:"version"`
}

func (s *Server) shoutcastStatsFor(m *Mount) shoutcastStats {
	st := shoutcastStats{MaxListeners: int(s.maxListeners.Load()), Version: s.opts.ServerID}
	if m == nil {
		return st
	}
	st.StreamPath = m.Path
	st.CurrentListeners = m.Listeners()
	st.PeakListeners = m.PeakListeners()
	if m.Settings().MaxListeners > 0 {
		st.MaxListeners = m.Settings().MaxListeners
	}
	now := time.Now()
	m.mu.Lock()
	ips := map[string]bool{}
	var total time.Duration
	for _, l := range m.clients {
		if l.counted.Load() {
			ips[l.ip] = true
			total += now.Sub(l.connectedAt)
		}
	}
	onAir := m.source != nil
	m.mu.Unlock()
	st.UniqueListeners = len(ips)
	if len(ips) > 0 {
		st.AverageTime = int64(total.Seconds()) / int64(st.CurrentListeners|1)
	}
	st.StreamHits = m.hits.Load()
	if onAir && !m.Settings().Input {
		st.StreamStatus = 1
		if t := m.StartedAt(); !t.IsZero() {
			st.StreamUptime = int64(now.Sub(t).Seconds())
		}
	}
	if info := m.Info(); info != nil {
		st.ServerGenre, st.ServerURL, st.ServerTitle = info.Genre, info.URL, info.Name
		st.Bitrate, st.SampleRate, st.Content = info.Bitrate, info.SampleRate, info.ContentType
		if info.Public {
			st.StreamListed = 1
		}
	}
	if md := m.Title(); md != nil {
		st.SongTitle = md.Title
	}
	return st
}

// handle7HTML is SHOUTcast's /7.html:
// CURRENTLISTENERS,STREAMSTATUS,PEAKLISTENERS,MAXLISTENERS,UNIQUELISTENERS,BITRATE,SONGTITLE.
func (s *Server) handle7HTML(w http.ResponseWriter, r *http.Request) {
	st := s.shoutcastStatsFor(s.statusMount(r))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	// The title is last, so commas in it cannot shift the other fields.
	_, _ = w.Write([]byte("<html><body>" + strings.Join([]string{
		strconv.Itoa(st.CurrentListeners), strconv.Itoa(st.StreamStatus), strconv.Itoa(st.PeakListeners),
		strconv.Itoa(st.MaxListeners), strconv.Itoa(st.UniqueListeners), strconv.Itoa(st.Bitrate),
		html.EscapeString(st.SongTitle),
	}, ",") + "</body></html>"))
}

// handleStats is SHOUTcast 2's /stats?sid=N (XML; &json=1 for JSON).
func (s *Server) handleStats(w http.ResponseWriter, r *http.Request) {
	st := s.shoutcastStatsFor(s.statusMount(r))
	if r.URL.Query().Get("json") == "1" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Access-Control-Allow-Origin", "*")
		_ = json.NewEncoder(w).Encode(st)
		return
	}
	writeXML(w, st)
}

// handleCurrentSong is SHOUTcast 2's /currentsong?sid=N: the title as text.
func (s *Server) handleCurrentSong(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	if m := s.statusMount(r); m != nil {
		if md := m.Title(); md != nil {
			_, _ = w.Write([]byte(md.Title))
		}
	}
}

// playedEntry is one line of /played.html?type=json.
type playedEntry struct {
	PlayedAt int64  `json:"playedat"`
	Title    string `json:"title"`
}

// playedLimit is how many songs /played.html lists for a station.
const playedLimit = 20

// played is a mount's song history, newest first: a station's plays when
// its stations keep a history, else the mount's recent titles.
func (s *Server) played(m *Mount) []Played {
	if ps, ok := s.opts.Programs.(PlayedSource); ok {
		if hist, ok := ps.Played(m.Path, playedLimit); ok {
			return hist
		}
	}
	var out []Played
	for _, md := range m.History() {
		out = append(out, Played{At: md.At, Title: md.Title})
	}
	return out
}

// handlePlayed is SHOUTcast 2's /played.html?sid=N: the song history,
// newest first; for a passthrough mount, its title updates.
func (s *Server) handlePlayed(w http.ResponseWriter, r *http.Request) {
	m := s.statusMount(r)
	var hist []Played
	if m != nil {
		hist = s.played(m)
	}
	if r.URL.Query().Get("type") == "json" {
		out := make([]playedEntry, 0, len(hist))
		for _, md := range hist {
			out = append(out, playedEntry{PlayedAt: md.At.Unix(), Title: md.Title})
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Access-Control-Allow-Origin", "*")
		_ = json.NewEncoder(w).Encode(out)
		return
	}
	var b strings.Builder
	b.WriteString(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Played — ` +
		html.EscapeString(s.opts.ServerID) + `</title></head><body><h1>Song history</h1><table><tr><th>Played @</th><th>Song Title</th></tr>`)
	for i, md := range hist {
		b.WriteString("<tr><td>" + md.At.Format("15:04:05") + "</td><td>" + html.EscapeString(md.Title))
		if i == 0 {
			b.WriteString(" <b>(Current Song)</b>")
		}
		b.WriteString("</td></tr>")
	}
	b.WriteString("</table></body></html>\n")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write([]byte(b.String()))
}
