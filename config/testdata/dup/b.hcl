# the same name as in a.hcl

account "alpha" {
  username = "alice2"
  password = "SENTINEL-7f3a9c"
}
