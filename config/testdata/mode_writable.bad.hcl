account "alpha" {
  username = "alice"
  password = "SENTINEL-7f3a9c"

  token_file {
    path = "/run/swaykeep/alpha.token"
    mode = "0646" # want "World-writable token file"
  }

  token_file {
    path = "/run/swaykeep/alpha.header"
    mode = "rw-r-----" # want "Invalid mode"
  }
}
