package broadcast

// UnknownBitrateKbps is what a listener counts against max_bandwidth_kbps
// when its mount's source did not say its bitrate (no icy-br and no
// ice-audio-info): a common MP3 rate, so the cap still holds roughly.
const UnknownBitrateKbps = 128

// Limits are the server-wide limits in force. Each is 0 when off.
type Limits struct {
	MaxListeners        int // listener connections on the whole server
	MaxBandwidthKbps    int // the sum of the connected listeners' bitrates
	MaxConnectionsPerIP int // connections one client address holds open
}

// Limits returns the limits in force.
func (s *Server) Limits() Limits {
	return Limits{
		MaxListeners:        int(s.maxListeners.Load()),
		MaxBandwidthKbps:    int(s.maxKbps.Load()),
		MaxConnectionsPerIP: int(s.perIP.max.Load()),
	}
}

// SetLimits changes the limits while the server runs. They apply to the
// next connection; nobody connected is dropped. Negative values mean 0.
func (s *Server) SetLimits(l Limits) {
	s.maxListeners.Store(int64(max(0, l.MaxListeners)))
	s.maxKbps.Store(int64(max(0, l.MaxBandwidthKbps)))
	s.perIP.max.Store(int64(max(0, l.MaxConnectionsPerIP)))
}

// BandwidthKbps is the sum of the connected listeners' bitrates, in
// kbit/s, as max_bandwidth_kbps counts it.
func (s *Server) BandwidthKbps() int { return int(s.kbpsInUse.Load()) }

// listenerKbps is what a listener on m counts against the bandwidth cap.
func listenerKbps(m *Mount) int64 {
	if info := m.Info(); info != nil && info.Bitrate > 0 {
		return int64(info.Bitrate)
	}
	return UnknownBitrateKbps
}

// reserveBandwidth books kbps for a new listener, or reports false when
// that would pass the cap. Booking and checking are one atomic step, so
// listeners connecting at once cannot pass the cap together.
func (s *Server) reserveBandwidth(kbps int64) bool {
	for {
		limit, used := s.maxKbps.Load(), s.kbpsInUse.Load()
		if limit > 0 && used+kbps > limit {
			return false
		}
		if s.kbpsInUse.CompareAndSwap(used, used+kbps) {
			return true
		}
	}
}
