"""Re-scoring: which tenders are stale, reading only changed workbooks, and what changed between runs."""

from __future__ import annotations

import json
from pathlib import Path

from scoring.errors import InputError
from scoring.ingest import read_bid, sha256_of
from scoring.ledger import Ledger
from scoring.models import ReadResult, Tender
from scoring.report_md import cell
from scoring.rules import LoadedRules
from scoring.runs import input_hashes, tender_key


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


def diff_documents(before: dict, after: dict) -> dict:
    """What changed between two evaluation documents of a tender: ranks, statuses, points, verdicts."""
    old = {b["bid_id"]: b for b in before["bids"]}
    new = {b["bid_id"]: b for b in after["bids"]}
    changes = []
    for bid_id in sorted(set(old) | set(new)):
        a, b = old.get(bid_id), new.get(bid_id)
        if a is None or b is None:
            changes.append({"bid_id": bid_id, "what": "bid", "before": "absent" if a is None else a["status"],
                            "after": "absent" if b is None else b["status"]})
            continue
        for key in ("status", "rank", "total"):
            if a[key] != b[key]:
                changes.append({"bid_id": bid_id, "what": key, "before": a[key], "after": b[key]})
        points = {c["id"]: c["points"] for c in a["criteria"]}
        for c in b["criteria"]:
            if points.get(c["id"]) != c["points"]:
                changes.append({"bid_id": bid_id, "what": f"points {c['id']}", "before": points.get(c["id"]),
                                "after": c["points"]})
        verdicts = {(c["row"], c["certificate_id"] or c["evidence"]): c["verdict"] for c in a["claims"]}
        for c in b["claims"]:
            key = (c["row"], c["certificate_id"] or c["evidence"])
            if verdicts.get(key) != c["verdict"]:
                changes.append({"bid_id": bid_id, "what": f"claim {key[1]}", "before": verdicts.get(key),
                                "after": c["verdict"]})
    return {"previous_run_id": before.get("run_id"), "run_id": after.get("run_id"),
            "rules_sha256": {"before": before["rules_sha256"], "after": after["rules_sha256"]},
            "rank_changes": [c for c in changes if c["what"] == "rank"], "changes": changes}


def render_diff_md(diff: dict) -> str:
    lines = [f"# Changes since run {diff['previous_run_id']}", "",
             f"Rule set SHA-256: `{diff['rules_sha256']['before']}` → `{diff['rules_sha256']['after']}`.", ""]
    if not diff["changes"]:
        return "\n".join(lines + ["Nothing changed.", ""])
    lines += ["| Bid | What | Before | After |", "|---|---|---|---|"]
    lines += [f"| {cell(c['bid_id'])} | {cell(c['what'])} | {cell(c['before'])} | {cell(c['after'])} |"
              for c in diff["changes"]]
    return "\n".join(lines) + "\n"


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
