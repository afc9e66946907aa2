daemon {
}

daemon { # want "Duplicate daemon block"
}

defaults {
}

defaults { # want "Duplicate defaults block"
}

account "alpha" {
  username = "alice"
  password = "SENTINEL-7f3a9c"

  readers {
    users = ["trader"]
  }

  readers { # want "Duplicate readers block"
    groups = ["trading"]
  }
}

account "-bad" { # want "Invalid account name"
  username = "x"
  password = "SENTINEL-7f3a9c"
}
