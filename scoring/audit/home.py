"""Where this installation of tenderscore keeps its data: light (no database library), so that it can be
read before Prefect is imported (Prefect's own home is a folder of it)."""

from __future__ import annotations

import os
from pathlib import Path

LEGACY = Path(".tenderscore")  # where the ledger was kept before 0.3: beside the current folder


def data_folder() -> Path:
    """The folder of the ledger (and the workspace's accounts), absolute: TENDERSCORE_HOME, else the user's
    data folder ($XDG_DATA_HOME/tenderscore, ~/.local/share/tenderscore), whatever the current folder. A
    ledger in ./.tenderscore, where earlier versions kept it, goes on being used there."""
    home = os.environ.get("TENDERSCORE_HOME")
    if home:
        return Path(home).expanduser().resolve()
    if (LEGACY / "ledger.sqlite").is_file():
        return LEGACY.resolve()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base).expanduser().resolve() / "tenderscore"


def prefect_home() -> Path:
    """Prefect's home for this installation (its settings, and its database unless
    PREFECT_API_DATABASE_CONNECTION_URL names one): PREFECT_HOME when set, else `prefect/` in the data
    folder, so that the Prefect UI lists this installation's runs only, not every project's of the user."""
    home = os.environ.get("PREFECT_HOME")
    return Path(home).expanduser().resolve() if home else data_folder() / "prefect"
