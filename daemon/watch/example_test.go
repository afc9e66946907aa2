package watch_test

import (
	"context"

	"github.com/sirupsen/logrus"

	"github.com/swaykeep/swaykeep/daemon/watch"
)

// The daemon's wiring: Set after every load, Debounce between the Watcher
// and the reload.
func Example() {
	ctx := context.Background()
	log := logrus.StandardLogger()
	load := func() []string { return []string{"/etc/swaykeep/main.hcl", "/etc/swaykeep/secrets/alpha"} }

	w, err := watch.New(log)
	if err != nil {
		log.WithError(err).Error("config watcher unavailable; reload with SIGHUP")
		return
	}
	defer w.Close()
	if err := w.Set(load()); err != nil {
		log.WithError(err).Warn("not every config file is watched")
	}
	watch.Debounce(ctx, w.Events(), watch.DefaultDelay, func() {
		// Reload; then hand the files this load read or tried to read,
		// whether it failed or not, to Set.
		if err := w.Set(load()); err != nil {
			log.WithError(err).Warn("not every config file is watched")
		}
	})
}
