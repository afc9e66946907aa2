# The demo that `swaykeep dev` runs against its built-in simulator, which
# knows the users of users.txt. swaykeep dev passes both variables:
#
#   swaykeep validate -config examples/dev \
#     -var api_url=http://127.0.0.1:8080/dxsca-web/ -var out_dir=$PWD/swaykeep-dev
#
# mallory's password here is deliberately wrong: watch her account go to
# "rejected" after one try, and stay there.

variable "api_url" {
  type        = string
  description = "The simulator's URL (http:// is allowed for loopback hosts only)."
}

variable "out_dir" {
  type        = string
  description = "Absolute directory for token files, state and the socket."
}

locals {
  desk_passwords = {
    eu = "desk-eu-pw"
    us = "desk-us-pw"
  }
}

daemon {
  state_dir  = "${var.out_dir}/state"
  login_rate = 5 # the simulator's limit is raised to match

  socket {
    path = "${var.out_dir}/swaykeep.sock"
  }
}

defaults {
  api_url       = var.api_url
  domain        = "default"
  ping_interval = "auto"

  token_file {
    path = "${var.out_dir}/tokens/${account.name}.token"
  }
}

account "alice" {
  username = "alice"
  password = "alice-pw"
}

account "bob" {
  username = "bob"
  password = "bob-pw"

  token_file {
    path   = "${var.out_dir}/tokens/bob.json"
    format = "json"
  }

  token_file {
    path   = "${var.out_dir}/tokens/bob.env"
    format = "env"
  }
}

account "desk" {
  for_each = { eu = "desk-eu", us = "desk-us" }
  username = each.value
  password = local.desk_passwords[each.key]

  token_file {
    path   = "${var.out_dir}/tokens/${account.name}.header"
    format = "header"
  }
}

account "mallory" {
  username = "mallory"
  password = "not-mallorys-password" # deliberately wrong
}
