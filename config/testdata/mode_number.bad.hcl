account "alpha" {
  username = "alice"
  password = "SENTINEL-7f3a9c"

  token_file {
    path = "/run/swaykeep/alpha.token"
    mode = 0640 # want "Invalid mode"
  }
}
