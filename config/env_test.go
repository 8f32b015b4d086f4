package config

import "testing"

func TestApplyEnv(t *testing.T) {
	tests := []struct {
		name  string
		env   map[string]string
		check func(Config) bool
	}{
		{"listen", map[string]string{"ONAIR_LISTEN": "127.0.0.1:9000"}, func(c Config) bool { return c.Listen == "127.0.0.1:9000" }},
		{"data", map[string]string{"ONAIR_DATA": "/var/lib/onair"}, func(c Config) bool { return c.DataDir == "/var/lib/onair" }},
		{"source password", map[string]string{"ONAIR_SOURCE_PASSWORD": "s3cret"}, func(c Config) bool { return c.SourcePassword == "s3cret" }},
		{"admin password", map[string]string{"ONAIR_ADMIN_PASSWORD": "an0ther"}, func(c Config) bool { return c.AdminPassword == "an0ther" }},
		{"relay password", map[string]string{"ONAIR_RELAY_PASSWORD": "r3lay"}, func(c Config) bool { return c.RelayPassword == "r3lay" }},
		{"empty is not set", map[string]string{"ONAIR_LISTEN": "", "ONAIR_DATA": ""}, func(c Config) bool {
			return c.Listen == ":7000" && c.DataDir == "./file-data"
		}},
		{"other variables ignored", map[string]string{"ONAIR_HOSTNAME": "x"}, func(c Config) bool { return c.Hostname == "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// As if from a file: the environment wins over it.
			c := Default()
			c.Listen = ":7000"
			c.DataDir = "./file-data"
			c.ApplyEnv(func(k string) string { return tt.env[k] })
			if !tt.check(c) {
				t.Fatalf("after ApplyEnv(%v): %+v", tt.env, c)
			}
		})
	}
}

func TestApplyEnvThenValidate(t *testing.T) {
	c := Default()
	c.ApplyEnv(func(k string) string {
		if k == EnvListen {
			return "nonsense"
		}
		return ""
	})
	err := c.Validate()
	if err == nil || err.Error() != `'listen' must be host:port such as ":8000" with a port 0..65535, not "nonsense"` {
		t.Fatalf("Validate() = %v", err)
	}
}
