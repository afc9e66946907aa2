package socket

import (
	"errors"
	"net/http"

	"github.com/swaykeep/swaykeep/daemon/keeper"
)

// GET /v1/accounts: the accounts the peer may see.
func (s *Server) listAccounts(w http.ResponseWriter, r *http.Request) {
	p := mustPeer(r)
	list := AccountList{Accounts: []AccountStatus{}}
	for _, a := range s.b.Accounts() {
		if s.canSee(p, a) {
			list.Accounts = append(list.Accounts, StatusOf(a.Status))
		}
	}
	WriteJSON(w, http.StatusOK, list)
}

// GET /v1/accounts/{name}
func (s *Server) getAccount(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	a, ok := s.visible(mustPeer(r), name)
	if !ok {
		notFound(w, name)
		return
	}
	WriteJSON(w, http.StatusOK, StatusOf(a.Status))
}

// POST /v1/accounts/{name}/login: admin only. A non-admin learns that it
// lacks the right only for an account it may see; for any other the
// account does not exist.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	p := mustPeer(r)
	if _, ok := s.visible(p, name); !ok {
		notFound(w, name)
		return
	}
	if !s.isAdmin(p) {
		WriteError(w, http.StatusForbidden, adminOnlyMessage)
		return
	}
	if err := s.b.Login(name); err != nil {
		if errors.Is(err, ErrNotFound) { // removed by a reload meanwhile
			notFound(w, name)
			return
		}
		s.log.WithError(err).WithField("account", name).Error("socket: login request failed")
		WriteError(w, http.StatusInternalServerError, "login of "+name+": "+err.Error())
		return
	}
	s.log.WithField("account", name).WithField("uid", p.UID).Info("socket: login requested by an admin")
	WriteJSON(w, http.StatusAccepted, LoginAnswer{Account: name, Status: "login requested"})
}

// GET /v1/health: 200 with counts per state of the accounts the peer may see.
func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	p := mustPeer(r)
	h := Health{Status: "ok", States: make(map[keeper.State]int, len(keeper.States))}
	for _, st := range keeper.States {
		h.States[st] = 0
	}
	for _, a := range s.b.Accounts() {
		if s.canSee(p, a) {
			h.Accounts++
			h.States[a.Status.State]++
		}
	}
	WriteJSON(w, http.StatusOK, h)
}
