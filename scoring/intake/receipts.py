"""When each bid was received: the procurement platform's opening record, where the tender names one.

`tender.yaml` names it with `received:` (a path beside tender.yaml), a CSV or YAML file with one entry per
file received: `file`, `received_at` (ISO 8601; without a zone, in the tender's time zone) and optionally
`withdrawn` (yes/true/1). When there is a record, it decides whether a bid was late and which submission of
a tenderer stands; a bid's own `Submitted at`, typed by the bidder, that differs from it by more than
`received_tolerance_minutes` is flagged. Without a record the bids' own times decide, and the reports say
so.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError, field_validator

from scoring.errors import Problem, TenderError
from scoring.facts import N_, Fact, fact
from scoring.intake.folder import Files
from scoring.models import Frozen, ReadResult, Tender
from scoring.yamlio import Document, describe, load_yaml, read_input


class Receipt(Frozen):
    file: str
    received_at: datetime
    withdrawn: bool = False
    tenderer: str | None = None  # the tenderer as the platform registered it: the addressee of an unreadable file

    @field_validator("tenderer", mode="before")
    @classmethod
    def _name(cls, value: Any) -> Any:
        return (str(value).strip() or None) if value is not None else None

    @field_validator("withdrawn", mode="before")
    @classmethod
    def _flag(cls, value: Any) -> Any:
        if value is None or isinstance(value, bool):
            return bool(value)
        return str(value).strip().casefold() in ("yes", "y", "true", "1", "x", "withdrawn")


def record_path(tender: Tender) -> Path | None:
    return tender.folder / tender.received if tender.received else None


def load_record(tender: Tender, files: Files | None = None) -> dict[str, Receipt] | None:  # noqa: C901
    """file name -> its receipt, or None when the tender names no opening record. Raises TenderError."""
    path = record_path(tender)
    if path is None:
        return None
    if not path.is_file():
        raise TenderError(path, "the opening record named by tender.yaml (received:) is not there")
    doc: Document | None = None
    data = read_input(path, TenderError, files)
    if path.suffix.lower() in (".yaml", ".yml"):
        doc = load_yaml(path, TenderError, top=list, data=data)
        entries = doc.data
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise TenderError(path, "not a UTF-8 text file") from None
        sample = text[:4096]
        dialect = ";" if sample.count(";") > sample.count(",") else ","
        entries = list(csv.DictReader(text.splitlines(), delimiter=dialect))
    zone = ZoneInfo(tender.timezone)
    out: dict[str, Receipt] = {}
    problems: list[Problem] = []

    def problem(n: int, text: str, key: str = "") -> Problem:
        if doc is not None:
            return doc.problem(text, (n, key) if key else (n,))
        return Problem(str(path), text, key or None, line=n + 2)  # the CSV's heading is line 1

    for n, entry in enumerate(entries):
        if not isinstance(entry, dict):
            problems.append(problem(n, "expected file, received_at and optionally withdrawn"))
            continue
        entry = {str(k).strip().casefold(): v for k, v in entry.items() if k is not None}
        try:
            receipt = Receipt.model_validate(entry)
        except ValidationError as exc:
            problems += [problem(n, describe(e), ".".join(str(p) for p in e["loc"])) for e in exc.errors()]
            continue
        if receipt.received_at.tzinfo is None:
            receipt = receipt.model_copy(update={"received_at": receipt.received_at.replace(tzinfo=zone)})
        if receipt.file in out:
            problems.append(problem(n, f"{receipt.file} is listed twice", "file"))
        out[receipt.file] = receipt
    if problems:
        raise TenderError.of(problems)
    return out


def with_receipts(reads: list[ReadResult], record: dict[str, Receipt] | None) -> list[ReadResult]:
    """The reads with the platform's receipt time and withdrawal, where the record lists them."""
    if record is None:
        return reads
    return [
        r.model_copy(
            update={
                "received_at": record[r.file].received_at,
                "withdrawn": record[r.file].withdrawn,
                "tenderer": record[r.file].tenderer,
            }
        )
        if r.file in record
        else r.model_copy(update={"unrecorded": True})
        for r in reads
    ]


def submission_time(read: ReadResult) -> datetime | None:
    """When the bid was submitted: the platform's receipt time when there is one, else the bid's own."""
    if read.received_at is not None:
        return read.received_at
    return read.bid.supplier.submitted_at if read.bid is not None else None


def not_received(record: dict[str, Receipt] | None, files: list[str]) -> list[Fact]:
    """Warnings for the files the record lists that are not in bids/: a received bid would be lost."""
    if record is None:
        return []
    present = set(files)
    return [
        fact(
            N_(
                "The opening record lists %(file)s, received %(received)s, which is not in bids/: every bid received "
                "must be evaluated; add the file and evaluate again."
            ),
            file=name,
            received=r.received_at,
        )
        for name, r in sorted(record.items())
        if name not in present and not r.withdrawn
    ]


def receipt_source(tender: Tender) -> Fact:
    """What decided lateness and which submission stands, as the reports say it."""
    if tender.received:
        return fact(N_("the opening record %(record)s (the platform's receipt times)"), record=tender.received)
    return fact(N_("the bids' own Submitted at (no opening record in tender.yaml, received:)"))
