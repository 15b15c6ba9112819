"""Environment defaults set before Prefect or Great Expectations is imported."""

from __future__ import annotations

import os


def quiet_defaults(verbose: bool = False) -> None:
    # Offline machines otherwise log a telemetry error at every start.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    # The embedded server starts in a subprocess; on a busy two-core machine 20 s (Prefect's default) is
    # sometimes not enough, and the whole command would fail before any bid is read.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    if not verbose:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
        # The command says what went wrong in one line; Prefect's console would print the traceback of a
        # failed run again above it. The run's own log (the API's) keeps it for the maintainers.
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")
