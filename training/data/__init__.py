"""Data files of the package (found with importlib.resources)."""
