"""A run of an evaluation as the ledger keeps it: official or scenario, and what it was computed from."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from scoring import __version__
from scoring.audit.ledger import Ledger, Pending, RunInfo, Trigger
from scoring.award.results import Evaluation, RunKind
from scoring.claims.reviews import REVIEWS_FILE
from scoring.intake.clarify import CLARIFICATIONS_FILE
from scoring.intake.ingest import entry_sha256, sha256_of
from scoring.intake.panel_sheets import PANEL_FOLDER
from scoring.intake.tender import COMMITTEE_FILE, TENDER_FILE, bid_files
from scoring.models import Tender
from scoring.reports.evaluation_json import evaluation_document
from scoring.rules.load import LoadedRules


def run_kind(tender: Tender, rules: LoadedRules) -> RunKind:
    """Official when run under the rule set the tender pins (path, and SHA-256 once published)."""
    pinned_path = Path(tender.rules_path).resolve()
    if Path(rules.path).resolve() != pinned_path:
        return RunKind.SCENARIO
    if tender.rules_sha256 and tender.rules_sha256 != rules.sha256:
        return RunKind.SCENARIO
    return RunKind.OFFICIAL


def input_hashes(tender: Tender, rules: LoadedRules) -> dict[str, str]:
    """Every file the result depends on besides the rule set: bids, factory lists, tender.yaml, decisions,
    panel sheets, the label catalogue and the register snapshots."""
    out = {f"bids/{f.name}": entry_sha256(f) for f in bid_files(tender)}
    for name in (TENDER_FILE, COMMITTEE_FILE, REVIEWS_FILE, CLARIFICATIONS_FILE):
        if (tender.folder / name).is_file():
            out[name] = sha256_of(tender.folder / name)
    if tender.received and (tender.folder / tender.received).is_file():
        out[f"received/{tender.received}"] = sha256_of(tender.folder / tender.received)
    forms = tender.template.factory_lists
    if forms is not None and (tender.folder / forms.folder).is_dir():
        out.update(
            {
                f"{forms.folder}/{p.name}": sha256_of(p)
                for p in sorted((tender.folder / forms.folder).iterdir())
                if p.is_file()
            }
        )
    panel = tender.folder / PANEL_FOLDER
    if panel.is_dir():
        out.update({f"{PANEL_FOLDER}/{p.name}": sha256_of(p) for p in sorted(panel.glob("*.xlsx"))})
    if rules.catalogue is not None:
        out["catalogue"] = rules.catalogue_sha256 or ""
        folder = rules.registers_folder
        if folder.is_dir():
            out.update({f"registers/{p.name}": sha256_of(p) for p in sorted(folder.iterdir()) if p.is_file()})
    return out


def tender_key(tender: Tender) -> str:
    """What reading a workbook depends on besides its bytes: locale, zone, mapping, tender items, and the
    version of the reader itself (a parse by an older tenderscore is never reused after an upgrade)."""
    return hashlib.sha256(
        tender.model_dump_json(
            include={"locale", "decimal_separator", "timezone", "template", "items", "id", "currency", "bid_deadline"}
        ).encode()
        + b"\0tenderscore "
        + __version__.encode()
    ).hexdigest()


def prepare_run(
    ledger: Ledger,
    evaluation: Evaluation,
    tender: Tender,
    rules: LoadedRules,
    trigger: Trigger,
    sources: Sequence[dict[str, str]] = (),
) -> tuple[Evaluation, Pending]:
    """The run's record, prepared (see Ledger.commit); the evaluation comes back carrying its run id, kind,
    predecessor and the ledger head it will be under."""
    kind = run_kind(tender, rules)
    pending = ledger.prepare_run(
        evaluation,
        evaluation_document(evaluation),
        trigger=trigger,
        kind=kind,
        tender_dir=str(tender.folder.resolve()),
        inputs=input_hashes(tender, rules),
        sources=sources,
    )
    return with_run(evaluation, pending.info), pending


def record_run(
    ledger: Ledger,
    evaluation: Evaluation,
    tender: Tender,
    rules: LoadedRules,
    trigger: Trigger,
    sources: Sequence[dict[str, str]] = (),
) -> Evaluation:
    """Append the run to the ledger; the evaluation comes back carrying its run id, kind and predecessor."""
    evaluation, pending = prepare_run(ledger, evaluation, tender, rules, trigger, sources)
    ledger.commit(pending)
    return evaluation


def with_run(evaluation: Evaluation, info: RunInfo) -> Evaluation:
    return evaluation.model_copy(
        update={
            "run_id": info.run_id,
            "kind": RunKind(info.kind),
            "previous_run_id": info.previous_run_id,
            "run_at": info.created_at,
            "ledger_seq": info.seq,
            "ledger_hash": info.record_hash,
        }
    )
