package config

// Environment variables read by ApplyEnv.
//
//nolint:gosec // names of variables, not credentials
const (
	// EnvListen overrides listen.
	EnvListen = "ONAIR_LISTEN"
	// EnvData overrides data_dir.
	EnvData = "ONAIR_DATA"
	// EnvSourcePassword overrides source_password.
	EnvSourcePassword = "ONAIR_SOURCE_PASSWORD"
	// EnvAdminPassword overrides admin_password.
	EnvAdminPassword = "ONAIR_ADMIN_PASSWORD"
	// EnvRelayPassword overrides relay_password.
	EnvRelayPassword = "ONAIR_RELAY_PASSWORD"
)

// ApplyEnv overrides settings from environment variables read through getenv
// (os.Getenv in the server, a map in tests): ONAIR_LISTEN sets listen,
// ONAIR_DATA data_dir, ONAIR_SOURCE_PASSWORD source_password,
// ONAIR_ADMIN_PASSWORD admin_password and ONAIR_RELAY_PASSWORD
// relay_password. An empty value counts as not set.
// ApplyEnv does not validate; call Validate afterwards.
func (c *Config) ApplyEnv(getenv func(string) string) {
	for _, o := range []struct {
		name string
		dst  *string
	}{
		{EnvListen, &c.Listen},
		{EnvData, &c.DataDir},
		{EnvSourcePassword, &c.SourcePassword},
		{EnvAdminPassword, &c.AdminPassword},
		{EnvRelayPassword, &c.RelayPassword},
	} {
		if v := getenv(o.name); v != "" {
			*o.dst = v
		}
	}
}
