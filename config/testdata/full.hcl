variable "domain" {
  type    = string
  default = "default"
}

variable "desks" {
  type = map(string)
  default = {
    eu = "desk-eu"
    us = "desk-us"
  }
}

locals {
  api       = "https://api.swaycharts.io/dxsca-web"
  token_dir = "/run/swaykeep/tokens"
  sim       = "http://127.0.0.1:8080/dxsca-web/"
}

daemon {
  state_dir        = "/var/lib/swaykeep"
  log_level        = "debug"
  log_format       = "json"
  login_rate       = 2.5
  logout_on_exit   = true
  shutdown_timeout = "30s"
  watch            = false

  socket {
    path = "/run/swaykeep/api.sock"
    mode = "0660"
  }

  admins {
    users  = ["ops"]
    groups = ["swaykeep-admin"]
  }

  metrics {
    listen = "127.0.0.1:9464"
  }
}

defaults {
  api_url         = local.api
  domain          = var.domain
  ping_interval   = "auto"
  request_timeout = "5s"

  token_file {
    path = "${local.token_dir}/${account.name}.token"
  }

  readers {
    groups = ["trading"]
  }
}

account "alpha" {
  username = "alice"
  password = "SENTINEL-7f3a9c"
  ca_file  = "/etc/swaykeep/ca.pem"

  token_file {
    path   = "/run/swaykeep/alpha.header"
    format = "header"
    mode   = "0640"
    group  = "trading"
  }

  token_file {
    path   = "/run/swaykeep/alpha.json"
    format = "json"
  }

  readers {
    users = ["trader"]
  }
}

account "desk" {
  for_each      = var.desks
  username      = each.value
  password      = "pw-${each.key}-SENTINEL-7f3a9c"
  ping_interval = "45s"
}

account "ops" {
  for_each = toset(["ops-1", "ops-2"])
  username = upper(each.key)
  password = format("%s-%s", each.value, "SENTINEL-7f3a9c")
  api_url  = local.sim
}

account "7" {
  username = join("-", ["seven", lower("X")])
  password = "SENTINEL-7f3a9c"
  domain   = "other"
}
