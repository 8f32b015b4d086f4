package startup

import (
	"fmt"
	"io"
	"net"
	"strconv"

	"onair/config"
)

// generated are the passwords made on this start, shown once.
type generated struct {
	Admin, Source string
}

// printBanner tells the operator where everything is, and shows generated
// passwords this once.
func printBanner(w io.Writer, version string, cfg config.Config, httpPort int, scLn net.Listener, gen generated) {
	host := cfg.Hostname
	if host == "" {
		host = "localhost"
	}
	base := "http://" + net.JoinHostPort(host, strconv.Itoa(httpPort))
	fmt.Fprintf(w, "OnAir %s is on air.\n", version)
	for _, st := range cfg.Stations {
		fmt.Fprintf(w, "  Listen:   %s%s  (station %q)\n", base, st.Mount, st.ID)
	}
	fmt.Fprintf(w, "  Status:   %s/  and  %s/status-json.xsl\n", base, base)
	live := cfg.ShoutcastMount
	if len(cfg.Stations) > 0 && cfg.Stations[0].LiveMount != "" {
		live = cfg.Stations[0].LiveMount
	}
	fmt.Fprintf(w, "  Sources:  Icecast  %s%s  (user \"source\")\n", base, live)
	if scLn != nil {
		fmt.Fprintf(w, "            SHOUTcast v1  %s port %d  (lands on %s)\n", host, scLn.Addr().(*net.TCPAddr).Port, cfg.ShoutcastMount)
	}
	if gen.Admin != "" {
		fmt.Fprintf(w, "  Admin password for %q (generated, shown only now): %s\n", cfg.AdminUser, gen.Admin)
	}
	if gen.Source != "" {
		fmt.Fprintf(w, "  Source password (generated, shown only now): %s\n", gen.Source)
	}
	if gen.Admin != "" || gen.Source != "" {
		fmt.Fprintf(w, "  Generated passwords are kept hashed in %s; set admin_password/source_password to choose your own.\n", cfg.DataDir)
	}
}
