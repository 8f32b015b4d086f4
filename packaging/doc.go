// Package packaging holds no code: this folder holds what
// scripts/package.sh puts in OnAir's Debian packages (the nfpm config, the
// systemd unit, the maintainer scripts, the copyright file and the manual
// page), and its tests build a package and check it as Debian's tools do.
package packaging
