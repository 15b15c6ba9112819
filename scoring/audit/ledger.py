"""The evaluation ledger: every run, append-only, each record chained to the previous one of its tender.

SQLite in the data folder by default; PostgreSQL (or any SQLAlchemy URL) when
TENDERSCORE_DATABASE_URL is set. A record's hash covers its own fields, its
bids' and criteria's rows and the previous record's hash, so an edited or
deleted row breaks the chain and `verify()` names the first broken record.
Triggers refuse UPDATE and DELETE; the chain catches what gets around them.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import TypeAdapter

from scoring.award.results import Evaluation, RunKind
from scoring.issues import Issue
from scoring.models import ReadResult

_ISSUES = TypeAdapter(list[Issue])

GENESIS = "0" * 64
metadata = sa.MetaData()

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("run_id", sa.String(36), primary_key=True),
    sa.Column("tender_id", sa.String(200), nullable=False),
    sa.Column("lot", sa.String(50)),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("trigger", sa.String(20), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("tool_version", sa.String(40), nullable=False),
    sa.Column("tender_dir", sa.Text, nullable=False),
    sa.Column("rules_path", sa.Text, nullable=False),
    sa.Column("rules_sha256", sa.String(64), nullable=False),
    sa.Column("inputs", sa.Text, nullable=False),  # JSON: file -> SHA-256
    sa.Column("payload", sa.Text, nullable=False),  # the evaluation document
    sa.Column("previous_run_id", sa.String(36)),
    sa.Column("previous_hash", sa.String(64), nullable=False),
    sa.Column("record_hash", sa.String(64), nullable=False),
    sa.UniqueConstraint("tender_id", "lot", "seq", name="one_record_per_position"),
)
bid_rows = sa.Table(
    "bid_results",
    metadata,
    sa.Column("run_id", sa.String(36), sa.ForeignKey("runs.run_id"), nullable=False),
    sa.Column("bid_id", sa.String(200), nullable=False),
    sa.Column("file", sa.Text, nullable=False),
    sa.Column("file_sha256", sa.String(64), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("rank", sa.Integer),
    sa.Column("total", sa.String(40)),
    sa.PrimaryKeyConstraint("run_id", "bid_id"),
)
criterion_rows = sa.Table(
    "criterion_results",
    metadata,
    sa.Column("run_id", sa.String(36), sa.ForeignKey("runs.run_id"), nullable=False),
    sa.Column("bid_id", sa.String(200), nullable=False),
    sa.Column("criterion", sa.String(100), nullable=False),
    sa.Column("raw", sa.Text),
    sa.Column("score", sa.String(40), nullable=False),
    sa.Column("points", sa.String(40), nullable=False),
    sa.Column("explanation", sa.Text, nullable=False),
    sa.PrimaryKeyConstraint("run_id", "bid_id", "criterion"),
)
parsed = sa.Table(  # parsed bids by file hash: a re-score reads only files that changed
    "parsed_bids",
    metadata,
    sa.Column("file_sha256", sa.String(64), nullable=False),
    sa.Column("tender_key", sa.String(64), nullable=False),  # what reading depended on (locale, mapping)
    sa.Column("read_result", sa.Text, nullable=False),
    sa.PrimaryKeyConstraint("file_sha256", "tender_key"),
)
validated = sa.Table(  # value-check issues by file hash: a re-score after a rules change runs no GX suite
    "validated_bids",
    metadata,
    sa.Column("file_sha256", sa.String(64), nullable=False),
    sa.Column("tender_key", sa.String(64), nullable=False),  # the tender's definition, template, tool version
    sa.Column("issues", sa.Text, nullable=False),  # JSON list of issues
    sa.PrimaryKeyConstraint("file_sha256", "tender_key"),
)
bid_sources = sa.Table(  # per run and file: whether its parse and its value checks came from the caches
    "bid_sources",
    metadata,
    sa.Column("run_id", sa.String(36), sa.ForeignKey("runs.run_id"), nullable=False),
    sa.Column("file", sa.Text, nullable=False),
    sa.Column("file_sha256", sa.String(64), nullable=False),
    sa.Column("parse", sa.String(10), nullable=False),  # "read" or "cache"
    sa.Column("validation", sa.String(10), nullable=False),  # "checked" or "cache"
    sa.PrimaryKeyConstraint("run_id", "file"),
)
APPEND_ONLY = ("runs", "bid_results", "criterion_results", "bid_sources")


def data_folder() -> Path:
    return Path(os.environ.get("TENDERSCORE_HOME", ".tenderscore"))


def database_url() -> str:
    url = os.environ.get("TENDERSCORE_DATABASE_URL")
    if url:
        return url
    folder = data_folder()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(folder / 'ledger.sqlite').resolve()}"


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Trigger(StrEnum):
    """What started a run."""

    MANUAL = "manual"
    SCHEDULE = "schedule"
    RULES_CHANGE = "rules_change"
    REGISTERS_CHANGE = "registers_change"


# What a record is: an evaluation run (official or scenario), or an event after it in the same chain.
EVALUATIONS = ("official", "scenario")
AWARD = "award"  # the award decision and the contract record it starts
FOLLOW_UP = "follow-up"  # one follow-up check of the awarded contract


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    kind: str  # official or scenario; award or follow-up
    previous_run_id: str | None
    seq: int
    created_at: str


def _sqlite_for_concurrency(engine: sa.Engine) -> None:
    """SQLite shared by concurrent tasks: write-ahead logging (readers never wait for the writer), a busy
    timeout (a writer waits its turn instead of failing with "database is locked"), and transactions that
    take the write lock when they begin, so one that reads before it writes cannot be refused half-way."""

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # transactions are begun below, not by the driver
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


BUSY_TIMEOUT_MS = 60_000


class Ledger:
    def __init__(self, url: str | None = None):
        self.url = url or database_url()
        self.engine = sa.create_engine(self.url)
        if self.engine.dialect.name == "sqlite":
            _sqlite_for_concurrency(self.engine)
        metadata.create_all(self.engine)
        self._guard()

    def _guard(self) -> None:
        """Refuse UPDATE and DELETE on the ledger's tables."""
        dialect = self.engine.dialect.name
        with self.engine.begin() as db:
            for table in APPEND_ONLY:
                if dialect == "sqlite":
                    for action in ("UPDATE", "DELETE"):
                        db.exec_driver_sql(
                            f"CREATE TRIGGER IF NOT EXISTS {table}_no_{action.lower()} BEFORE {action} ON {table} "
                            f"BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END"
                        )
                elif dialect == "postgresql":
                    db.exec_driver_sql(
                        "CREATE OR REPLACE FUNCTION tenderscore_append_only() RETURNS trigger AS $$ "
                        "BEGIN RAISE EXCEPTION 'the ledger is append-only'; END $$ LANGUAGE plpgsql"
                    )
                    db.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
                    db.exec_driver_sql(
                        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                        "FOR EACH ROW EXECUTE FUNCTION tenderscore_append_only()"
                    )

    # --- writing --------------------------------------------------------------------------------

    def latest(self, tender_id: str, lot: str | None = None, kinds: Sequence[str] = EVALUATIONS) -> dict | None:
        """The newest record of a tender (or lot) of these kinds: by default its latest evaluation run."""
        with self.engine.connect() as db:
            row = (
                db.execute(
                    sa.select(runs)
                    .where(runs.c.tender_id == tender_id, _lot(lot), runs.c.kind.in_(kinds))
                    .order_by(runs.c.seq.desc())
                    .limit(1)
                )
                .mappings()
                .first()
            )
        return dict(row) if row else None

    def latest_of_tender(self, tender_id: str) -> dict | None:
        """The newest evaluation run of a tender, whatever its lot."""
        with self.engine.connect() as db:
            row = (
                db.execute(
                    sa.select(runs)
                    .where(runs.c.tender_id == tender_id, runs.c.kind.in_(EVALUATIONS))
                    .order_by(runs.c.created_at.desc(), runs.c.seq.desc())
                    .limit(1)
                )
                .mappings()
                .first()
            )
        return dict(row) if row else None

    def record(
        self,
        evaluation: Evaluation,
        document: dict,
        *,
        trigger: Trigger,
        kind: RunKind,
        tender_dir: str,
        inputs: dict[str, str],
        sources: Sequence[dict[str, str]] = (),
    ) -> RunInfo:
        """Append one run; `document` is the evaluation document (report_json) it stores, `sources` where
        each bid file's parse and value checks came from (file, file_sha256, parse, validation)."""
        return self._append(
            evaluation.tender.id,
            evaluation.lot,
            RunKind(kind).value,
            document,
            trigger=trigger,
            tender_dir=tender_dir,
            tool_version=evaluation.tool_version,
            rules_path=evaluation.rules_path,
            rules_sha256=evaluation.rules_sha256,
            inputs=inputs,
            sources=sources,
        )

    def record_event(
        self,
        tender_id: str,
        lot: str | None,
        kind: str,
        document: dict,
        *,
        trigger: Trigger,
        tender_dir: str,
        tool_version: str,
        rules_path: str,
        rules_sha256: str,
        inputs: dict[str, str],
    ) -> RunInfo:
        """Append an award or a follow-up check to the tender's (or lot's) chain, after its evaluation runs:
        chained and hashed like them, with no bid or criterion rows (the evaluation's stay as they were)."""
        assert kind in (AWARD, FOLLOW_UP), kind
        return self._append(
            tender_id,
            lot,
            kind,
            document,
            trigger=trigger,
            tender_dir=tender_dir,
            tool_version=tool_version,
            rules_path=rules_path,
            rules_sha256=rules_sha256,
            inputs=inputs,
        )

    def _append(
        self,
        tender_id: str,
        lot: str | None,
        kind: str,
        document: dict,
        *,
        trigger: Trigger,
        tender_dir: str,
        tool_version: str,
        rules_path: str,
        rules_sha256: str,
        inputs: dict[str, str],
        sources: Sequence[dict[str, str]] = (),
    ) -> RunInfo:
        """One record after the last of its tender's (or lot's) chain, hashed with its bid and criterion rows
        (an evaluation document has them, an award or follow-up document none)."""
        with self.engine.begin() as db:
            previous = db.execute(
                sa.select(runs.c.run_id, runs.c.record_hash, runs.c.seq)
                .where(runs.c.tender_id == tender_id, _lot(lot))
                .order_by(runs.c.seq.desc())
                .limit(1)
            ).first()
            run: dict[str, Any] = {
                "run_id": str(uuid.uuid4()),
                "tender_id": tender_id,
                "lot": lot,
                "seq": previous.seq + 1 if previous else 1,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "trigger": Trigger(trigger).value,
                "kind": kind,
                "tool_version": tool_version,
                "tender_dir": tender_dir,
                "rules_path": rules_path,
                "rules_sha256": rules_sha256,
                "inputs": _canonical(inputs),
                "payload": _canonical(document),
                "previous_run_id": previous.run_id if previous else None,
                "previous_hash": previous.record_hash if previous else GENESIS,
            }
            bids, criteria = _rows(run["run_id"], document)
            run["record_hash"] = record_hash(run, bids, criteria)
            db.execute(runs.insert().values(**run))
            if bids:
                db.execute(bid_rows.insert(), bids)
            if criteria:
                db.execute(criterion_rows.insert(), criteria)
            if sources:
                db.execute(bid_sources.insert(), [{"run_id": run["run_id"], **row} for row in sources])
        return RunInfo(
            run_id=run["run_id"],
            kind=kind,
            previous_run_id=run["previous_run_id"],
            seq=run["seq"],
            created_at=run["created_at"],
        )

    def awarded(self) -> list[dict]:
        """The latest award record of every awarded tender and lot, oldest tender first."""
        with self.engine.connect() as db:
            query = sa.select(runs).where(runs.c.kind == AWARD).order_by(runs.c.seq)
            rows = [dict(r) for r in db.execute(query).mappings()]
        latest: dict[tuple, dict] = {}
        for r in rows:
            latest[(r["tender_id"], r["lot"])] = r
        return sorted(latest.values(), key=lambda r: (r["tender_id"], r["lot"] or ""))

    # --- parsed bids ------------------------------------------------------------------------------

    def parsed_bid(self, file_sha256: str, tender_key: str) -> ReadResult | None:
        with self.engine.connect() as db:
            text = db.execute(
                sa.select(parsed.c.read_result).where(
                    parsed.c.file_sha256 == file_sha256, parsed.c.tender_key == tender_key
                )
            ).scalar()
        return ReadResult.model_validate_json(text) if text else None

    def keep_parsed(self, read: ReadResult, tender_key: str) -> None:
        """Keep a parse; one already kept for the same bytes (an identical file, read at the same time by
        another task) stands, in one atomic statement on either database."""
        self._keep(parsed, file_sha256=read.file_sha256, tender_key=tender_key, read_result=read.model_dump_json())

    def validated_issues(self, file_sha256: str, tender_key: str) -> list[Issue] | None:
        """The value checks' issues kept for these bytes and this tender, or None when never checked."""
        with self.engine.connect() as db:
            text = db.execute(
                sa.select(validated.c.issues).where(
                    validated.c.file_sha256 == file_sha256, validated.c.tender_key == tender_key
                )
            ).scalar()
        return None if text is None else _ISSUES.validate_json(text)

    def keep_validated(self, file_sha256: str, tender_key: str, issues: list[Issue]) -> None:
        self._keep(validated, file_sha256=file_sha256, tender_key=tender_key, issues=_ISSUES.dump_json(issues).decode())

    def _keep(self, table: sa.Table, **values: str) -> None:
        if self.engine.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as upsert
        else:
            from sqlalchemy.dialects.sqlite import insert as upsert  # type: ignore[assignment]
        with self.engine.begin() as db:
            db.execute(upsert(table).values(**values).on_conflict_do_nothing())

    def sources_of(self, run_id: str) -> list[dict]:
        """Where each bid file's parse and value checks came from in a run: read or checked now, or cache."""
        with self.engine.connect() as db:
            rows = db.execute(sa.select(bid_sources).where(bid_sources.c.run_id == run_id).order_by(bid_sources.c.file))
            return [dict(r) for r in rows.mappings()]

    # --- reading and checking ---------------------------------------------------------------------

    def runs_of(self, tender_id: str | None = None) -> list[dict]:
        query = sa.select(runs).order_by(runs.c.tender_id, runs.c.lot, runs.c.seq)
        if tender_id:
            query = query.where(runs.c.tender_id == tender_id)
        with self.engine.connect() as db:
            return [dict(r) for r in db.execute(query).mappings()]

    def verify(self) -> list[str]:
        """Problems found walking every tender's chain, the first broken record first; empty when intact."""
        problems = []
        with self.engine.connect() as db:
            all_runs = [
                dict(r)
                for r in db.execute(sa.select(runs).order_by(runs.c.tender_id, runs.c.lot, runs.c.seq)).mappings()
            ]
            bids: dict[str, list[dict]] = {}
            for r in db.execute(sa.select(bid_rows)).mappings():
                bids.setdefault(r["run_id"], []).append(dict(r))
            criteria: dict[str, list[dict]] = {}
            for r in db.execute(sa.select(criterion_rows)).mappings():
                criteria.setdefault(r["run_id"], []).append(dict(r))
        chains: dict[tuple, list[dict]] = {}
        for run in all_runs:
            chains.setdefault((run["tender_id"], run["lot"]), []).append(run)
        for (tender_id, lot), chain in chains.items():
            expected_previous, expected_seq = GENESIS, 1
            for run in chain:
                where = f"run {run['run_id']} (tender {tender_id}{', lot ' + lot if lot else ''}, record {run['seq']})"
                if run["seq"] != expected_seq:
                    problems.append(f"{where}: records {expected_seq} to {run['seq'] - 1} are missing")
                    break
                if run["previous_hash"] != expected_previous:
                    problems.append(f"{where}: does not follow the previous record (a record was changed or removed)")
                    break
                stored_bids, stored_criteria = _rows(run["run_id"], json.loads(run["payload"]))
                key = lambda rows: sorted(_canonical(r) for r in rows)
                if key(bids.get(run["run_id"], [])) != key(stored_bids) or key(criteria.get(run["run_id"], [])) != key(
                    stored_criteria
                ):
                    problems.append(f"{where}: its bid or criterion rows differ from the record")
                    break
                if record_hash(run, stored_bids, stored_criteria) != run["record_hash"]:
                    problems.append(f"{where}: its content does not match its hash (the record was changed)")
                    break
                expected_previous, expected_seq = run["record_hash"], run["seq"] + 1
        return problems


