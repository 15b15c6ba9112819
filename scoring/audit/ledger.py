"""The evaluation ledger: every run, append-only, each record chained to the previous one of its tender.

SQLite in the data folder by default; PostgreSQL (or any SQLAlchemy URL) when
TENDERSCORE_DATABASE_URL is set. A record's hash covers its own fields, its
bids' and criteria's rows and the previous record's hash, so an edited or
deleted row breaks the chain and `verify()` names the first broken record.
Triggers refuse UPDATE and DELETE; the chain catches what gets around them.

What the chain alone cannot see, two more things cover. The head of a chain (its newest record's position
and hash) is printed in the committee's reports: `verify(head=...)` fails when that record is no longer in
the ledger, so removing the newest records, or all of them, is found by anyone holding a report. With
TENDERSCORE_LEDGER_KEY set, every record also carries an HMAC of its hash: a rewrite of the whole chain by
someone without the key is found. The caches of parses and value checks carry their own hash (an HMAC with
the key), checked before a row is used and by `verify()`: a changed row is never used.

Every database failure comes out as a LedgerError in words (no ledger there, unreadable, the disk full).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import logging
import os
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from pydantic import TypeAdapter

from scoring.audit.home import data_folder
from scoring.award.results import Evaluation, RunKind
from scoring.errors import LedgerError
from scoring.issues import Issue
from scoring.models import ReadResult

_ISSUES = TypeAdapter(list[Issue])

GENESIS = "0" * 64
metadata = sa.MetaData()

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("run_id", sa.String(36), primary_key=True),
    sa.Column("tender_id", sa.Text, nullable=False),
    sa.Column("lot", sa.Text),
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
    sa.Column("record_mac", sa.String(64)),  # HMAC-SHA256 of record_hash with TENDERSCORE_LEDGER_KEY, when set
    sa.UniqueConstraint("tender_id", "lot", "seq", name="one_record_per_position"),
)
bid_rows = sa.Table(
    "bid_results",
    metadata,
    sa.Column("run_id", sa.String(36), sa.ForeignKey("runs.run_id"), nullable=False),
    sa.Column("bid_id", sa.Text, nullable=False),
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
    sa.Column("bid_id", sa.Text, nullable=False),
    sa.Column("criterion", sa.Text, nullable=False),
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
    sa.Column("row_hash", sa.Text),  # over the row's content (an HMAC with the key): checked before use
    sa.PrimaryKeyConstraint("file_sha256", "tender_key"),
)
validated = sa.Table(  # value-check issues by file hash: a re-score after a rules change runs no GX suite
    "validated_bids",
    metadata,
    sa.Column("file_sha256", sa.String(64), nullable=False),
    sa.Column("tender_key", sa.String(64), nullable=False),  # the tender's definition, template, tool version
    sa.Column("issues", sa.Text, nullable=False),  # JSON list of issues
    sa.Column("row_hash", sa.Text),  # over the row's content (an HMAC with the key): checked before use
    sa.PrimaryKeyConstraint("file_sha256", "tender_key"),
)
bid_sources = sa.Table(  # per run and file: whether its parse and its value checks came from the caches
    "bid_sources",
    metadata,
    sa.Column("run_id", sa.String(36), sa.ForeignKey("runs.run_id"), nullable=False),
    sa.Column("file", sa.Text, nullable=False),
    sa.Column("file_sha256", sa.String(64), nullable=False),
    sa.Column("parse", sa.String(10), nullable=False),  # "read", "cache", or "rejected" (a cache row failed its hash)
    sa.Column("validation", sa.String(10), nullable=False),  # "checked", "cache" or "rejected"
    sa.PrimaryKeyConstraint("run_id", "file"),
)
APPEND_ONLY = ("runs", "bid_results", "criterion_results", "bid_sources")
# Columns an older ledger lacks, added when it is opened: (table, column, type).
ADDED = (
    ("runs", "record_mac", "VARCHAR(64)"),
    ("parsed_bids", "row_hash", "TEXT"),
    ("validated_bids", "row_hash", "TEXT"),
)
# Columns an older ledger on PostgreSQL holds as VARCHAR(n), which cut identifiers SQLite takes whole.
WIDENED = (
    ("runs", "tender_id"),
    ("runs", "lot"),
    ("bid_results", "bid_id"),
    ("criterion_results", "bid_id"),
    ("criterion_results", "criterion"),
)
KEY_VARIABLE = "TENDERSCORE_LEDGER_KEY"
log = logging.getLogger(__name__)


def ledger_key() -> bytes | None:
    key = os.environ.get(KEY_VARIABLE)
    return key.encode("utf-8") if key else None


def where_shown(url: str) -> str:
    """A database URL without its password, or a SQLite ledger's file."""
    made = sa.engine.make_url(url)
    if made.get_backend_name() == "sqlite":
        return made.database or url
    return made.render_as_string(hide_password=True)


