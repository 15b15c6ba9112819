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

from scoring.errors import TenderError
from scoring.models import Frozen, ReadResult, Tender
from scoring.yamlio import SafeLoader


class Receipt(Frozen):
    file: str
    received_at: datetime
    withdrawn: bool = False

    @field_validator("withdrawn", mode="before")
    @classmethod
    def _flag(cls, value: Any) -> Any:
        if value is None or isinstance(value, bool):
            return bool(value)
        return str(value).strip().casefold() in ("yes", "y", "true", "1", "x", "withdrawn")


def record_path(tender: Tender) -> Path | None:
    return tender.folder / tender.received if tender.received else None


def load_record(tender: Tender) -> dict[str, Receipt] | None:
    """file name -> its receipt, or None when the tender names no opening record. Raises TenderError."""
    path = record_path(tender)
    if path is None:
        return None
    if not path.is_file():
        raise TenderError(path, "the opening record named by tender.yaml (received:) is not there")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise TenderError(path, "not a UTF-8 text file") from None
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        try:
            entries = yaml.load(text, Loader=SafeLoader)
        except yaml.YAMLError:
            raise TenderError(path, "not valid YAML") from None
        if not isinstance(entries, list):
            raise TenderError(path, "must be a list of entries (file, received_at, withdrawn)")
    else:
        sample = text[:4096]
        dialect = ";" if sample.count(";") > sample.count(",") else ","
        entries = list(csv.DictReader(text.splitlines(), delimiter=dialect))
    zone = ZoneInfo(tender.timezone)
    out: dict[str, Receipt] = {}
    for n, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise TenderError(path, f"entry {n}: expected file, received_at and optionally withdrawn")
        entry = {str(k).strip().casefold(): v for k, v in entry.items() if k is not None}
        try:
            receipt = Receipt.model_validate(entry)
        except ValidationError as exc:
            problem = exc.errors()[0]
            key = ".".join(str(p) for p in problem["loc"]) or "entry"
            raise TenderError(path, f"entry {n}: {key}: {problem['msg']}") from None
        if receipt.received_at.tzinfo is None:
            receipt = receipt.model_copy(update={"received_at": receipt.received_at.replace(tzinfo=zone)})
        if receipt.file in out:
            raise TenderError(path, f"entry {n}: {receipt.file} is listed twice")
        out[receipt.file] = receipt
    return out


def with_receipts(reads: list[ReadResult], record: dict[str, Receipt] | None) -> list[ReadResult]:
    """The reads with the platform's receipt time and withdrawal, where the record lists them."""
    if record is None:
        return reads
    return [
        r.model_copy(update={"received_at": record[r.file].received_at, "withdrawn": record[r.file].withdrawn})
        if r.file in record
        else r.model_copy(update={"unrecorded": True})
        for r in reads
    ]


def submission_time(read: ReadResult) -> datetime | None:
    """When the bid was submitted: the platform's receipt time when there is one, else the bid's own."""
    if read.received_at is not None:
        return read.received_at
    return read.bid.supplier.submitted_at if read.bid is not None else None


def not_received(record: dict[str, Receipt] | None, files: list[str]) -> list[str]:
    """Warnings for the files the record lists that are not in bids/: a received bid would be lost."""
    if record is None:
        return []
    present = set(files)
    return [
        f"The opening record lists {name}, received {r.received_at.isoformat()}, which is not in bids/: every bid "
        "received must be evaluated; add the file and evaluate again."
        for name, r in sorted(record.items())
        if name not in present and not r.withdrawn
    ]


def receipt_source(tender: Tender) -> str:
    """What decided lateness and which submission stands, as the reports say it."""
    if tender.received:
        return f"the opening record {tender.received} (the platform's receipt times)"
    return "the bids' own Submitted at (no opening record in tender.yaml, received:)"
