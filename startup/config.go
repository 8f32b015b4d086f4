package startup

import (
	"fmt"

	"onair/config"
)

// Load reads the config file at path (if any) over the built-in defaults,
// applies the environment (getenv, os.Getenv in the server), and
// validates the result, TLS certificate included.
func Load(path string, getenv func(string) string) (config.Config, error) {
	cfg := config.Default()
	if path != "" {
		var err error
		if cfg, err = config.Load(path); err != nil {
			return cfg, err
		}
	}
	cfg.ApplyEnv(getenv)
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("configuration (after environment overrides): %w", err)
	}
	if _, err := cfg.TLSCertificate(); err != nil {
		if path != "" {
			return cfg, fmt.Errorf("%s: %w", path, err)
		}
		return cfg, err
	}
	return cfg, nil
}