def in_words(error: BaseException, url: str) -> str:
    """A database failure as one line: where, and what happened."""
    text = str(getattr(error, "orig", None) or error).lower()
    where = where_shown(url)
    if "full" in text or "no space" in text or "quota" in text:
        return f"the ledger {where} could not be written: the disk is full"
    if "not a database" in text or "malformed" in text or "file is encrypted" in text:
        return f"the ledger {where} is unreadable: it is not a ledger database, or it is damaged"
    if "readonly" in text or "read-only" in text or "permission denied" in text:
        return f"the ledger {where} could not be written: no permission to write there"
    if "unable to open" in text or "could not connect" in text or "connection refused" in text:
        return f"the ledger {where} could not be opened: {text.splitlines()[0]}"
    if "unique" in text or "duplicate key" in text:
        return f"the ledger {where}: another run of this tender was recorded at the same moment; run it again"
    return f"the ledger {where} failed: {type(error).__name__}: {text.splitlines()[0] if text else ''}"


F = TypeVar("F", bound=Callable[..., Any])


def _in_words(method: F) -> F:
    """A database or file system failure inside a ledger method is a LedgerError in words."""

    @functools.wraps(method)
    def wrapper(self: Ledger, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except (sa.exc.SQLAlchemyError, OSError) as error:
            raise LedgerError(in_words(error, self.url)) from error

    return wrapper  # type: ignore[return-value]


def database_url(create: bool = True) -> str:
    url = os.environ.get("TENDERSCORE_DATABASE_URL")
    if url:
        return url
    folder = data_folder()
    if create:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise LedgerError(f"the ledger's folder {folder.resolve()} could not be made: {error.strerror}") from None
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
SENT = "sent"  # the award decision notices sent: their date and each letter's SHA-256
DECISION = "decision"  # a person's decision taken in the workspace: who, when, what, the file it wrote


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    kind: str  # official or scenario; award or follow-up
    previous_run_id: str | None
    seq: int
    created_at: str
    record_hash: str = ""


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


@dataclass(frozen=True)
class Record:
    """One record of the ledger as it was written: an evaluation run, an award or a follow-up check."""

    run_id: str
    tender_id: str
    lot: str | None
    seq: int
    created_at: str
    trigger: str
    kind: str
    tool_version: str
    tender_dir: str
    rules_path: str
    rules_sha256: str
    inputs: str  # JSON: input -> SHA-256
    payload: str  # JSON: the document recorded
    previous_run_id: str | None
    previous_hash: str
    record_hash: str
    record_mac: str | None = None

    @property
    def document(self) -> dict[str, Any]:
        """The recorded document (an evaluation, a contract record, a follow-up check)."""
        data: dict[str, Any] = json.loads(self.payload)
        return data

    @property
    def input_hashes(self) -> dict[str, str]:
        data: dict[str, str] = json.loads(self.inputs)
        return data

    @classmethod
    def of(cls, row: Any) -> Record:
        return cls(**dict(row))


@dataclass(frozen=True)
class Pending:
    """A record computed and hashed, not yet in the ledger: written by `Ledger.commit`, once its reports are
    in their staging folder (pipeline.run), so that the ledger never holds a run whose reports were not
    written, and the reports can print the head they are written under."""

    run: dict[str, Any]
    bids: list[dict] = field(default_factory=list)
    criteria: list[dict] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)

    @property
    def info(self) -> RunInfo:
        return RunInfo(
            run_id=self.run["run_id"],
            kind=self.run["kind"],
            previous_run_id=self.run["previous_run_id"],
            seq=self.run["seq"],
            created_at=self.run["created_at"],
            record_hash=self.run["record_hash"],
        )


@dataclass(frozen=True)
class CacheCheck:
    """What `verify` found in the caches of parses and value checks."""

    rows: int = 0
    changed: list[str] = field(default_factory=list)  # rows whose content does not match their hash
    unverifiable: int = 0  # rows of an older version (no hash) or hashed with a key not given: never used


