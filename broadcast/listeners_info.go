package broadcast

import (
	"net/netip"
	"sort"
	"time"
)

// ListenerInfo describes one connected listener for the JSON API.
type ListenerInfo struct {
	ID          uint64    `json:"id"`
	Mount       string    `json:"mount"` // the mount it is served from now
	IP          string    `json:"ip"`
	UserAgent   string    `json:"user_agent"`
	ConnectedAt time.Time `json:"connected_at"`
	Seconds     int64     `json:"seconds"` // connected for
	BytesSent   int64     `json:"bytes_sent"`
	Bitrate     int       `json:"bitrate"` // the mount's, in kbps; 0 = unknown
	// Relay is a pull with relay credentials (an Icecast slave), which is
	// not counted as a listener.
	Relay bool `json:"relay"`
}

// ListenerList returns the listeners of mount ("" = of every mount),
// ordered by ID; never nil.
func (s *Server) ListenerList(mount string) []ListenerInfo {
	out := []ListenerInfo{}
	now := time.Now()
	for _, m := range s.MountList() {
		if mount != "" && m.Path != mount {
			continue
		}
		bitrate := 0
		if info := m.Info(); info != nil {
			bitrate = info.Bitrate
		}
		m.mu.Lock()
		for _, l := range m.clients {
			out = append(out, ListenerInfo{
				ID: l.id, Mount: m.Path, IP: l.ip, UserAgent: l.userAgent, ConnectedAt: l.connectedAt,
				Seconds: int64(now.Sub(l.connectedAt).Seconds()), BytesSent: l.bytesSent.Load(), Bitrate: bitrate,
				Relay: l.relay,
			})
		}
		m.mu.Unlock()
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// KickListener disconnects listener id, on whichever mount it is; false
// when no such listener is connected.
func (s *Server) KickListener(id uint64) bool {
	for _, m := range s.MountList() {
		if s.Kick(m, id) {
			s.opts.Logger.Info("listener kicked by admin", "component", "broadcast", "mount", m.Path, "listener", id)
			return true
		}
	}
	return false
}

// KickPrefix disconnects every listener whose address lies in p (a ban
// just made) and returns how many.
func (s *Server) KickPrefix(p netip.Prefix) int {
	n := 0
	for _, m := range s.MountList() {
		m.mu.Lock()
		for _, l := range m.clients {
			if a, err := netip.ParseAddr(l.ip); err == nil && p.Contains(a.Unmap()) {
				l.disconnect()
				n++
			}
		}
		m.mu.Unlock()
	}
	if n > 0 {
		s.opts.Logger.Info("banned listeners disconnected", "component", "broadcast", "prefix", p.String(), "listeners", n)
	}
	return n
}

// MountStats are a mount's listener figures for the API.
type MountStats struct {
	Listeners int       // counted listeners now
	HLS       int       // HLS listeners now, apart from Listeners
	Peak      int       // most at once since Since
	Since     time.Time // when the server started: the peak is from then on
	Bitrate   int       // kbps; 0 = unknown
	Input     bool      // a station's live input, which has no listeners
}

// MountStats returns the figures of the mount at path; false when there
// is no such mount.
func (s *Server) MountStats(path string) (MountStats, bool) {
	m := s.Mount(path)
	if m == nil {
		return MountStats{}, false
	}
	st := MountStats{Listeners: m.Listeners(), HLS: m.HLSListeners(), Peak: m.PeakListeners(), Since: s.started, Input: m.Settings().Input}
	if info := m.Info(); info != nil {
		st.Bitrate = info.Bitrate
	}
	return st, true
}
