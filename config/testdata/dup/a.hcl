account "alpha" {
  username = "alice"
  password = "SENTINEL-7f3a9c"
}
