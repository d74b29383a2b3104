"""Body stages: segment angles (flexion, lateral tilt, twist), lumbar flexion, hip travel, sway."""
