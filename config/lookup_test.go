package config

import (
	"reflect"
	"testing"
)

func TestHTTPPort(t *testing.T) {
	tests := []struct {
		listen  string
		want    int
		wantErr bool
	}{
		{":8000", 8000, false},
		{"127.0.0.1:0", 0, false},
		{"[::1]:9000", 9000, false},
		{"8000", 0, true},
		{":http", 0, true},
		{":65536", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.listen, func(t *testing.T) {
			c := Default()
			c.Listen = tt.listen
			got, err := c.HTTPPort()
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("HTTPPort() = %d, %v; want %d, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestShoutcastAddr(t *testing.T) {
	tests := []struct {
		name   string
		listen string
		port   PortSetting
		want   string
	}{
		{"auto", ":8000", PortAuto, ":8001"},
		{"auto with host", "127.0.0.1:8000", PortAuto, "127.0.0.1:8001"},
		{"auto ipv6", "[::1]:8000", PortAuto, "[::1]:8001"},
		{"auto random http port", "127.0.0.1:0", PortAuto, ""},
		{"number", ":8000", 9000, ":9000"},
		{"off", ":8000", PortOff, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			c.Listen, c.ShoutcastPort = tt.listen, tt.port
			got, err := c.ShoutcastAddr()
			if err != nil || got != tt.want {
				t.Fatalf("ShoutcastAddr() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	c := Default()
	c.Listen = "nonsense"
	if _, err := c.ShoutcastAddr(); err == nil {
		t.Fatal("ShoutcastAddr() with a bad listen address succeeded")
	}
}

func TestMountSettings(t *testing.T) {
	c := Default()
	c.Mounts = []Mount{
		{Path: "/relay", MaxListeners: 10, Fallback: "/stream", FallbackOverride: true, BurstSize: 1024, Metaint: 8192},
		{Path: "/inherit"},
	}
	c.Relays = []Relay{{Mount: "/edge", Upstreams: []string{"http://o/s"}, Fallback: "/stream", FallbackOverride: true}}
	tests := []struct {
		path string
		want MountSettings
	}{
		{"/relay", MountSettings{Listed: true, BurstSize: 1024, Metaint: 8192, MaxListeners: 10, Fallback: "/stream", FallbackOverride: true}},
		{"/inherit", MountSettings{Listed: true, BurstSize: 65536, Metaint: 16000}},
		{"/edge", MountSettings{Listed: true, BurstSize: 65536, Metaint: 16000, Fallback: "/stream", FallbackOverride: true}},
		{"/stream", MountSettings{BurstSize: 65536, Metaint: 16000}},
		{"/unlisted", MountSettings{BurstSize: 65536, Metaint: 16000}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if got := c.MountSettings(tt.path); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("MountSettings(%q) = %+v, want %+v", tt.path, got, tt.want)
			}
		})
	}
}

func TestStationByID(t *testing.T) {
	c := Default()
	if s, ok := c.StationByID("main"); !ok || s.Mount != "/stream" {
		t.Fatalf("StationByID(main) = %+v, %v", s, ok)
	}
	if _, ok := c.StationByID("nope"); ok {
		t.Fatal("StationByID(nope) found a station")
	}
}

func TestTrustedProxyPrefixes(t *testing.T) {
	c := Default()
	c.TrustedProxies = []string{"127.0.0.1", "10.1.2.3/8", "::1", "bogus"}
	got := c.TrustedProxyPrefixes()
	want := []string{"127.0.0.1/32", "10.0.0.0/8", "::1/128"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("prefix %d = %s, want %s", i, got[i], want[i])
		}
	}
}

func TestMountSettingsHidden(t *testing.T) {
	c := Default()
	c.Mounts = []Mount{{Path: "/secret", Hidden: true}, {Path: "/open"}}
	if !c.MountSettings("/secret").Hidden {
		t.Error("/secret: hidden: true not carried into its settings")
	}
	if c.MountSettings("/open").Hidden || c.MountSettings("/stream").Hidden {
		t.Error("a mount that does not say hidden: true is hidden")
	}
}
