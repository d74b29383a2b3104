"""Signal stages: uniform sampling and gap fill, smoothing, orientation (VQF), calibration, clock
alignment of two sensors."""
