#!/usr/bin/env bash
# Packaging checks (DESIGN.md §6, §8), run by .ci/run after the Go tests and
# runnable by hand from anywhere: bash packaging/check.sh
#
#  1. build the binary and install it at the unit's ExecStart= path, which
#     `systemd-analyze verify` requires;
#  2. `systemd-analyze verify` of both units: no warning about them;
#  3. `systemd-analyze security --offline=true --threshold=15`: exposure 1.5
#     or lower (the threshold is ten times the score);
#  4. the unit and syscall-filter tests of packaging/, outside -race so the
#     strace survey runs;
#  5. the .deb and .rpm built with nfpm at a pinned version, and the .deb's
#     files and conffiles checked;
#  6. under CI (CI=true), the .deb installed, its user and directories
#     checked, and purged again.
#
# Installs what it needs on a fresh Debian 12 with Go. Run as root (it writes
# /usr/bin/swaykeep).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$HOME/go/bin:$PATH"

NFPM_VERSION=v2.48.0
export SWAYKEEP_VERSION="${SWAYKEEP_VERSION:-0.0.0-dev}"
export GOARCH="${GOARCH:-$(go env GOARCH)}"

need=()
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
command -v dpkg-deb >/dev/null 2>&1 || need+=(dpkg)
command -v strace >/dev/null 2>&1 || need+=(strace)
if [ ${#need[@]} -gt 0 ]; then
  echo "-- installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

echo "-- build dist/swaykeep ($SWAYKEEP_VERSION, $GOARCH) and install /usr/bin/swaykeep"
mkdir -p dist
# Static and reproducible: no libc dependency for the package.
CGO_ENABLED=0 go build -trimpath \
  -ldflags "-s -w -X github.com/swaykeep/swaykeep/daemon/buildinfo.version=$SWAYKEEP_VERSION" \
  -o dist/swaykeep ./cmd/swaykeep
install -m 0755 dist/swaykeep /usr/bin/swaykeep

echo "-- systemd-analyze verify"
verify=$(systemd-analyze verify packaging/swaykeep.service packaging/swaykeep.socket 2>&1) || {
  echo "$verify"
  echo "systemd-analyze verify failed"
  exit 1
}
# Lines about other units (a distribution's own) are not ours to fix.
ours=$(printf '%s\n' "$verify" | grep -i swaykeep || true)
if [ -n "$ours" ]; then
  echo "$verify"
  echo "systemd-analyze verify is not clean"
  exit 1
fi
[ -z "$verify" ] || printf 'note (not our units):\n%s\n' "$verify"

echo "-- systemd-analyze security --offline=true --threshold=15"
security=$(systemd-analyze security --no-pager --offline=true --threshold=15 packaging/swaykeep.service 2>&1) || {
  echo "$security"
  echo "the unit's exposure is above 1.5"
  exit 1
}
printf '%s\n' "$security" | grep -F 'Overall exposure level'

echo "-- go test ./packaging/ (syscall survey outside -race)"
go test -count=1 ./packaging/

echo "-- nfpm $NFPM_VERSION: .deb and .rpm"
nfpm_bin=$(mktemp -d)
trap 'rm -rf "$nfpm_bin"' EXIT
# Built for the host, whatever GOARCH the package is for.
GOARCH= GOBIN="$nfpm_bin" go install "github.com/goreleaser/nfpm/v2/cmd/nfpm@$NFPM_VERSION"
rm -f dist/*.deb dist/*.rpm
"$nfpm_bin/nfpm" package -f packaging/nfpm.yaml -p deb -t dist/
"$nfpm_bin/nfpm" package -f packaging/nfpm.yaml -p rpm -t dist/
deb=$(ls dist/*.deb)

echo "-- contents of $deb"
expected='./etc/swaykeep/swaykeep.hcl
./usr/bin/swaykeep
./usr/lib/systemd/system/swaykeep.service
./usr/lib/systemd/system/swaykeep.socket
./usr/lib/sysusers.d/swaykeep.conf
./usr/lib/tmpfiles.d/swaykeep.conf'
files=$(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print $6}' | sort)
if [ "$files" != "$expected" ]; then
  printf 'package files:\n%s\nexpected:\n%s\n' "$files" "$expected"
  exit 1
fi
conffiles=$(dpkg-deb -I "$deb" conffiles)
if [ "$conffiles" != "/etc/swaykeep/swaykeep.hcl" ]; then
  echo "conffiles: $conffiles; expected /etc/swaykeep/swaykeep.hcl"
  exit 1
fi
for script in postinst prerm postrm; do
  dpkg-deb -I "$deb" "$script" >/dev/null || { echo "$deb has no $script"; exit 1; }
done
echo "$deb: $(echo "$files" | wc -l) files as expected, config is a conffile"

if [ "${CI:-}" = true ] && [ "$(id -u)" = 0 ] && ! dpkg -s swaykeep >/dev/null 2>&1; then
  echo "-- install, check, purge"
  dpkg -i "$deb" >/dev/null
  id swaykeep >/dev/null
  getent group swaykeep-admin >/dev/null
  owner() { # PATH "OWNER GROUP MODE"
    got=$(stat -c '%U %G %a' "$1")
    [ "$got" = "$2" ] || { echo "$1: $got, expected $2"; exit 1; }
  }
  owner /run/swaykeep "swaykeep swaykeep 755"
  owner /run/swaykeep/tokens "swaykeep swaykeep 751"
  owner /etc/swaykeep/secrets "root swaykeep 750"
  owner /etc/swaykeep/swaykeep.hcl "root root 644"
  /usr/bin/swaykeep version >/dev/null
  dpkg --purge swaykeep >/dev/null
  for f in /etc/swaykeep /usr/bin/swaykeep /run/swaykeep; do
    [ ! -e "$f" ] || { echo "$f left after purge"; exit 1; }
  done
  install -m 0755 dist/swaykeep /usr/bin/swaykeep # for later checks
  echo "installed and purged cleanly"
fi
echo "packaging checks: ok"
