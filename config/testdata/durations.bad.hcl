daemon {
  shutdown_timeout = "0s"      # want "Invalid duration"
  log_level        = "verbose" # want "Invalid log_level"
  log_format       = "xml"     # want "Invalid log_format"
  login_rate       = 0         # want "Invalid login rate"
  watch            = "maybe"   # want "Incorrect attribute value type"

  metrics {
    listen = "9464" # want "Invalid listen address"
  }
}

account "alpha" {
  username        = "alice"
  password        = "SENTINEL-7f3a9c"
  ping_interval   = 30            # want "Invalid duration"
  request_timeout = "ten seconds" # want "Invalid duration"

  token_file {
    path   = "/run/swaykeep/alpha.token"
    format = "yaml" # want "Invalid format"
  }
}
