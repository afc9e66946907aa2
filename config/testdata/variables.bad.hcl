variable "required" { # want "No value for required variable"
  type = string
}

variable "count" {
  type    = number
  default = "many" # want "Invalid default value for variable"
}

variable "bad-type" {
  type = strang # want "Invalid type specification"
}

account "alpha" {
  username = var.required
  password = "SENTINEL-7f3a9c"
}
