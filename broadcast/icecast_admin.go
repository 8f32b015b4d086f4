package broadcast

import (
	"encoding/xml"
	"net"
	"net/http"
	"sort"
	"strconv"
	"time"
)

// Icecast's admin interface answers in XML. These types give the element
// names and order tools such as Icecast monitors and AzuraCast read.

type xmlIcestats struct {
	XMLName           xml.Name    `xml:"icestats"`
	Admin             string      `xml:"admin"`
	ClientConnections int64       `xml:"client_connections"`
	Clients           int         `xml:"clients"`
	Host              string      `xml:"host"`
	Listeners         int         `xml:"listeners"`
	ServerID          string      `xml:"server_id"`
	ServerStart       string      `xml:"server_start"`
	ServerStartISO    string      `xml:"server_start_iso8601"`
	Sources           int         `xml:"sources"`
	Source            []xmlSource `xml:"source"`
}

type xmlSource struct {
	Mount             string `xml:"mount,attr"`
	AudioInfo         string `xml:"audio_info,omitempty"`
	Bitrate           int    `xml:"bitrate,omitempty"`
	Fallback          string `xml:"fallback,omitempty"`
	Genre             string `xml:"genre"`
	ListenerPeak      int    `xml:"listener_peak"`
	Listeners         int    `xml:"listeners"`
	ListenURL         string `xml:"listenurl"`
	MaxListeners      string `xml:"max_listeners"`
	Public            int    `xml:"public"`
	ServerDescription string `xml:"server_description"`
	ServerName        string `xml:"server_name"`
	ServerType        string `xml:"server_type"`
	ServerURL         string `xml:"server_url"`
	SlowListeners     int    `xml:"slow_listeners"`
	SourceIP          string `xml:"source_ip,omitempty"`
	StreamStart       string `xml:"stream_start,omitempty"`
	StreamStartISO    string `xml:"stream_start_iso8601,omitempty"`
	Title             string `xml:"title"`
	TotalBytesRead    int64  `xml:"total_bytes_read"`
	TotalBytesSent    int64  `xml:"total_bytes_sent"`
	UserAgent         string `xml:"user_agent,omitempty"`
}

type xmlMountList struct {
	XMLName xml.Name       `xml:"icestats"`
	Source  []xmlMountItem `xml:"source"`
}

type xmlMountItem struct {
	Mount       string `xml:"mount,attr"`
	Fallback    string `xml:"fallback"`
	Listeners   int    `xml:"listeners"`
	Connected   int64  `xml:"Connected"`
	ContentType string `xml:"content-type"`
}

type xmlClientList struct {
	XMLName xml.Name      `xml:"icestats"`
	Source  xmlClientsFor `xml:"source"`
}

type xmlClientsFor struct {
	Mount     string      `xml:"mount,attr"`
	Fallback  string      `xml:"fallback"`
	Listeners int         `xml:"Listeners"`
	Listener  []xmlClient `xml:"listener"`
}

type xmlClient struct {
	IDAttr    uint64 `xml:"id,attr"`
	IP        string `xml:"IP"`
	UserAgent string `xml:"UserAgent"`
	Connected int64  `xml:"Connected"`
	ID        uint64 `xml:"ID"`
	BytesSent int64  `xml:"bytes_sent"`
}

