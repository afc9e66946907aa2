account "native" {
  username = "native-${var.region}"
  password = "SENTINEL-7f3a9c"
}
