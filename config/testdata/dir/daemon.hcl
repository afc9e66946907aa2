daemon {
  log_level = "warn"
}
