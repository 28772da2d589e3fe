"""Running several app processes behind nginx: the local layout (run_local.py) and the compose files."""
