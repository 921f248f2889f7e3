"""Occluder names (torch-free, safe for the GUI and the CLI parser to import)."""

OCCLUDERS = ("black", "grey", "mean", "blur", "noise")
