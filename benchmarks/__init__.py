"""Benchmarks: run the scripts here directly, or all of them with `cymbal bench`."""
