"""A tender folder's files, declared in one place, and read once per run.

`Files` holds the bytes of every input file a run reads (tender.yaml, the decisions beside it, the opening
record, panel sheets, factory lists, the rule set, the catalogue, the register snapshots) and their SHA-256:
each is read from disk once, its hash is of the very bytes the run used, and the ledger records that hash.
Bid workbooks are read once each by the read step, and not kept.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

TENDER_FILE = "tender.yaml"
COMMITTEE_FILE = "committee.yaml"  # the evaluation committee, when kept apart from tender.yaml (`members:`)
REVIEWS_FILE = "reviews.yaml"  # the committee's decisions on claims (claims/reviews.py)
CLARIFICATIONS_FILE = "clarifications.yaml"  # the tenderers' answers to clarification requests (intake/clarify.py)
EVIDENCE_FILE = "follow-up.yaml"  # what the supplier sent after the award (contract/followup.py)
BIDS_FOLDER = "bids"  # one workbook per bid
PANEL_FOLDER = "panel"  # evaluators' score sheets (intake/panel_sheets.py)


class Files:
    """Each file's bytes, read from disk once, and their SHA-256; shared by the threads of one run."""

    def __init__(self) -> None:
        self._bytes: dict[Path, bytes] = {}
        self._sha256: dict[Path, str] = {}
        self._listings: dict[Path, list[Path]] = {}
        self._lock = threading.Lock()

    def listing(self, folder: Path | str) -> list[Path]:
        """A folder's entries, in name order, listed once."""
        key = Path(folder)
        with self._lock:
            known = self._listings.get(key)
        if known is not None:
            return known
        found = sorted(key.iterdir(), key=lambda p: p.name) if key.is_dir() else []
        with self._lock:
            return self._listings.setdefault(key, found)

    def read(self, path: Path | str) -> bytes:
        key = Path(path).resolve()
        with self._lock:
            known = self._bytes.get(key)
        if known is not None:
            return known
        data = key.read_bytes()
        with self._lock:
            return self._bytes.setdefault(key, data)

    def sha256(self, path: Path | str) -> str:
        key = Path(path).resolve()
        with self._lock:
            known = self._sha256.get(key)
        if known is not None:
            return known
        digest = hashlib.sha256(self.read(key)).hexdigest()
        with self._lock:
            return self._sha256.setdefault(key, digest)

    def take(self, path: Path | str) -> bytes:
        """A file's bytes for one use (a bid workbook): read once, its hash kept, its bytes not."""
        key = Path(path).resolve()
        with self._lock:
            data = self._bytes.pop(key, None)
        if data is None:
            data = key.read_bytes()
        with self._lock:
            self._sha256.setdefault(key, hashlib.sha256(data).hexdigest())
        return data

    def forget(self, path: Path | str) -> None:
        """Drop a file's bytes, keeping its hash (a bid whose parse came from the ledger)."""
        with self._lock:
            self._bytes.pop(Path(path).resolve(), None)


def listing(folder: Path | str, files: Files | None) -> list[Path]:
    """A folder's entries in name order, through the run's `Files` when there is one."""
    if files is not None:
        return files.listing(folder)
    return sorted(Path(folder).iterdir(), key=lambda p: p.name) if Path(folder).is_dir() else []


def read_bytes(path: Path | str, files: Files | None) -> bytes:
    """A file's bytes, through the run's `Files` when there is one."""
    return files.read(path) if files is not None else Path(path).read_bytes()
