# The smallest useful configuration: one account, its token in one file.
#
#   swaykeep validate -config examples/single/swaykeep.hcl
#
# The password lives in a root-owned file (mode 0600), never in the config;
# editing that file rotates it with a reload.

account "alpha" {
  username = "alice"
  password = file("/etc/swaykeep/secrets/alpha")

  token_file {
    path = "/run/swaykeep/tokens/alpha.token"
  }
}
