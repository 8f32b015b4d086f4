#!/usr/bin/env bash
# package.sh: builds OnAir's Debian packages, one per architecture:
#   dist/onair_<version>_amd64.deb   PCs and servers
#   dist/onair_<version>_arm64.deb   64-bit Raspberry Pi OS (Pi 3, 4, 5)
#   dist/onair_<version>_armhf.deb   32-bit Raspberry Pi OS, every Pi
#                                    (GOARM=6: Pi Zero and Pi 1 too)
#
# Usage: scripts/package.sh [ARCH...]      (default: amd64 arm64 armhf)
#   VERSION=1.2.3 scripts/package.sh      choose the version
#   DIST=/some/dir scripts/package.sh     write the packages elsewhere
#   MAINTAINER="Name <mail>" scripts/package.sh
#
# The version, without VERSION: `git describe --tags` ("v1.2.0" gives
# 1.2.0, three commits later 1.2.0+git3.abc1234); with no tags,
# 0.0.0~git<commit date>.<short hash>. The binary reports the same version
# (onair -version).
#
# Needs Go only: nfpm runs as a Go tool from its own module
# (tools/nfpm/go.mod), fetched through the module proxy once and then from
# the module cache. The packages' files are in packaging/.
set -euo pipefail
cd "$(dirname "$0")/.."

version=${VERSION:-}
if [ -z "$version" ]; then
  if described=$(git describe --tags 2>/dev/null); then
    described=${described#v}
    # 1.2.0-3-gabc1234: three commits after the tag 1.2.0.
    if [[ $described =~ ^(.*)-([0-9]+)-g([0-9a-f]+)$ ]]; then
      version="${BASH_REMATCH[1]}+git${BASH_REMATCH[2]}.${BASH_REMATCH[3]}"
    else
      version=$described
    fi
  else
    version="0.0.0~git$(git log -1 --format=%cd --date=format:%Y%m%d).$(git rev-parse --short=7 HEAD)"
  fi
fi
# A Debian upstream version: starts with a digit, then alphanumerics and
# . + ~ (no hyphen: there is no Debian revision).
if ! [[ $version =~ ^[0-9][A-Za-z0-9.+~]*$ ]]; then
  echo "package.sh: $version is not a Debian version (digits first, then letters, digits and . + ~)" >&2
  exit 2
fi

maintainer=${MAINTAINER:-"OnAir maintainers <maintainers@onair.example.org>"}
dist=${DIST:-dist}
arches=("$@")
[ ${#arches[@]} -gt 0 ] || arches=(amd64 arm64 armhf)

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

# The packaged config: the sample with the service's folders.
sed -e 's|^data_dir: "./onair-data"  |data_dir: "/var/lib/onair"|' \
  -e 's|media_dirs: \["./music"\]|media_dirs: ["/var/lib/onair/music"]|' \
  onair.yaml >"$stage/onair.yaml"
if ! grep -q '^data_dir: "/var/lib/onair"' "$stage/onair.yaml" ||
  ! grep -q 'media_dirs: \["/var/lib/onair/music"\]' "$stage/onair.yaml"; then
  echo "package.sh: onair.yaml's data_dir or media_dirs line changed; update the sed above" >&2
  exit 1
fi

# The changelog: one entry for this build, dated by its commit.
{
  printf 'onair (%s) unstable; urgency=medium\n\n' "$version"
  printf '  * Built from commit %s. The changes are in the project'"'"'s git log.\n\n' "$(git rev-parse --short=12 HEAD)"
  printf ' -- %s  %s\n' "$maintainer" "$(git log -1 --format=%cd --date=rfc2822)"
} | gzip -9n >"$stage/changelog.gz"
gzip -9n <packaging/onair.1 >"$stage/onair.1.gz"

mkdir -p "$dist"
for arch in "${arches[@]}"; do
  ldflags="-s -w -X main.version=$version"
  case $arch in
  # PIE where Go links it without a C toolchain (not on 32-bit ARM).
  amd64 | arm64)
    goarch=$arch goarm= buildmode=pie
    ldflags="$ldflags -bindnow"
    ;;
  armhf)
    goarch=arm goarm=6 buildmode=exe
    # Go's default loader for arm is the soft-float one; Debian's and
    # Raspberry Pi OS's armhf have /lib/ld-linux-armhf.so.3.
    ldflags="$ldflags -I /lib/ld-linux-armhf.so.3"
    ;;
  *) echo "package.sh: unknown architecture $arch (amd64, arm64, armhf)" >&2; exit 2 ;;
  esac
  mkdir -p "$stage/$arch"
  # CGO_ENABLED=0: purego still links the C library's loader (LAME and
  # PortAudio are opened at run time), so one binary per arch, no C toolchain.
  CGO_ENABLED=0 GOOS=linux GOARCH=$goarch GOARM=$goarm \
    go build -trimpath -buildmode=$buildmode -ldflags "$ldflags" -o "$stage/$arch/onair" ./cmd/onair
  cp "$stage/onair.yaml" "$stage/changelog.gz" "$stage/onair.1.gz" "$stage/$arch/"
  out="$dist/onair_${version}_${arch}.deb"
  ONAIR_DEB_ARCH=$arch ONAIR_VERSION=$version ONAIR_MAINTAINER=$maintainer ONAIR_STAGE="$stage/$arch" \
    go tool -modfile=tools/nfpm/go.mod nfpm package --config packaging/nfpm.yaml --packager deb --target "$out" >/dev/null
  echo "$out"
done
