package daemon

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/swaykeep/swaykeep/config"
	"github.com/swaykeep/swaykeep/daemon/buildinfo"
	"github.com/swaykeep/swaykeep/daemon/keeper"
	"github.com/swaykeep/swaykeep/daemon/sink"
	"github.com/swaykeep/swaykeep/daemon/socket"
	"github.com/swaykeep/swaykeep/daemon/swayapi"
)

// account is one running account: its keeper, token files and readers.
type account struct {
	cfg     *config.Account
	k       *keeper.Keeper
	sink    *sink.Set
	readers socket.Principals
	cancel  context.CancelFunc
	done    chan struct{} // closed when the keeper's Run returned
}

// stop stops the keeper and waits for it. Token files stay as they are.
func (a *account) stop() {
	a.cancel()
	<-a.done
}

// clients holds one API client, and so one keep-alive transport, per
// (api_url, ca_file): thousands of sessions share a handful of connections.
type clients struct {
	transport func(apiURL, caFile string) (http.RoundTripper, error)
	observe   func(op string, status int, d time.Duration) // request metrics

	mu sync.Mutex
	m  map[clientKey]*swayapi.Client
}

type clientKey struct{ apiURL, caFile string }

func (c *clients) get(a *config.Account) (*swayapi.Client, error) {
	key := clientKey{a.APIURL, a.CAFile}
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl := c.m[key]; cl != nil {
		return cl, nil
	}
	opts := swayapi.Options{
		BaseURL:   a.APIURL,
		CAFile:    a.CAFile,
		UserAgent: buildinfo.UserAgent(),
		// Each keeper bounds its own calls by its account's request_timeout
		// through the context; the client's own bound only backs that up.
		RequestTimeout: maxRequestTimeout,
	}
	opts.Observe = c.observe
	if c.transport != nil {
		rt, err := c.transport(a.APIURL, a.CAFile)
		if err != nil {
			return nil, fmt.Errorf("transport for %s: %w", a.APIURL, err)
		}
		opts.Transport = rt
	}
	cl, err := swayapi.New(opts)
	if err != nil {
		return nil, fmt.Errorf("api client for %s of %s: %w", a.APIURL, a.Name, err)
	}
	if c.m == nil {
		c.m = make(map[clientKey]*swayapi.Client)
	}
	c.m[key] = cl
	return cl, nil
}

// prune forgets the clients no account of cfg uses.
func (c *clients) prune(cfg *config.Config) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for key := range c.m {
		if !slices.ContainsFunc(cfg.Accounts, func(a *config.Account) bool {
			return clientKey{a.APIURL, a.CAFile} == key
		}) {
			c.m[key].CloseIdleConnections()
			delete(c.m, key)
		}
	}
}

// resolve turns a readers or admins block into ids. A name that does not
// exist (yet) is skipped with a warning: it grants nothing until a reload
// finds it, which is what `swaykeep validate` warns about. known is the block
// without those names. A lookup that fails otherwise is an error.
func (d *Daemon) resolve(where string, p config.Principals) (ids socket.Principals, known config.Principals, err error) {
	lookup := func(kind, name string, find func(string) (int, error)) (uint32, bool, error) {
		id, err := find(name)
		switch {
		case errors.Is(err, sink.ErrUnknownName):
			d.log.WithField(kind, name).Warnf("%s: no %s named %q: it gets no access until it exists (and a reload)", where, kind, name)
			return 0, false, nil
		case err != nil:
			return 0, false, fmt.Errorf("%s: %w", where, err)
		}
		return uint32(id), true, nil
	}
	for _, name := range p.Users {
		uid, ok, err := lookup("user", name, d.opts.Resolver.LookupUser)
		if err != nil {
			return ids, known, err
		}
		if ok {
			ids.UIDs = append(ids.UIDs, uid)
			known.Users = append(known.Users, name)
		}
	}
	for _, name := range p.Groups {
		gid, ok, err := lookup("group", name, d.opts.Resolver.LookupGroup)
		if err != nil {
			return ids, known, err
		}
		if ok {
			ids.GIDs = append(ids.GIDs, gid)
			known.Groups = append(known.Groups, name)
		}
	}
	return ids, known, nil
}

// prepared is what an account of the next generation needs, built before
// anything of the running generation is touched (build, swap, then stop).
type prepared struct {
	cfg     *config.Account
	sink    *sink.Set
	readers socket.Principals
}

// prepare resolves names and builds the token file set of a.
func (d *Daemon) prepare(a *config.Account) (*prepared, error) {
	readers, known, err := d.resolve("readers of "+a.Name, a.Readers)
	if err != nil {
		return nil, err
	}
	set, err := sink.New(a.Name, a.APIURL, a.TokenFiles, known, sink.Options{Resolver: d.opts.Resolver})
	if err != nil {
		return nil, err
	}
	if _, err := d.clients.get(a); err != nil {
		return nil, err
	}
	return &prepared{cfg: a, sink: set, readers: readers}, nil
}

// start runs a keeper for p. The caller holds d.mu.
func (d *Daemon) start(p *prepared) *account {
	client, _ := d.clients.get(p.cfg) // built by prepare
	acct := &account{cfg: p.cfg, sink: p.sink, readers: p.readers, done: make(chan struct{})}
	acct.k = keeper.New(keeper.Config{
		Account:  p.cfg,
		Client:   client,
		Limiters: d.limiters,
		Sink:     p.sink,
		Store:    d.store,
		Emit:     d.events.Publish,
		Now:      d.opts.Now,
		Log:      d.log,
		Count: func(op, result string) {
			if op == "login" {
				d.metrics.CountLogin(p.cfg.Name, result)
			} else {
				d.metrics.CountPing(p.cfg.Name, result)
			}
		},
	})
	ctx, cancel := context.WithCancel(d.runCtx)
	acct.cancel = cancel
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		defer close(acct.done)
		acct.k.Run(ctx)
	}()
	d.accounts[p.cfg.Name] = acct
	return acct
}

// retire stops an account for good: its keeper stops, its session is logged
// out once (best effort), its token files are removed and its saved state is
// forgotten.
func (d *Daemon) retire(ctx context.Context, a *account) {
	a.stop()
	if err := a.k.Logout(ctx); err != nil {
		d.log.WithField("account", a.cfg.Name).WithError(err).Warn("logout of a retired account")
	}
}

// retireAll retires accounts in parallel, bounded by ctx.
func (d *Daemon) retireAll(ctx context.Context, accts []*account) {
	var wg sync.WaitGroup
	for _, a := range accts {
		wg.Go(func() { d.retire(ctx, a) })
	}
	wg.Wait()
}
