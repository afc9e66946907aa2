daemon {
  log_level = "loud"
}
