locals {
  secrets   = "/etc/swaykeep/secrets"
  token_dir = "/run/swaykeep/tokens"
}

daemon {
  state_dir        = "/var/lib/swaykeep" # sessions survive restarts
  log_level        = "info"
  login_rate       = 1 # the API's limit per source IP
  shutdown_timeout = "10s"

  admins {
    groups = ["swaykeep-admin"]
  }

  metrics {
    listen = "127.0.0.1:9464"
  }
}

defaults {
  api_url         = var.api_url
  ping_interval   = "auto"
  request_timeout = "10s"

  token_file {
    path = "${local.token_dir}/${account.name}.token"
  }

  readers {
    groups = ["trading"]
  }
}
