"""Benchmarks. Each measures its subject and a baseline in the same run and reports the ratio."""