_open: dict[str, Ledger] = {}
_lock = threading.Lock()


def open_ledger(url: str | None = None) -> Ledger:
    """The process's ledger for a URL: tables are created once, even when tasks run in threads."""
    url = url or database_url()
    with _lock:
        if url not in _open:
            _open[url] = Ledger(url)
        return _open[url]


def _lot(lot: str | None):
    return runs.c.lot.is_(None) if lot is None else runs.c.lot == lot


def _rows(run_id: str, document: dict) -> tuple[list[dict], list[dict]]:
    bids, criteria = [], []
    for b in document.get("bids", []):  # an award or follow-up record has none
        bids.append(
            {
                "run_id": run_id,
                "bid_id": b["bid_id"],
                "file": b["file"],
                "file_sha256": b["file_sha256"],
                "status": b["status"],
                "rank": b["rank"],
                "total": None if b["total"] is None else str(b["total"]),
            }
        )
        for c in b["criteria"]:
            criteria.append(
                {
                    "run_id": run_id,
                    "bid_id": b["bid_id"],
                    "criterion": c["id"],
                    "raw": None if c["raw"] is None else _canonical(c["raw"]),
                    "score": str(c["score"]),
                    "points": str(c["points"]),
                    "explanation": c["explanation"],
                }
            )
    return bids, criteria


FIELDS = (
    "run_id",
    "tender_id",
    "lot",
    "seq",
    "created_at",
    "trigger",
    "kind",
    "tool_version",
    "tender_dir",
    "rules_path",
    "rules_sha256",
    "inputs",
    "payload",
    "previous_run_id",
    "previous_hash",
)


def record_hash(run: dict, bids: list[dict], criteria: list[dict]) -> str:
    body = {k: run[k] for k in FIELDS}
    body["bids"] = sorted(_canonical(r) for r in bids)
    body["criteria"] = sorted(_canonical(r) for r in criteria)
    return _sha(_canonical(body))
