"""Prefect wiring and the command line: thin shells over the `scoring` library."""
