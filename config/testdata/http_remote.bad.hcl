account "alpha" {
  api_url  = "http://api.swaycharts.io/dxsca-web/" # want "Insecure API URL"
  username = "alice"
  password = "SENTINEL-7f3a9c"
}

account "beta" {
  api_url  = "https://bob:SENTINEL-7f3a9c@api.swaycharts.io/" # want "Credentials in API URL"
  username = "bob"
  password = "SENTINEL-7f3a9c"
}

account "gamma" {
  api_url  = "ftp://example.com/" # want "Invalid API URL"
  username = "carol"
  password = "SENTINEL-7f3a9c"
}
