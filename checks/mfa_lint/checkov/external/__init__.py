"""checkov imports every .py file here as a top-level module: keep only the loader."""
