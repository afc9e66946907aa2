account "alpha" {
  username = "alice"
  password = "SENTINEL-5e1d"

  colour = "red"
}

account "beta" {
  username = "bob"
  password = file("secrets/beta")

  token_file {
    path = "/run/swaykeep/beta.token"
    mode = "0644"
  }
}
