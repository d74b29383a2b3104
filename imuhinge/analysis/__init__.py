"""Analysis: one track per sensor, replay of a whole recording and live analysis on top of it."""
