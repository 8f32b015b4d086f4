package config

import (
	"strings"
	"testing"
)

func TestPortSettingYAML(t *testing.T) {
	tests := []struct {
		name, value string
		want        PortSetting
		wantErr     string
	}{
		{"auto", "auto", PortAuto, ""},
		{"auto upper case", "AUTO", PortAuto, ""},
		{"number", "8010", 8010, ""},
		{"quoted number", `"8010"`, 8010, ""},
		{"off", "0", PortOff, ""},
		{"max", "65535", 65535, ""},
		{"too big", "65536", 0, "onair.yaml:1: 'shoutcast_port' must be auto, 0 (off) or a port 1..65535"},
		{"negative", "-1", 0, "onair.yaml:1: 'shoutcast_port' must be auto"},
		{"garbage", "sometimes", 0, `onair.yaml:1: 'shoutcast_port' must be auto, 0 (off) or a port 1..65535, not "sometimes"`},
		{"list", "[1]", 0, "onair.yaml:1: 'shoutcast_port' must be auto, 0 (off) or a port 1..65535"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("onair.yaml", []byte("shoutcast_port: "+tt.value+"\n"))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.ShoutcastPort != tt.want {
				t.Fatalf("ShoutcastPort = %v, want %v", c.ShoutcastPort, tt.want)
			}
		})
	}
}

func TestPortSettingResolve(t *testing.T) {
	tests := []struct {
		p        PortSetting
		httpPort int
		want     int
	}{
		{PortAuto, 8000, 8001},
		{PortAuto, 0, 0},
		{PortAuto, 65535, 0},
		{PortOff, 8000, 0},
		{9000, 8000, 9000},
		{PortSetting(70000), 8000, 0},
	}
	for _, tt := range tests {
		t.Run(tt.p.String(), func(t *testing.T) {
			if got := tt.p.Resolve(tt.httpPort); got != tt.want {
				t.Fatalf("%v.Resolve(%d) = %d, want %d", tt.p, tt.httpPort, got, tt.want)
			}
		})
	}
}

func TestPortSettingText(t *testing.T) {
	for _, p := range []PortSetting{PortAuto, PortOff, 1, 8001, 65535} {
		t.Run(p.String(), func(t *testing.T) {
			text, err := p.MarshalText()
			if err != nil {
				t.Fatal(err)
			}
			var back PortSetting
			if err := back.UnmarshalText(text); err != nil || back != p {
				t.Fatalf("round trip %q = %v, %v", text, back, err)
			}
		})
	}
	if _, err := PortSetting(-5).MarshalText(); err == nil {
		t.Fatal("MarshalText(-5) succeeded")
	}
}
