"""Environment defaults set before Prefect or Great Expectations is imported."""

from __future__ import annotations

import os


def quiet_defaults(verbose: bool = False) -> None:
    # Prefect's home (settings, and its database unless PREFECT_API_DATABASE_CONNECTION_URL names one) is this
    # installation's, in tenderscore's data folder: the UI lists tenderscore's runs, not the user's other projects.
    from scoring.audit.home import prefect_home

    os.environ.setdefault("PREFECT_HOME", str(prefect_home()))
    # Offline machines otherwise log a telemetry error at every start.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    # The embedded server starts in a subprocess; on a busy two-core machine 20 s (Prefect's default) is
    # sometimes not enough, and the whole command would fail before any bid is read.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    # Every run keeps its INFO lines in Prefect's UI (the API's log handler); a command's console shows none
    # of them: it says what went wrong in one line, where Prefect's console would print the traceback of a
    # failed run again above it. A served process (verbose) prints them too.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")
    if not verbose:
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")
