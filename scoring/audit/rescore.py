"""Re-scoring: which tenders are stale, reading only changed workbooks, and what changed between runs."""

from __future__ import annotations

import json
from pathlib import Path

from scoring.audit.ledger import Ledger
from scoring.audit.runs import input_hashes, tender_key
from scoring.errors import InputError
from scoring.intake.ingest import read_bid, sha256_of
from scoring.models import ReadResult, Tender
from scoring.rules.load import LoadedRules


def cached_read(path: Path, tender: Tender, ledger: Ledger | None) -> ReadResult:
    """Read a bid, or reuse its parsed form when the same bytes were read before for this tender."""
    if ledger is None:
        return read_bid(path, tender)
    key = tender_key(tender)
    known = ledger.parsed_bid(sha256_of(path), key)
    if known is not None:  # the same bytes may have come under another file name
        bid = known.bid.model_copy(update={"bid_id": path.stem, "file": path.name}) if known.bid else None
        issues = [i.model_copy(update={"file": path.name}) for i in known.issues]
        return known.model_copy(update={"file": path.name, "bid": bid, "issues": issues})
    read = read_bid(path, tender)
    ledger.keep_parsed(read, key)
    return read


def staleness(ledger: Ledger, tender: Tender, rules: LoadedRules) -> str | None:
    """Why the tender must be evaluated again, or None when its latest run used these rules and inputs."""
    latest = ledger.latest_of_tender(tender.id)
    if latest is None:
        return "never evaluated"
    reasons = []
    if latest["rules_sha256"] != rules.sha256:
        reasons.append(f"rule set changed ({latest['rules_sha256'][:12]}… → {rules.sha256[:12]}…)")
    before, now = json.loads(latest["inputs"]), input_hashes(tender, rules)
    changed = sorted(k for k in set(before) | set(now) if before.get(k) != now.get(k))
    if changed:
        reasons.append("inputs changed: " + ", ".join(changed))
    return "; ".join(reasons) or None


def known_tender_dirs(ledger: Ledger) -> list[str]:
    """Every tender folder the ledger has evaluated, that still exists."""
    dirs = sorted({r["tender_dir"] for r in ledger.runs_of()})
    return [d for d in dirs if (Path(d) / "tender.yaml").is_file()]


def previous_document(ledger: Ledger, tender_id: str, lot: str | None) -> dict | None:
    latest = ledger.latest(tender_id, lot)
    if latest is None:
        return None
    document = json.loads(latest["payload"])
    document["run_id"] = latest["run_id"]
    return document


def check_dirs(dirs: list[str]) -> None:
    for d in dirs:
        if not (Path(d) / "tender.yaml").is_file():
            raise InputError(Path(d) / "tender.yaml", "missing: not a tender folder")
