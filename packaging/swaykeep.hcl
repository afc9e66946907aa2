# swaykeep configuration (installed as /etc/swaykeep/swaykeep.hcl).
#
# Every *.hcl file in /etc/swaykeep is read as one configuration: put accounts
# in files of their own (accounts.hcl, desk.hcl) next to this one.
# Check a change with `swaykeep validate` and `swaykeep plan`, apply it with
# `systemctl reload swaykeep` (or let the daemon pick it up: watch = true).
#
# Passwords: never in this file. Use credential("NAME") with LoadCredential=
# in a drop-in of swaykeep.service, or file("/etc/swaykeep/secrets/NAME") with
# the file owned by root, group swaykeep, mode 0640. See docs/systemd.md.

daemon {
  state_dir        = "/var/lib/swaykeep" # sessions and verdicts survive restarts
  log_level        = "info"              # debug | info | warn | error
  log_format       = "text"              # text | json (ignored under the journal)
  logout_on_exit   = false               # true: log out and remove token files on stop
  shutdown_timeout = "10s"               # keep below TimeoutStopSec= of the unit (30s)
  watch            = true                # reload when a file read by the config changes

  # Ignored when swaykeep.socket activates the service.
  socket {
    path = "/run/swaykeep/swaykeep.sock"
    mode = "0666" # every peer is authorized by its credentials
  }

  admins { # besides root and the swaykeep user
    groups = ["swaykeep-admin"]
  }

  # Prometheus metrics. Account names appear in labels: keep it on loopback.
  # metrics {
  #   listen = "127.0.0.1:9464"
  # }
}

# defaults {
#   api_url = "https://api.swaycharts.io/dxsca-web"
#   domain  = "default"
#
#   token_file {
#     path = "/run/swaykeep/tokens/${account.name}.token"
#   }
# }

# account "alpha" {
#   username = "alice"
#   password = credential("alpha") # LoadCredential=alpha:/etc/swaykeep/secrets/alpha
#
#   token_file {
#     path   = "/run/swaykeep/tokens/alpha.header"
#     format = "header" # raw | header | env | json
#   }
#
#   readers { # who may read this token, by file (ACL) and over the socket
#     users  = ["trader"]
#     groups = ["trading"]
#   }
# }
