"""The training log: every analysed set in a SQLite file, and the sessions read back from it."""
