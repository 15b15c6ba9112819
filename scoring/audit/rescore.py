"""Re-scoring: which tenders are stale, reading only changed workbooks, and what changed between runs."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import TypeAdapter

from scoring.audit.ledger import Ledger
from scoring.audit.runs import input_hashes, tender_key
from scoring.award.results import RunKind
from scoring.errors import InputError
from scoring.intake.folder import Files
from scoring.intake.ingest import read_bid
from scoring.intake.tender import BidFile, entry_of
from scoring.intake.validate import validate_tender, values_of, with_value_issues
from scoring.issues import Issue
from scoring.models import ReadResult, Tender
from scoring.rules.load import LoadedRules


def cached_read(entry: BidFile | Path, tender: Tender, ledger: Ledger | None, files: Files | None = None) -> ReadResult:
    """Read a bid, or reuse its parsed form when the same bytes were read before for this tender."""
    entry = entry_of(entry, tender)
    if ledger is None or not entry.readable:
        return read_bid(entry, tender, files)
    files = files or Files()
    key = tender_key(tender)
    listed = tender.factory_list(entry.name)
    if listed is not None:  # the parse is of both files
        key = hashlib.sha256(f"{key} {files.sha256(listed)}".encode()).hexdigest()
    digest = files.sha256(entry.path)
    text, rejected = ledger.cached("parse", digest, key)
    known = ReadResult.model_validate_json(text) if text else None
    if known is not None:
        files.forget(entry.path)  # the same bytes may have come under another file name
        name, bid_id = entry.name, entry.bid_id
        bid = known.bid.model_copy(update={"bid_id": bid_id, "file": name}) if known.bid else None
        issues = [i.model_copy(update={"file": name}) for i in known.issues]
        return known.model_copy(
            update={"file": name, "bid_id": bid_id, "bid": bid, "issues": issues, "reused": ("parse",)}
        )
    read = read_bid(entry, tender, files)
    ledger.keep_parsed(read, key)
    return read.model_copy(update={"reused": ("parse:rejected",)}) if rejected else read


def cached_validation(
    reads: list[ReadResult],
    tender: Tender,
    per_lot: bool,
    ledger: Ledger | None,
    formal: set[tuple[str, str]] | None = None,
) -> list[ReadResult]:
    """Validate the bids, running the value checks (Great Expectations) only on bytes never checked for this
    tender's definition, template and tool version; the checks against the tender and between the bids,
    which are cheap, always run. A bid with an answered clarification is not its bytes alone: it is checked
    every run, and never kept."""
    if ledger is None:
        return validate_tender(reads, tender, per_lot, formal)
    key = tender_key(tender)
    values: dict[str, list[Issue]] = {}
    fresh = []
    refused: set[str] = set()
    for read in reads:
        if read.bid is None:
            continue  # nothing to check: the read's own issues say why
        known = None
        if not _answered(read):
            text, rejected = ledger.cached("validation", read.file_sha256, key)
            known = None if text is None else TypeAdapter(list[Issue]).validate_json(text)
            if rejected:
                refused.add(read.file)
        if known is None:
            fresh.append(read)
        else:  # the same bytes may have come under another file name
            values[read.file] = [i.model_copy(update={"file": read.file}) for i in known]
    computed = values_of(fresh)
    for read in fresh:
        failed = any(i.code == "bid.evaluation_failed" for i in computed[read.file])
        if not failed and not _answered(read):  # kept: what was checked of these bytes
            ledger.keep_validated(read.file_sha256, key, computed[read.file])
    reads = [
        r.model_copy(update={"reused": (*r.reused, "validation" if r.file in values else "validation:rejected")})
        if r.file in values or r.file in refused
        else r
        for r in reads
    ]
    return with_value_issues(reads, values | computed, tender, per_lot, formal)


def _answered(read: ReadResult) -> bool:
    return any(c.used for c in read.clarified)


def sources(reads: list[ReadResult]) -> list[dict[str, str]]:
    """Where each file's parse and value checks came from in this run, as the ledger records it."""
    return [
        {
            "file": r.file,
            "file_sha256": r.file_sha256,
            "parse": "cache" if "parse" in r.reused else "rejected" if "parse:rejected" in r.reused else "read",
            "validation": "cache"
            if "validation" in r.reused
            else "rejected"
            if "validation:rejected" in r.reused
            else "checked",
        }
        for r in reads
    ]


def staleness(ledger: Ledger, tender: Tender, rules: LoadedRules, files: Files | None = None) -> str | None:
    """Why the tender must be evaluated again, or None when its latest run used these rules and inputs."""
    latest = ledger.latest_of_tender(tender.id)
    if latest is None:
        return "never evaluated"
    reasons = []
    if latest.rules_sha256 != rules.sha256:
        reasons.append(f"rule set changed ({latest.rules_sha256[:12]}… → {rules.sha256[:12]}…)")
    before, now = latest.input_hashes, input_hashes(tender, rules, files)
    changed = sorted(k for k in set(before) | set(now) if before.get(k) != now.get(k))
    if changed:
        reasons.append("inputs changed: " + ", ".join(changed))
    return "; ".join(reasons) or None


def known_tender_dirs(ledger: Ledger) -> list[str]:
    """Every tender folder the ledger has evaluated, that still exists."""
    dirs = sorted({r.tender_dir for r in ledger.runs_of()})
    return [d for d in dirs if (Path(d) / "tender.yaml").is_file()]


def previous_document(ledger: Ledger, tender_id: str, lot: str | None) -> dict | None:
    """The latest official evaluation of the tender (lot), the one "changes since" compares with: never a
    what-if under other rules, which decides nothing."""
    latest = ledger.latest(tender_id, lot, kinds=(RunKind.OFFICIAL.value,))
    if latest is None:
        return None
    document = latest.document
    document["run_id"] = latest.run_id
    return document


def check_dirs(dirs: list[str]) -> None:
    for d in dirs:
        if not (Path(d) / "tender.yaml").is_file():
            raise InputError(Path(d) / "tender.yaml", "missing: not a tender folder")