class Ledger:
    def __init__(self, url: str | None = None, *, create: bool = True):
        """The ledger at `url` (the default one when None). `create=False` refuses to make one where there is
        none: `audit verify` looks at a ledger, never creates an empty one to report intact."""
        self.url = url or database_url(create=create)
        if not create:
            self._exists()
        try:
            self.engine = sa.create_engine(self.url)
            if self.engine.dialect.name == "sqlite":
                _sqlite_for_concurrency(self.engine)
            metadata.create_all(self.engine)
            self._migrate()
            self._guard()
        except (sa.exc.SQLAlchemyError, OSError) as error:
            raise LedgerError(in_words(error, self.url)) from error

    def _exists(self) -> None:
        made = sa.engine.make_url(self.url)
        if made.get_backend_name() == "sqlite":
            path = Path(made.database or "")
            if not made.database or not path.is_file():
                raise LedgerError(
                    f"no ledger at {path.resolve() if made.database else self.url} (set TENDERSCORE_HOME to the "
                    "folder that holds ledger.sqlite, or TENDERSCORE_DATABASE_URL)"
                )
        try:
            engine = sa.create_engine(self.url)
            try:
                tables = set(sa.inspect(engine).get_table_names())
            finally:
                engine.dispose()
        except (sa.exc.SQLAlchemyError, OSError) as error:
            raise LedgerError(in_words(error, self.url)) from error
        if "runs" not in tables:
            raise LedgerError(f"no ledger at {where_shown(self.url)}: the database holds no ledger tables")

    def _migrate(self) -> None:
        """Bring a ledger written by an older version up to this one: the columns it lacks, and identifier
        columns without a length limit on PostgreSQL. Nothing already recorded changes."""
        with self.engine.begin() as db:
            inspector = sa.inspect(db)
            for table, column, kind in ADDED:
                if column not in {c["name"] for c in inspector.get_columns(table)}:
                    db.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
            if self.engine.dialect.name == "postgresql":
                for table, column in WIDENED:
                    found = {c["name"]: c["type"] for c in inspector.get_columns(table)}
                    if isinstance(found.get(column), sa.String) and getattr(found[column], "length", None):
                        db.exec_driver_sql(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE TEXT")

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

    @_in_words
    def latest(self, tender_id: str, lot: str | None = None, kinds: Sequence[str] = EVALUATIONS) -> Record | None:
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
        return Record.of(row) if row else None

    @_in_words
    def latest_of_tender(self, tender_id: str) -> Record | None:
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
        return Record.of(row) if row else None

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
        return self.commit(
            self.prepare_run(
                evaluation, document, trigger=trigger, kind=kind, tender_dir=tender_dir, inputs=inputs, sources=sources
            )
        )

    def prepare_run(
        self,
        evaluation: Evaluation,
        document: dict,
        *,
        trigger: Trigger,
        kind: RunKind,
        tender_dir: str,
        inputs: dict[str, str],
        sources: Sequence[dict[str, str]] = (),
    ) -> Pending:
        """A run's record, chained and hashed after the tender's (or lot's) newest record, not yet written."""
        return self.prepare(
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
        """Append an award, letters sent, a follow-up check or a workspace decision to the tender's (or lot's)
        chain, after its evaluation runs:
        chained and hashed like them, with no bid or criterion rows (the evaluation's stay as they were)."""
        assert kind in (AWARD, FOLLOW_UP, SENT, DECISION), kind
        pending = self.prepare(
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
        return self.commit(pending)

    @_in_words
    def prepare(
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
    ) -> Pending:
        """One record after the last of its tender's (or lot's) chain, hashed with its bid and criterion rows
        (an evaluation document has them, an award or follow-up document none); written by `commit`."""
        with self.engine.connect() as db:
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
        key = ledger_key()
        run["record_mac"] = _mac(key, run["record_hash"]) if key else None
        rows = [{"run_id": run["run_id"], **row} for row in sources]
        return Pending(run, bids, criteria, rows)

    @_in_words
    def commit(self, pending: Pending) -> RunInfo:
        """Write a prepared record, when its chain is still where it was prepared (a record written meanwhile
        by another run of the same tender is refused: the unique position catches it on both databases)."""
        run = pending.run
        with self.engine.begin() as db:
            latest = db.execute(
                sa.select(runs.c.run_id)
                .where(runs.c.tender_id == run["tender_id"], _lot(run["lot"]))
                .order_by(runs.c.seq.desc())
                .limit(1)
            ).scalar()
            if latest != run["previous_run_id"]:
                raise LedgerError(
                    f"the ledger {where_shown(self.url)}: another run of tender {run['tender_id']} was recorded "
                    "while this one ran; run it again"
                )
            db.execute(runs.insert().values(**run))
            if pending.bids:
                db.execute(bid_rows.insert(), pending.bids)
            if pending.criteria:
                db.execute(criterion_rows.insert(), pending.criteria)
            if pending.sources:
                db.execute(bid_sources.insert(), pending.sources)
        return pending.info

    @_in_words
    def awarded(self) -> list[Record]:
        """The latest award record of every awarded tender and lot, oldest tender first."""
        with self.engine.connect() as db:
            query = sa.select(runs).where(runs.c.kind == AWARD).order_by(runs.c.seq)
            rows = [Record.of(r) for r in db.execute(query).mappings()]
        latest: dict[tuple, Record] = {}
        for r in rows:
            latest[(r.tender_id, r.lot)] = r
        return sorted(latest.values(), key=lambda r: (r.tender_id, r.lot or ""))

    # --- the caches: parsed bids and value checks, each row checked against its own hash ------------------

    @_in_words
    def parsed_bid(self, file_sha256: str, tender_key: str) -> ReadResult | None:
        """The parse kept for these bytes and this tender, when its row holds what its hash says."""
        text, _rejected = self.cached("parse", file_sha256, tender_key)
        return ReadResult.model_validate_json(text) if text else None

    def keep_parsed(self, read: ReadResult, tender_key: str) -> None:
        """Keep a parse; one already kept for the same bytes (an identical file, read at the same time by
        another task) stands, in one atomic statement on either database."""
        self._keep(parsed, "read_result", read.file_sha256, tender_key, read.model_dump_json())

    @_in_words
    def validated_issues(self, file_sha256: str, tender_key: str) -> list[Issue] | None:
        """The value checks' issues kept for these bytes and this tender, or None when never checked (or
        when the row does not hold what its hash says)."""
        text, _rejected = self.cached("validation", file_sha256, tender_key)
        return None if text is None else _ISSUES.validate_json(text)

    def keep_validated(self, file_sha256: str, tender_key: str, issues: list[Issue]) -> None:
        self._keep(validated, "issues", file_sha256, tender_key, _ISSUES.dump_json(issues).decode())

    @_in_words
    def cached(self, which: str, file_sha256: str, tender_key: str) -> tuple[str | None, bool]:
        """A cache row's content ("parse" or "validation"), when it holds what its hash says; and whether a
        row was there and refused. A refused row is removed (the run that refused it records so in its
        sources: `rejected`), and what it held is computed again."""
        table, column = (parsed, "read_result") if which == "parse" else (validated, "issues")
        where = (table.c.file_sha256 == file_sha256, table.c.tender_key == tender_key)
        with self.engine.connect() as db:
            row = db.execute(sa.select(table.c[column], table.c.row_hash).where(*where)).first()
        if row is None:
            return None, False
        content, stored = row
        if stored == cache_hash(table.name, file_sha256, tender_key, content):
            return content, False
        log.warning(
            "the cached %s of %s does not hold what its hash says (changed outside tenderscore, written by an "
            "older version or under another ledger key): not used, computed again",
            which,
            file_sha256,
        )
        with self.engine.begin() as db:
            db.execute(table.delete().where(*where))
        return None, True

    @_in_words
    def _keep(self, table: sa.Table, column: str, file_sha256: str, tender_key: str, content: str) -> None:
        if self.engine.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as upsert
        else:
            from sqlalchemy.dialects.sqlite import insert as upsert  # type: ignore[assignment]
        values = {
            "file_sha256": file_sha256,
            "tender_key": tender_key,
            column: content,
            "row_hash": cache_hash(table.name, file_sha256, tender_key, content),
        }
        with self.engine.begin() as db:
            db.execute(upsert(table).values(**values).on_conflict_do_nothing())

    @_in_words
    def sources_of(self, run_id: str) -> list[dict]:
        """Where each bid file's parse and value checks came from in a run: read or checked now, or cache."""
        with self.engine.connect() as db:
            rows = db.execute(sa.select(bid_sources).where(bid_sources.c.run_id == run_id).order_by(bid_sources.c.file))
            return [dict(r) for r in rows.mappings()]

    # --- reading and checking ---------------------------------------------------------------------

    @_in_words
    def runs_of(self, tender_id: str | None = None) -> list[Record]:
        query = sa.select(runs).order_by(runs.c.tender_id, runs.c.lot, runs.c.seq)
        if tender_id:
            query = query.where(runs.c.tender_id == tender_id)
        with self.engine.connect() as db:
            return [Record.of(r) for r in db.execute(query).mappings()]

    @_in_words
    def stamp(self, tender_id: str) -> tuple[int, str | None]:
        """How many records the tender has and when the newest was written: what changes when one is added
        (cheap: no payload is read)."""
        with self.engine.connect() as db:
            count, newest = db.execute(
                sa.select(sa.func.count(), sa.func.max(runs.c.created_at)).where(runs.c.tender_id == tender_id)
            ).one()
        return int(count), newest

    @_in_words
    def head(self, tender_id: str, lot: str | None = None) -> tuple[int, str] | None:
        """The newest record of a tender's (or lot's) chain: its position and hash, as reports print it."""
        latest = self.latest(tender_id, lot, kinds=(*EVALUATIONS, AWARD, FOLLOW_UP))
        return (latest.seq, latest.record_hash) if latest else None

    @_in_words
    def verify(self, head: str | None = None) -> list[str]:  # noqa: C901
        """Problems found walking every tender's chain, the first broken record first; empty when intact.

        `head` (a record hash as a report prints it, or its first 16 hex digits or more): a problem when no
        record of the ledger has it. With TENDERSCORE_LEDGER_KEY set, every record's HMAC is checked too."""
        problems = []
        key = ledger_key()
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
                sort = lambda rows: sorted(_canonical(r) for r in rows)
                if sort(bids.get(run["run_id"], [])) != sort(stored_bids) or sort(
                    criteria.get(run["run_id"], [])
                ) != sort(stored_criteria):
                    problems.append(f"{where}: its bid or criterion rows differ from the record")
                    break
                if record_hash(run, stored_bids, stored_criteria) != run["record_hash"]:
                    problems.append(f"{where}: its content does not match its hash (the record was changed)")
                    break
                if key is not None:
                    if run["record_mac"] is None:
                        problems.append(f"{where}: carries no MAC: it was written without the ledger key")
                        break
                    if not hmac.compare_digest(run["record_mac"], _mac(key, run["record_hash"])):
                        problems.append(f"{where}: its MAC does not match: the record was written without this key")
                        break
                expected_previous, expected_seq = run["record_hash"], run["seq"] + 1
        if head is not None:
            wanted = head.strip().lower()
            if len(wanted) < 16 or any(c not in "0123456789abcdef" for c in wanted):
                problems.append(f"the head {head!r} is not a record hash (64 hex digits, or the first 16 or more)")
            elif not any(r["record_hash"].startswith(wanted) for r in all_runs):
                problems.append(
                    f"the head {wanted} is not in the ledger: the record a report was written under has been "
                    "removed or rewritten"
                )
        problems += self.check_caches().changed
        return problems

    @_in_words
    def check_caches(self) -> CacheCheck:
        """Every row of the caches against its own hash."""
        rows = changed = unverifiable = 0
        named: list[str] = []
        key = ledger_key()
        with self.engine.connect() as db:
            for table, column in ((parsed, "read_result"), (validated, "issues")):
                for file_sha256, tender_key, content, stored in db.execute(
                    sa.select(table.c.file_sha256, table.c.tender_key, table.c[column], table.c.row_hash)
                ):
                    rows += 1
                    if stored is None or (stored.startswith("hmac:") and key is None):
                        unverifiable += 1
                    elif stored != cache_hash(table.name, file_sha256, tender_key, content):
                        changed += 1
                        named.append(
                            f"cache {table.name}, bytes {file_sha256[:16]}…: its content does not match its hash "
                            "(changed outside tenderscore); it is never used, and is computed again when needed"
                        )
        return CacheCheck(rows, named, unverifiable)


def cache_hash(table: str, file_sha256: str, tender_key: str, content: str) -> str:
    """What a cache row's content must hash to: an HMAC with the ledger key when there is one."""
    body = f"{table}\0{file_sha256}\0{tender_key}\0{content}".encode()
    key = ledger_key()
    if key is not None:
        return "hmac:" + hmac.new(key, body, hashlib.sha256).hexdigest()
    return "sha256:" + hashlib.sha256(body).hexdigest()


def _mac(key: bytes, record_hash: str) -> str:
    return hmac.new(key, record_hash.encode(), hashlib.sha256).hexdigest()


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
