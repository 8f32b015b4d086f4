package station

import (
	"slices"

	"onair/broadcast"
)

// Listing is what listeners are told about a station: its icy-name,
// icy-description, icy-genre and icy-url, also shown by the status pages
// and the API.
type Listing struct {
	Name        string
	Description string
	Genre       string
	URL         string
}

// Listing returns what listeners are told about the station now.
func (s *Station) Listing() Listing {
	info := s.mount.Info()
	if info == nil { // not published: what the config says
		return Listing{Name: s.cfg.Name, Description: s.cfg.Description, Genre: s.cfg.Genre, URL: s.cfg.URL}
	}
	return Listing{Name: info.Name, Description: info.Description, Genre: info.Genre, URL: info.URL}
}

// SetListing changes what listeners are told about the station. Listeners
// who connect from now on get the new headers, and the status pages and
// the API show it at once; those connected keep the headers they got.
// The caller checks the values (no control characters: they go into
// response headers).
func (s *Station) SetListing(l Listing) {
	s.listingMu.Lock()
	defer s.listingMu.Unlock()
	// The outputs carry the same listing as the station's mount.
	mounts := []*broadcast.Mount{s.mount}
	for _, o := range s.outputs {
		mounts = append(mounts, o.mount)
	}
	for _, m := range mounts {
		var info broadcast.StreamInfo
		if cur := m.Info(); cur != nil {
			info = *cur
		}
		info.Name, info.Description, info.Genre, info.URL = l.Name, l.Description, l.Genre, l.URL
		m.SetInfo(info)
	}
	s.log.Info("station listing changed", "name", l.Name)
}

// SetMediaDirs makes dirs the station's music folders: its next pick
// chooses from the tracks in them (once the library has scanned them,
// which the caller asks for), and uploads go to the first.
func (s *Station) SetMediaDirs(dirs []string) {
	dirs = slices.Clone(dirs)
	s.dirs.Store(&dirs)
	s.rotation.SetDirs(dirs)
	s.engine.SetIdleTitle(IdleTitle(dirs))
	s.log.Info("media folders changed", "media", dirs)
}