func writeXML(w http.ResponseWriter, v any) {
	out, err := xml.MarshalIndent(v, "", "  ")
	if err != nil {
		http.Error(w, "encode: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(out)
	_, _ = w.Write([]byte("\n"))
}

// handleAdminStats is Icecast's /admin/stats.
func (s *Server) handleAdminStats(w http.ResponseWriter, r *http.Request) {
	host := s.host(r)
	st := xmlIcestats{
		ClientConnections: int64(s.nextID.Load()),
		Clients:           int(s.connections.Load()),
		Host:              host,
		Listeners:         s.Listeners(),
		ServerID:          s.opts.ServerID,
		ServerStart:       s.started.Format(rfc822Time),
		ServerStartISO:    s.started.Format(isoTimeZone),
	}
	for _, m := range s.MountList() {
		if !m.OnAir() || m.Settings().Input {
			continue
		}
		st.Source = append(st.Source, s.xmlSourceFor(m, host))
	}
	st.Sources = len(st.Source)
	writeXML(w, st)
}

func (s *Server) xmlSourceFor(m *Mount, host string) xmlSource {
	info := m.Info()
	if info == nil {
		info = &StreamInfo{ContentType: "audio/mpeg"}
	}
	src := xmlSource{
		Mount: m.Path, AudioInfo: info.AudioInfo, Bitrate: info.Bitrate, Fallback: m.Settings().Fallback,
		Genre: info.Genre, ListenerPeak: m.PeakListeners(), Listeners: m.Listeners(),
		ListenURL: "http://" + host + m.Path, MaxListeners: "unlimited",
		ServerDescription: info.Description, ServerName: info.Name, ServerType: info.ContentType,
		ServerURL: info.URL, TotalBytesRead: m.bytesIn.Load(), TotalBytesSent: m.bytesOut(),
		UserAgent: info.UserAgent,
	}
	if m.Settings().MaxListeners > 0 {
		src.MaxListeners = strconv.Itoa(m.Settings().MaxListeners)
	}
	if info.Public {
		src.Public = 1
	}
	if t := m.StartedAt(); !t.IsZero() {
		src.StreamStart = t.Format(rfc822Time)
		src.StreamStartISO = t.Format(isoTimeZone)
	}
	if md := m.Title(); md != nil {
		src.Title = md.Title
	}
	m.mu.Lock()
	if m.source != nil {
		src.SourceIP = clientIP(m.source.remote)
	}
	m.mu.Unlock()
	return src
}

// handleListMounts is Icecast's /admin/listmounts.
func (s *Server) handleListMounts(w http.ResponseWriter, r *http.Request) {
	out := xmlMountList{}
	now := time.Now()
	for _, m := range s.MountList() {
		if !m.OnAir() {
			continue
		}
		item := xmlMountItem{Mount: m.Path, Fallback: m.Settings().Fallback, Listeners: m.Listeners()}
		if t := m.StartedAt(); !t.IsZero() {
			item.Connected = int64(now.Sub(t).Seconds())
		}
		if info := m.Info(); info != nil {
			item.ContentType = info.ContentType
		}
		out.Source = append(out.Source, item)
	}
	writeXML(w, out)
}

// handleListClients is Icecast's /admin/listclients?mount=.
func (s *Server) handleListClients(w http.ResponseWriter, r *http.Request, m *Mount) {
	now := time.Now()
	out := xmlClientList{Source: xmlClientsFor{Mount: m.Path, Fallback: m.Settings().Fallback, Listeners: m.Listeners()}}
	m.mu.Lock()
	for _, l := range m.clients {
		out.Source.Listener = append(out.Source.Listener, xmlClient{
			IDAttr: l.id, ID: l.id, IP: l.ip, UserAgent: l.userAgent,
			Connected: int64(now.Sub(l.connectedAt).Seconds()), BytesSent: l.bytesSent.Load(),
		})
	}
	m.mu.Unlock()
	sort.Slice(out.Source.Listener, func(i, j int) bool { return out.Source.Listener[i].ID < out.Source.Listener[j].ID })
	writeXML(w, out)
}

// handleKillClient is Icecast's /admin/killclient?mount=&id=.
func (s *Server) handleKillClient(w http.ResponseWriter, r *http.Request, m *Mount) {
	id, err := strconv.ParseUint(r.URL.Query().Get("id"), 10, 64)
	if err != nil {
		icecastXML(w, http.StatusBadRequest, "missing or bad parameter 'id'", 0)
		return
	}
	if !s.Kick(m, id) {
		icecastXML(w, http.StatusBadRequest, "Client "+strconv.FormatUint(id, 10)+" not found", 0)
		return
	}
	icecastXML(w, http.StatusOK, "Client "+strconv.FormatUint(id, 10)+" removed", 1)
}

// Kick disconnects listener id of mount m.
func (s *Server) Kick(m *Mount, id uint64) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	l := m.clients[id]
	if l == nil {
		return false
	}
	l.disconnect()
	return true
}

// handleKillSource is Icecast's /admin/killsource?mount=.
func (s *Server) handleKillSource(w http.ResponseWriter, r *http.Request, m *Mount) {
	var conn net.Conn
	m.mu.Lock()
	if m.source != nil {
		conn = m.source.conn
	}
	m.mu.Unlock()
	if conn == nil {
		icecastXML(w, http.StatusBadRequest, "Source does not exist", 0)
		return
	}
	conn.Close()
	s.opts.Logger.Info("source killed by admin", "component", "broadcast", "mount", m.Path)
	icecastXML(w, http.StatusOK, "Source Removed", 1)
}

// bytesOut sums what the mount's listeners were sent.
func (m *Mount) bytesOut() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := m.sentByLeavers
	for _, l := range m.clients {
		n += l.bytesSent.Load()
	}
	return n
}

// handleMoveClients is Icecast's /admin/moveclients?mount=&destination=.
// The listeners stay connected; from then on they belong to destination.
func (s *Server) handleMoveClients(w http.ResponseWriter, r *http.Request, m *Mount) {
	dest := s.Mount(r.URL.Query().Get("destination"))
	if dest == nil {
		icecastXML(w, http.StatusBadRequest, "Destination does not exist", 0)
		return
	}
	n, err := s.MoveListeners(m, dest, func(l *listener) bool {
		l.home.Store(dest)
		return true
	})
	if err != nil {
		icecastXML(w, http.StatusBadRequest, "Cannot move clients to "+dest.Path+": "+err.Error(), 0)
		return
	}
	s.opts.Logger.Info("listeners moved by admin", "component", "broadcast", "mount", m.Path, "destination", dest.Path, "listeners", n)
	icecastXML(w, http.StatusOK, "Clients moved from "+m.Path+" to "+dest.Path, 1)
}
