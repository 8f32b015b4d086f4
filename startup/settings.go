package startup

import (
	"log/slog"

	"onair/broadcast"
	"onair/library"
	"onair/settings"
	"onair/station"
)

// applier takes the settings changed from the console to the running
// parts. Run subscribes it once every part is built.
type applier struct {
	srv      *broadcast.Server
	stations *station.Set
	library  *library.Library
	log      *slog.Logger
}

func (a applier) SetLimits(lim settings.Limits) {
	a.srv.SetLimits(broadcast.Limits{
		MaxListeners: lim.MaxListeners, MaxBandwidthKbps: lim.MaxBandwidthKbps, MaxConnectionsPerIP: lim.MaxConnectionsPerIP,
	})
	a.log.Info("limits changed", "component", "settings", "max_listeners", lim.MaxListeners,
		"max_bandwidth_kbps", lim.MaxBandwidthKbps, "max_connections_per_ip", lim.MaxConnectionsPerIP)
}

func (a applier) SetListing(id string, li settings.Listing) {
	if st := a.stations.Get(id); st != nil {
		st.SetListing(station.Listing{Name: li.Name, Description: li.Description, Genre: li.Genre, URL: li.URL})
	}
}

// SetMediaDirs points the station at dirs and has the library scan every
// station's folders as they now are.
func (a applier) SetMediaDirs(id string, dirs []string) {
	st := a.stations.Get(id)
	if st == nil {
		return
	}
	st.SetMediaDirs(dirs)
	var all []string
	for _, s := range a.stations.List() {
		all = append(all, s.MediaDirs()...)
	}
	a.library.SetDirs(all)
}

func (a applier) SourcePasswordChanged(fromConsole bool) {
	a.log.Info("source password changed", "component", "settings", "from_console", fromConsole)
}
