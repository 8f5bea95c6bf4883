"""Benchmarks of the dunning engine: `python -m benchmarks` (or `make bench`).

See docs/performance.md for what is measured and the figures.
"""
