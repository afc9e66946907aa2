// Package packaging holds no code: this directory carries the systemd units,
// sysusers.d and tmpfiles.d entries, the default configuration and the nfpm
// recipe (DESIGN.md §6). Its tests check them against the daemon's contract.
package packaging
