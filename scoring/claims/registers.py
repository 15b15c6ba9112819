"""Issuers' registers: where a certificate is looked up.

`Register` is the interface; `OfflineRegister` reads the snapshots in
rules/registers/ (the default: evaluations never need the network). An online
adapter for an issuer's API implements the same two methods.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, ConfigDict, ValidationError

from scoring.errors import RuleError
from scoring.intake.folder import Files
from scoring.yamlio import Document, describe, load_yaml, read_input

INDEX = "index.yaml"


class Snapshot(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    registry: str
    file: str
    taken_on: date
    source: str = ""

    def describe(self) -> str:
        return f"{self.registry} register snapshot of {self.taken_on.isoformat()} ({self.file})"


class Index(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    snapshots: list[Snapshot] = []


class RegisterEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    certificate_id: str
    holder: str
    brand: str = ""
    models: list[str] = []
    gtins: list[str] = []
    version: str = ""
    valid_from: date | None = None
    valid_until: date | None = None
    status: str = "valid"
    facility: str = ""


class Register(Protocol):
    def snapshot(self, registry: str) -> Snapshot | None:
        """What the register's data was taken from, or None when this register is not available."""

    def lookup(self, registry: str, certificate_id: str) -> RegisterEntry | None:
        """The register's entry for a certificate, or None when it is not listed."""

    def near(self, registry: str, certificate_id: str) -> list[RegisterEntry]:
        """The entries whose identifier is one character away from this one (one changed, added, removed,
        or two neighbours swapped), in the register's order."""


def normalise_id(certificate_id: str) -> str:
    return "".join(certificate_id.split()).casefold()


class OfflineRegister:
    """Register snapshots as CSV files, listed in an index with the date they were taken."""

    def __init__(self, folder: Path | str, files: Files | None = None):
        self.folder = Path(folder)
        self.files = files
        self.snapshots: dict[str, Snapshot] = {}
        self.entries: dict[str, dict[str, RegisterEntry]] = {}
        index = self.folder / INDEX
        if not index.is_file():
            return  # no snapshots: every lookup goes to review
        doc = load_yaml(index, RuleError, data=read_input(index, RuleError, files))
        snapshots = doc.validate(Index, RuleError).snapshots
        for n, snap in enumerate(snapshots):
            if snap.file != Path(snap.file).name or snap.file in ("", ".", ".."):
                raise doc.error(
                    "a snapshot file is named as it is in this folder, without a path", f"snapshots.{n}.file", RuleError
                )
            self.snapshots[snap.registry] = snap
            self.entries[snap.registry] = self._read(self.folder / snap.file, doc, n, files)

    @staticmethod
    def _read(path: Path, index: Document, n: int, files: Files | None) -> dict[str, RegisterEntry]:
        if not path.is_file():
            raise index.error(f"the snapshot file {path.name} does not exist", f"snapshots.{n}.file", RuleError)
        out = {}
        try:
            text = read_input(path, RuleError, files).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise RuleError(path, "not a UTF-8 text file") from None
        reader = csv.DictReader(io.StringIO(text, newline=""))
        missing = [c for c in ("certificate_id", "holder") if c not in (reader.fieldnames or [])]
        if missing:
            raise RuleError(path, f"the column {missing[0]} is missing", line=1)
        for line, row in enumerate(reader, start=2):
            try:
                entry = RegisterEntry(
                    certificate_id=(row.get("certificate_id") or "").strip(),
                    holder=(row.get("holder") or "").strip(),
                    brand=(row.get("brand") or "").strip(),
                    models=[m.strip() for m in (row.get("models") or "").split(";") if m.strip()],
                    gtins=[g.strip() for g in (row.get("gtins") or "").split(";") if g.strip()],
                    version=(row.get("version") or "").strip(),
                    valid_from=row.get("valid_from") or None,
                    valid_until=row.get("valid_until") or None,
                    status=(row.get("status") or "valid").strip().lower(),
                    facility=(row.get("facility") or "").strip(),
                )
            except ValidationError as exc:
                first = exc.errors()[0]
                column = ".".join(str(p) for p in first["loc"])
                raise RuleError(path, f"not a register entry: {describe(first)}", column, line=line) from None
            out[normalise_id(entry.certificate_id)] = entry
        return out

    def snapshot(self, registry: str) -> Snapshot | None:
        return self.snapshots.get(registry)

    def lookup(self, registry: str, certificate_id: str) -> RegisterEntry | None:
        return self.entries.get(registry, {}).get(normalise_id(certificate_id))

    def near(self, registry: str, certificate_id: str) -> list[RegisterEntry]:
        wanted = normalise_id(certificate_id)
        if not wanted:
            return []
        return [e for key, e in self.entries.get(registry, {}).items() if key != wanted and one_apart(key, wanted)]


def one_apart(a: str, b: str) -> bool:
    """Whether b is a with one character changed, added or removed, or two neighbours swapped."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) < len(b):  # one added
        return a[i:] == b[i + 1 :]
    if a[i + 1 :] == b[i + 1 :]:  # one changed
        return True
    return i + 1 < len(a) and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]  # swapped
