account "alpha" {
  username "alice" # want "Invalid block definition"
  password = "SENTINEL-7f3a9c"
}
