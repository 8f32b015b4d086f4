package station

import (
	"context"
	"time"

	"onair/broadcast"
)

// Set is the server's stations, found by id or by mount.
type Set struct {
	list    []*Station
	byID    map[string]*Station
	byMount map[string]*Station
}

// NewSet makes a set of stations.
func NewSet(stations ...*Station) *Set {
	s := &Set{byID: map[string]*Station{}, byMount: map[string]*Station{}}
	for _, st := range stations {
		s.list = append(s.list, st)
		s.byID[st.ID()] = st
		s.byMount[st.Mount()] = st
		for _, o := range st.outputs {
			s.byMount[o.cfg.Mount] = st
		}
	}
	return s
}

// List returns the stations in configuration order.
func (s *Set) List() []*Station { return append([]*Station(nil), s.list...) }

// Get returns the station with id, or nil.
func (s *Set) Get(id string) *Station { return s.byID[id] }

// Program tells the status pages what the station on mount is playing.
func (s *Set) Program(mount string) (broadcast.Program, bool) {
	st := s.byMount[mount]
	if st == nil {
		return broadcast.Program{}, false
	}
	np := st.NowPlaying()
	var dropped int64
	output := false
	for _, o := range st.outputs {
		if o.cfg.Mount == mount {
			dropped, output = o.out.Dropped(), true
		}
	}
	return broadcast.Program{
		Output: output, DroppedBlocks: dropped,
		Station:   st.ID(),
		Title:     np.Name,
		Artist:    np.Artist,
		Display:   np.Title,
		StartedAt: np.StartedAt,
		Duration:  np.Duration.Round(time.Millisecond),
		Playlist:  np.Playlist,
		Live:      np.Live,
	}, true
}

// Played is the song history of the station on mount, for /played.html.
func (s *Set) Played(mount string, limit int) ([]broadcast.Played, bool) {
	st := s.byMount[mount]
	if st == nil || st.history == nil {
		return nil, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	plays, err := st.History(ctx, limit)
	if err != nil {
		st.log.Warn("cannot read history", "err", err)
		return nil, false
	}
	out := make([]broadcast.Played, len(plays))
	for i, p := range plays {
		title := p.Title
		if p.Artist != "" {
			title = p.Artist + " - " + p.Title
		}
		out[i] = broadcast.Played{At: p.PlayedAt, Title: title}
	}
	return out, true
}
