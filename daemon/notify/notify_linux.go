package notify

import (
	"os"
	"strings"

	"github.com/coreos/go-systemd/v22/daemon"
	"github.com/sirupsen/logrus"
)

// New reads NOTIFY_SOCKET and WATCHDOG_USEC (honouring WATCHDOG_PID) without
// unsetting them. With NOTIFY_SOCKET unset the Notifier is a no-op.
func New(log logrus.FieldLogger) *Notifier {
	if os.Getenv("NOTIFY_SOCKET") == "" {
		return newNotifier(log, nil, 0)
	}
	wd, err := daemon.SdWatchdogEnabled(false)
	if err != nil {
		log.WithError(err).Warn("ignoring malformed watchdog settings")
		wd = 0
	}
	return newNotifier(log, sdNotify, wd)
}

// sdNotify sends one datagram to NOTIFY_SOCKET, leaving the variable set.
func sdNotify(state string) error {
	_, err := daemon.SdNotify(false, state)
	return err
}

// reloadingMessage is RELOADING=1 and, where the clock exists, MONOTONIC_USEC=
// read from CLOCK_MONOTONIC by go-systemd's helper: systemd compares it with
// its own monotonic clock, so wall time would be wrong.
func reloadingMessage() string {
	return strings.TrimSuffix("RELOADING=1\n"+daemon.SdNotifyMonotonicUsec(), "\n")
}
