"""Rep stages: the phase rule, segmentation into reps and partial movements, per-rep metrics."""
