"""Benchmarks for `make bench` (see /work/shared/BENCHMARKS.md): `python -m bench [suite ...]`."""
