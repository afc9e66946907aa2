account "list" {
  for_each = ["a", "b"] # want "Invalid for_each argument"
  username = each.value
  password = "SENTINEL-7f3a9c"
}

account "key" {
  for_each = { "bad key" = "x" } # want "Invalid for_each key"
  username = each.value
  password = "SENTINEL-7f3a9c"
}

account "plain" {
  username = each.value # want "Unknown variable"
  password = "SENTINEL-7f3a9c"
}

account "str" {
  for_each = "SENTINEL-7f3a9c" # want "Invalid for_each argument"
  username = each.value
  password = "SENTINEL-7f3a9c"
}
