package daemon

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/swaykeep/swaykeep/daemon/keeper"
)

func TestThreeAccountsOneLoginEachAndPinged(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := newSim("alice", "bob", "carol")
		r := newRig(t, sim, map[string]string{"main.hcl": baseConfig, "accounts.hcl": accounts("alice", "bob", "carol")})
		r.start()
		for _, u := range []string{"alice", "bob", "carol"} {
			if r.token(u) == "" {
				t.Fatalf("%s: no token file after start", u)
			}
			if got := r.stateOf(u); got != keeper.Active {
				t.Errorf("%s: state %s, want active", u, got)
			}
		}
		r.settle(6 * time.Hour)
		for _, u := range []string{"alice", "bob", "carol"} {
			st := sim.Stats(u)
			if st.Logins != 1 {
				t.Errorf("%s: %d logins over 6h, want 1", u, st.Logins)
			}
			// 30 min timeout, pings at ~15 min: about 24 in 6 hours.
			if st.Pings < 20 {
				t.Errorf("%s: %d pings over 6h, want about 24", u, st.Pings)
			}
		}
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
	})
}
