#!/bin/sh
# Before removal (dpkg: remove|upgrade|deconfigure ...; rpm: 0 on erase, 1 on
# upgrade). Stops and disables the units only when the package goes away.
set -e

case "$1" in
  remove | 0)
    if [ -d /run/systemd/system ]; then
      systemctl disable --now swaykeep.socket swaykeep.service || true
    fi
    ;;
esac
exit 0
