account "alpha" {
  username = env("SWAYKEEP_TEST_UNSET") # want "Error in function call"
  password = "SENTINEL-7f3a9c"
}

account "beta" {
  username = "bob"
  password = file("no-such-file") # want "Error in function call"
}

account "gamma" {
  username = "carol"
  password = credential("gamma") # want "Error in function call"
}

account "delta" {
  username = nosuchfunc("x") # want "Call to unknown function"
  password = "SENTINEL-7f3a9c"
}
