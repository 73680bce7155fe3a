"""The NBOCA submission as COSD XML (v9, v10): builder, XSDs, completeness."""
