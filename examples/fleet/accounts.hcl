# One account per desk: desk.eu, desk.us, ... Each password is a file named
# after the desk, so adding a desk is one line in production.vars.
account "desk" {
  for_each = var.desks
  username = each.value
  password = file("${local.secrets}/${each.key}")
}

account "reporting" {
  username = "reports"
  password = var.reporting_password

  # Replaces the default token file: programs that check freshness read JSON.
  token_file {
    path   = "${local.token_dir}/reporting.json"
    format = "json"
    mode   = "0640"
    group  = "reports"
  }

  readers {
    users = ["reporter"]
  }
}
