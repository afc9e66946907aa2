#!/bin/sh
# After removal (dpkg: remove|purge|upgrade ...; rpm: 0 on erase, 1 on upgrade).
# The swaykeep user stays: files outside the package may still belong to it.
set -e

if [ -d /run/systemd/system ]; then
  systemctl daemon-reload || true
fi

case "$1" in
  purge)
    # Saved sessions and verdicts, token files and the socket.
    rm -rf /var/lib/swaykeep /run/swaykeep
    rmdir --ignore-fail-on-non-empty /etc/swaykeep/secrets /etc/swaykeep 2>/dev/null || true
    ;;
esac
exit 0
