package startup

import (
	"slices"
	"testing"

	"onair/config"
)

// TestSettleNamesRestartKeysAndKeepsRunningValues: what a reload cannot
// apply keeps its running value and is named by key (nested keys in
// full); what it can is taken and named too.
func TestSettleNamesRestartKeysAndKeepsRunningValues(t *testing.T) {
	running := config.Default()
	next := config.Default()
	next.Stations = slices.Clone(next.Stations)
	next.Listen = ":9000"
	next.TLSListen = ":9443"
	next.MaxListeners = 5
	next.Mounts = []config.Mount{{Path: "/relay"}}
	next.Push = []config.Push{{Mount: "/stream", URL: "icecast://source:pw@h:8000/m"}}
	next.RelayMaster.URL = "http://origin:8000"
	next.Stations[0].Name = "New name"
	next.Stations[0].MediaDirs = []string{"/srv/music"}
	next.Stations[0].Bitrate = 192
	next.Stations[0].Mixer.BgLevel = 0.1
	next.Stations[0].Outputs = []config.Output{{Mount: "/stream-64.mp3", Codec: config.CodecMP3, Bitrate: 64}}
	extra := config.DefaultStation()
	extra.ID, extra.Mount, extra.LiveMount = "second", "/second", ""
	next.Stations = append(next.Stations, extra)

	got, live, restart := settle(running, next)

	wantLive := []string{"max_listeners", "mounts", "stations.main.name", "stations.main.media_dirs"}
	wantRestart := []string{"listen", "tls_listen", "relay_master.url", "push", "stations.main.bitrate", "stations.main.mixer.bg_level",
		"stations.main.outputs", "stations.second (added)"}
	if !slices.Equal(live, wantLive) {
		t.Errorf("live keys %q, want %q", live, wantLive)
	}
	if !slices.Equal(restart, wantRestart) {
		t.Errorf("restart keys %q, want %q", restart, wantRestart)
	}
	if got.Listen != running.Listen || got.TLSListen != "" || got.MaxListeners != 5 || len(got.Mounts) != 1 || len(got.Push) != 0 || got.RelayMaster.URL != "" {
		t.Errorf("server settings after settle: %+v", got)
	}
	if len(got.Stations) != 1 {
		t.Fatalf("stations after settle: %+v, want the running one", got.Stations)
	}
	st := got.Stations[0]
	if st.Name != "New name" || !slices.Equal(st.MediaDirs, []string{"/srv/music"}) || st.Bitrate != 128 || st.Mixer.BgLevel != 0.3 || len(st.Outputs) != 0 {
		t.Errorf("station after settle: %+v", st)
	}
	if running.Stations[0].Name != "OnAir Radio" {
		t.Error("settle changed the running config")
	}

	_, _, restart = settle(running, config.Config{Stations: nil, Listen: running.Listen})
	if !slices.Contains(restart, "stations.main (removed)") {
		t.Errorf("a removed station: restart keys %q", restart)
	}
}
