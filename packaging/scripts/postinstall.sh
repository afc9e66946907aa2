#!/bin/sh
# After install or upgrade (dpkg: configure [OLD-VERSION]; rpm: 1 or 2).
# Creates the user and directories; never starts the service on a fresh
# install (the admin configures accounts first), restarts it on upgrade only if
# it was running (state_dir makes that cheap: sessions are resumed).
set -e

upgrade=no
case "$1" in
  configure) [ -n "$2" ] && upgrade=yes ;;
  [2-9]*) upgrade=yes ;;
esac

systemd-sysusers /usr/lib/sysusers.d/swaykeep.conf
systemd-tmpfiles --create /usr/lib/tmpfiles.d/swaykeep.conf

# For file("/etc/swaykeep/secrets/NAME"): root writes, the service reads.
if [ ! -d /etc/swaykeep/secrets ]; then
  install -d -m 0750 -o root -g swaykeep /etc/swaykeep/secrets
fi

if [ -d /run/systemd/system ]; then
  systemctl daemon-reload || true
  if [ "$upgrade" = yes ]; then
    systemctl try-restart swaykeep.service || true
  fi
fi
exit 0
