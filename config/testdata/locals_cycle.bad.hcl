locals {
  a = "${local.b}-x" # want "Circular reference between locals"
  b = local.c
  c = local.a
  d = "${local.a}-${local.e}"
  e = "fine"
  f = local.f # want "Circular reference between locals"
}

account "alpha" {
  username = local.d
  password = "SENTINEL-7f3a9c"
}
