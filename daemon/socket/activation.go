package socket

import (
	"fmt"
	"io/fs"
	"net"
	"os"

	"github.com/coreos/go-systemd/v22/activation"
	"github.com/sirupsen/logrus"
)

// Open returns the daemon's listener: the socket systemd passed (socket
// activation, LISTEN_FDS) if there is one, else Listen(path, mode). With an
// inherited socket, the socket {} block's path and mode do not apply (the
// .socket unit's ListenStream= and SocketMode= do); Open warns when they
// differ from the inherited socket's. activated reports which it was.
//
// Call it once per process: the LISTEN_* variables are unset on the first
// call so child processes do not inherit them.
func Open(path string, mode fs.FileMode, log logrus.FieldLogger) (l net.Listener, activated bool, err error) {
	ls, err := activation.Listeners()
	if err != nil {
		return nil, false, fmt.Errorf("socket activation: %w", err)
	}
	for _, cand := range ls {
		if cand == nil {
			continue
		}
		if cand.Addr().Network() != "unix" || l != nil {
			log.WithField("addr", cand.Addr().String()).Warn("socket activation: ignoring an inherited socket that is not the first Unix stream socket")
			cand.Close()
			continue
		}
		l = cand
	}
	if l == nil {
		l, err = Listen(path, mode)
		return l, false, err
	}
	inherited := l.Addr().String()
	fields := logrus.Fields{"socket": inherited, "configured_path": path, "configured_mode": fmt.Sprintf("%04o", mode.Perm())}
	fi, statErr := os.Stat(inherited)
	if inherited != path || statErr != nil || fi.Mode().Perm() != mode.Perm() {
		log.WithFields(fields).Warn("socket activation: using the socket from systemd; the socket {} block's path and mode are ignored (set them in swaykeep.socket)")
	} else {
		log.WithFields(fields).Info("socket activation: using the socket from systemd")
	}
	return l, true, nil
}
