//go:build !linux

package notify

import "github.com/sirupsen/logrus"

// New returns a no-op Notifier: there is no systemd off Linux.
func New(log logrus.FieldLogger) *Notifier { return newNotifier(log, nil, 0) }

func reloadingMessage() string { return "RELOADING=1" }
