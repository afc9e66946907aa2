# A fleet of accounts as one configuration: every *.hcl file of this
# directory is read together, like a Terraform module.
#
#   SWAYKEEP_VAR_reporting_password=... \
#     swaykeep validate -config examples/fleet -var-file examples/fleet/production.vars

variable "api_url" {
  type        = string
  description = "The Sway Charts API, with its /dxsca-web/ prefix."
  default     = "https://api.swaycharts.io/dxsca-web/"
}

variable "desks" {
  type        = map(string)
  description = "Trading desks: desk name => API user name."
  default = {
    eu = "desk-eu"
    us = "desk-us"
  }
}

variable "reporting_password" {
  type        = string
  description = "Set through SWAYKEEP_VAR_reporting_password, never in a file."
  sensitive   = true
}
