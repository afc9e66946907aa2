# Passwords as systemd credentials: the unit loads them, the daemon reads
# them from $CREDENTIALS_DIRECTORY with credential(). A drop-in such as
# /etc/systemd/system/swaykeep.service.d/credentials.conf:
#
#   [Service]
#   LoadCredential=alpha:/etc/swaykeep/secrets/alpha
#   LoadCredential=beta:/etc/swaykeep/secrets/beta
#
# (or LoadCredentialEncrypted= with systemd-creds). By hand:
#
#   swaykeep validate -config examples/credentials -credentials-dir /etc/swaykeep/secrets
#
# Credentials are fixed for the life of the service: rotating one takes
# `systemctl restart swaykeep`, which state_dir makes cheap.

daemon {
  state_dir = "/var/lib/swaykeep"
}

defaults {
  token_file {
    path   = "/run/swaykeep/tokens/${account.name}.header"
    format = "header"
  }
}

account "alpha" {
  username = "alice"
  password = credential("alpha")
}

account "beta" {
  username = "bob"
  password = credential("beta")
}
