daemon {
  state_dir = "var/lib/swaykeep" # want "Relative path"
}

defaults {
  token_file {
    path = "/run/swaykeep/shared.token" # want "Token file shared by two accounts"
  }
}

account "alpha" {
  username = "alice"
  password = "SENTINEL-7f3a9c"
}

account "beta" {
  username = "bob"
  password = "SENTINEL-7f3a9c"
}

account "gamma" {
  username = "carol"
  password = "SENTINEL-7f3a9c"
  ca_file  = "ca.pem" # want "Relative path"

  token_file {
    path = "tokens/gamma" # want "Relative path"
  }
}
