account "alpha" {
  username = "alice"
  password = "SENTINEL-7f3a9c"
}

account "beta" {
  api_url  = "https://API.swaycharts.io/dxsca-web"
  username = "alice" # want "Duplicate login"
  password = "SENTINEL-7f3a9c"
}

account "alpha" { # want "Duplicate account"
  username = "alice2"
  password = "SENTINEL-7f3a9c"
}
