"""tenderscore's domain library: pure, typed, and free of orchestration (no Prefect here)."""

__version__ = "0.2.0"
