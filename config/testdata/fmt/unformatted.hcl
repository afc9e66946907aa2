variable "x" {
type=string
    default = "a"
}

account "alpha"   {
  username="alice"
  password   = file("pw") # comment
  token_file {
  path = "/run/a"
      mode="0600"
  }
  readers { users = ["a","b"] }
}
