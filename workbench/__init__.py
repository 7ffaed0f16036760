"""A workbench for aligning French originals with their English translations."""
