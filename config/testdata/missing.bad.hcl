account "alpha" { # want "Missing required argument"
  username = "alice"
}

account "beta" { # want "Missing required argument"
  password = "SENTINEL-7f3a9c"
}

account "gamma" {
  username = "" # want "Empty username"
  password = "SENTINEL-7f3a9c"
  domain   = "" # want "Empty domain"
}
