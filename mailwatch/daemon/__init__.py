"""`mailwatch run`: the always-on service (scheduler, IDLE watcher, health, signals)."""
