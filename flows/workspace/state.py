"""What the workspace knows of each tender, and every action taken in it.

The tender folders are the one record the command line also reads: an action writes the file the command
line would read (reviews.yaml, clarifications.yaml, committee.yaml, tender.yaml) in place, keeping its
comments, and appends the decision to the ledger with the person and the time. An action holds the
tender's lock and checks, under it, that the item is still open: of two people deciding the same item at
once the second is told, and nothing is lost. Evaluations are computed once per state of the inputs.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from scoring.audit.accounts import Accounts, Role, Session
from scoring.audit.ledger import DECISION, Ledger, Trigger
from scoring.award.results import Evaluation
from scoring.errors import InputError
from scoring.intake.folder import CLARIFICATIONS_FILE, COMMITTEE_FILE, REVIEWS_FILE, TENDER_FILE

SKIPPED = {"reports", ".git", "__pycache__", "sent", "follow-up"}


class Conflict(Exception):
    """The item was decided meanwhile (by someone else, or in a file edited by hand): what stands."""


@dataclass(frozen=True)
class Overview:
    """A tender's state as the workspace shows it: each lot's evaluation and what is left before its letters."""

    fingerprint: tuple
    computed_at: datetime
    lots: list[tuple[Evaluation, Any]]  # (evaluation, pipeline.Readiness)
    error: str | None = None
    updating: bool = False  # the inputs changed since: a fresh one is being computed


@dataclass
class Tender:
    id: str
    folder: Path
    lock: threading.Lock = field(default_factory=threading.Lock)  # held by every action that writes
    computing: threading.Lock = field(default_factory=threading.Lock)  # one computation of the overview at a time
    overview: Overview | None = None
    rules: tuple[tuple, Path | None] = ((), None)  # (tender.yaml's size and time, the rule file it names)


def _fingerprint(folder: Path, rules: Path | None) -> tuple:
    """What the evaluation depends on, cheaply: every file's size and modification time (the reports left out)."""
    seen = []
    for path in sorted(folder.rglob("*")):
        if any(part in SKIPPED for part in path.relative_to(folder).parts) or not path.is_file():
            continue
        stat = path.stat()
        seen.append((str(path.relative_to(folder)), stat.st_size, stat.st_mtime_ns))
    if rules is not None and rules.is_file():
        stat = rules.stat()
        seen.append((str(rules), stat.st_size, stat.st_mtime_ns))
    return tuple(seen)


def _follow_parent(parent: int) -> None:
    """In the evaluation process: end when the workspace that started it is gone, however it ended (a
    SIGKILL included), instead of lingering as an orphan."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, name="follow-parent", daemon=True).start()


def _overview_of(folder: str, ledger_url: str) -> list[tuple[Evaluation, Any]]:
    """In the evaluation process: the tender's overview (its evaluation and readiness, pickled back)."""
    from scoring.audit.ledger import open_ledger
    from scoring.pipeline import overview

    return overview(folder, open_ledger(ledger_url))


def _is(member: dict, session: Session) -> bool:
    """Whether a committee.yaml entry is this person's: their name, and their role (a chair's account is the
    chair's entry, a member's a member's)."""
    role = str(member.get("role") or "member")
    return member.get("name") == session.user.name and role == session.user.role.value


TEXT_LIMIT = 2000  # characters of a comment or a reason in a score sheet


def _sheet_text(text: str, field_name: str) -> str:
    """A comment or reason for a score sheet: on one line, of at most TEXT_LIMIT characters, and without the
    control characters a workbook cannot hold."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    text = " ".join(text.split())
    if ILLEGAL_CHARACTERS_RE.search(text):
        raise InputError(field_name, "it holds control characters a workbook cannot keep: type it again")
    if len(text) > TEXT_LIMIT:
        raise InputError(field_name, f"at most {TEXT_LIMIT} characters ({len(text)} given)")
    return text


def _run_of(folder: str, ledger_url: str, out_dir: str | None) -> list[str]:
    """In the evaluation process: an official run, recorded, its reports written; the run ids."""
    from scoring.audit.ledger import open_ledger
    from scoring.pipeline import run

    done = run(folder, ledger=open_ledger(ledger_url), out_dir=out_dir, write_out=True)
    return [e.run_id or "" for e in done]


@dataclass(frozen=True)
class Service:
    """The Prefect service the workspace runs evaluations on (`tenderscore serve`): its API and its UI."""

    api: str
    ui: str
    deployment: str = "evaluate-tender/on-demand"
    timeout: float = 10.0  # seconds a request to its API may take before the page says it does not answer


class Workspace:
    def __init__(
        self, folders: list[Path | str], ledger: Ledger, out_dir: Path | None = None, service: Service | None = None
    ):
        self.ledger = ledger
        self.service = service
        self.accounts = Accounts(ledger.engine)
        self.out_dir = out_dir
        self.tenders: dict[str, Tender] = {}
        self.problems: dict[str, str] = {}  # folder -> why it could not be loaded
        self._pool: Any = None  # the process evaluations are computed in (started on first use)
        self._pool_lock = threading.Lock()
        self._flashes: dict[str, tuple[str, str, bool]] = {}
        self._flash_lock = threading.Lock()
        for folder in folders:
            self.add(Path(folder))

    def flash(self, session_sha256: str, message: str, error: bool) -> str:
        """A message for the next page this session shows; its key (a page shows it once, to that session)."""
        key = secrets.token_urlsafe(12)
        with self._flash_lock:
            if len(self._flashes) > 10_000:  # never read: the oldest go
                for old in list(self._flashes)[:5_000]:
                    del self._flashes[old]
            self._flashes[key] = (session_sha256, message, error)
        return key

    def flashed(self, session_sha256: str, key: str) -> dict[str, str | None]:
        with self._flash_lock:
            found = self._flashes.get(key)
            if found is None or found[0] != session_sha256:
                return {"done": None, "error": None}
            del self._flashes[key]
        return {"done": None, "error": found[1]} if found[2] else {"done": found[1], "error": None}

    def add(self, folder: Path) -> None:
        from scoring.intake.tender import load_tender

        try:
            tender = load_tender(folder)
        except InputError as error:
            self.problems[str(folder)] = str(error)
            return
        self.tenders[tender.id] = Tender(tender.id, tender.folder.resolve())

    def visible(self, session: Session) -> list[Tender]:
        return [t for tid, t in sorted(self.tenders.items()) if session.user.on(tid)]

    def tender(self, session: Session, tender_id: str) -> Tender | None:
        """The tender when the person is on it; None otherwise (a tender one is not on does not exist)."""
        found = self.tenders.get(tender_id)
        return found if found is not None and session.user.on(tender_id) else None

    # --- what is shown --------------------------------------------------------------------------------

    def _fingerprint(self, t: Tender) -> tuple:
        from scoring.intake.tender import load_tender

        try:
            stat = (t.folder / TENDER_FILE).stat()
            key: tuple = (stat.st_size, stat.st_mtime_ns)
        except OSError:
            key = ()
        if t.rules[0] != key or not key:
            try:
                t.rules = (key, load_tender(t.folder).rules_path)
            except InputError:
                t.rules = (key, None)
        return (_fingerprint(t.folder, t.rules[1]), self.ledger.stamp(t.id), date.today())

    def overview(self, t: Tender, wait: bool = False) -> Overview:
        """The tender's overview for its current inputs. An evaluation takes a second or more: while a fresh
        one is computed (in the background) after a change, the last one is shown, marked `updating`, unless
        `wait`; the first one is always waited for."""
        fingerprint = self._fingerprint(t)
        known = t.overview
        if known is not None and known.fingerprint == fingerprint:
            return known
        if known is not None and not wait:
            if not t.computing.locked():
                threading.Thread(target=self._compute, args=(t,), name=f"overview-{t.id}", daemon=True).start()
            return Overview(known.fingerprint, known.computed_at, known.lots, known.error, updating=True)
        return self._compute(t)

    def _compute(self, t: Tender) -> Overview:
        with t.computing:
            fingerprint = self._fingerprint(t)
            if t.overview is not None and t.overview.fingerprint == fingerprint:
                return t.overview  # computed meanwhile by another request
            try:
                made = Overview(fingerprint, datetime.now(UTC), self._evaluate(t))
            except InputError as error:  # named as the tender folder's files, not by the server's paths
                said = str(error).replace(f"{t.folder}{os.sep}", "").replace(str(t.folder), "the tender folder")
                made = Overview(fingerprint, datetime.now(UTC), [], error=said)
            except Exception as error:  # a page says so, the operator's log has it; the workspace keeps serving
                logging.getLogger("tenderscore.workspace").exception("evaluating %s failed", t.id)
                said = f"the evaluation failed ({type(error).__name__}); the operator's log has the details"
                made = Overview(fingerprint, datetime.now(UTC), [], error=said)
            t.overview = made
            return made

    def _evaluate(self, t: Tender) -> list[tuple[Evaluation, Any]]:
        """The evaluation of the tender's current inputs, in a process of its own: a second of pure Python
        that, in a thread, would hold the interpreter's lock against every page being served meanwhile."""
        found: list[tuple[Evaluation, Any]] = self._in_process(_overview_of, str(t.folder), self.ledger.url)
        return found

    def _in_process(self, function: Any, *args: Any) -> Any:
        from concurrent.futures.process import BrokenProcessPool

        for attempt in (1, 2):
            with self._pool_lock:
                if self._pool is None:
                    import multiprocessing
                    from concurrent.futures import ProcessPoolExecutor

                    self._pool = ProcessPoolExecutor(
                        max_workers=1,
                        mp_context=multiprocessing.get_context("spawn"),
                        initializer=_follow_parent,
                        initargs=(os.getpid(),),
                    )
                pool = self._pool
            try:
                return pool.submit(function, *args).result()
            except BrokenProcessPool:
                with self._pool_lock:
                    self._pool = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        with self._pool_lock:
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None

    # --- actions: each under the tender's lock; checked, then the file, then the ledger ------------------
    #
    # Everything an action needs is read and checked before anything is written; the file is written, then
    # the ledger record; when the record cannot be written the file is put back as it was, so that an
    # action is either in both or in neither.

    def _prepared(self, t: Tender, session: Session, action: str, subject: dict, file: str | None) -> Any:
        """A function writing the action's ledger record (the tender and its rules read now, before any
        file is changed: a tender whose inputs do not load refuses the action here)."""
        from scoring import __version__
        from scoring.intake.tender import load_tender

        tender = load_tender(t.folder)
        if tender.id != t.id:
            raise InputError(TENDER_FILE, f"the tender's id changed to {tender.id}: reload the workspace")
        rules = tender.rules_path
        rules_sha = hashlib.sha256(rules.read_bytes()).hexdigest() if rules.is_file() else ""
        user = session.user

        def record() -> None:
            inputs = {}
            if file is not None and (t.folder / file).is_file():
                inputs[file] = hashlib.sha256((t.folder / file).read_bytes()).hexdigest()
            self.ledger.record_event(
                t.id,
                None,
                DECISION,
                {
                    "action": action,
                    "by": {"email": user.email, "name": user.name, "role": user.role.value},
                    "at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "subject": subject,
                    "file": file,
                },
                trigger=Trigger.MANUAL,
                tender_dir=str(t.folder),
                tool_version=__version__,
                rules_path=str(rules),
                rules_sha256=rules_sha,
                inputs=inputs,
            )

        return record

    def _write_then_record(self, path: Path, write: Any, record: Any, undo: Any = None) -> None:
        """Write a file, then the ledger record; the file as it was (and `undo` run) when either fails."""
        before = path.read_bytes() if path.is_file() else None
        try:
            write()
            record()
        except BaseException:
            if before is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(before)
            if undo is not None:
                undo()
            raise

    def awaiting_review(self, t: Tender) -> set[tuple[str, str]]:
        """(bid, claim reference) of the claims awaiting review in the latest evaluation: what may be decided
        (a claim that names no certificate and no evidence has nothing to decide on)."""
        from scoring.award.pending import awaiting_review

        found = self.overview(t, wait=True)
        return {(a.bid.bid_id, a.reference) for e, _ in found.lots for a in awaiting_review(e) if a.reference}

    def open_requests(self, t: Tender) -> set[tuple[str, str, int | None, str]]:
        """(bid, sheet, row, field) of the clarification requests still open: what an answer may answer."""
        from scoring.reports.clarifications import to_request

        found = self.overview(t, wait=True)
        return {
            (b.bid_id, r.sheet, r.row, r.field) for e, _ in found.lots for b in to_request(e) for r in b.clarifications
        }

    def decide_review(self, t: Tender, session: Session, bid: str, claim: str, decision: str, reason: str) -> None:
        from scoring import yamledit
        from scoring.claims.reviews import load_reviews

        if decision not in ("accept", "reject"):
            raise InputError("decision", "accept or reject")
        if not reason.strip():
            raise InputError("reason", "the reason is required: it is what the tenderer is told (Art. 55)")
        with t.lock:
            known = load_reviews(t.folder).find(bid, claim)
            if known is not None:
                raise Conflict(
                    f"claim {claim} of {bid} was decided meanwhile: {known.decision}, by {known.by} on {known.at}"
                )
            if (bid, claim) not in self.awaiting_review(t):
                raise InputError("claim", f"no claim {claim!r} of bid {bid!r} awaits review")
            record = self._prepared(
                t, session, "review", {"bid": bid, "claim": claim, "decision": decision}, REVIEWS_FILE
            )
            entry = {
                "bid": bid,
                "claim": claim,
                "decision": decision,
                "by": f"{session.user.name}, {session.user.role.value}",
                "at": date.today(),
                "reason": " ".join(reason.split()),
            }
            path = t.folder / REVIEWS_FILE
            self._write_then_record(path, lambda: yamledit.append(path, "decisions", entry), record)

    def record_answer(
        self,
        t: Tender,
        session: Session,
        bid: str,
        sheet: str,
        row: int | None,
        field_name: str,
        value: str,
        received_on: date,
    ) -> None:
        from scoring import yamledit
        from scoring.intake.clarify import load_answers
        from scoring.intake.tender import load_tender

        if not value.strip():
            raise InputError("value", "the answer is empty")
        with t.lock:
            for a in load_answers(t.folder):
                if (a.bid, a.sheet, a.row, a.field) == (bid, sheet, row, field_name):
                    raise Conflict(f"an answer was recorded meanwhile: {a.value!r}, received on {a.received_on}")
            if (bid, sheet, row, field_name) not in self.open_requests(t):
                raise InputError("field", f"no clarification of {field_name!r} is open for bid {bid!r}")
            sent = load_tender(t.folder).clarifications.sent_on
            if sent is None:
                raise InputError("received_on", "mark the requests sent first: an answer comes after its request")
            if not sent <= received_on <= date.today():
                raise InputError("received_on", f"{received_on.isoformat()} is not between the requests' day and today")
            subject = {"bid": bid, "sheet": sheet, "row": row, "field": field_name}
            record = self._prepared(t, session, "answer", subject, CLARIFICATIONS_FILE)
            entry: dict[str, Any] = {"bid": bid, "field": field_name, "sheet": sheet}
            if row is not None:
                entry["row"] = row
            entry |= {"value": value, "received_on": received_on, "by": session.user.name}
            path = t.folder / CLARIFICATIONS_FILE
            self._write_then_record(path, lambda: yamledit.append(path, "answers", entry), record)

    def requests_sent(self, t: Tender, session: Session, on: date) -> None:
        from scoring import yamledit
        from scoring.intake.tender import load_tender

        with t.lock:
            known = load_tender(t.folder).clarifications.sent_on
            if known is not None:
                raise Conflict(f"the clarification requests were marked sent on {known.isoformat()} already")
            if not self.open_requests(t):
                raise InputError("requests", "no clarification request is open")
            record = self._prepared(t, session, "requests_sent", {"sent_on": on.isoformat()}, TENDER_FILE)
            path = t.folder / TENDER_FILE
            self._write_then_record(path, lambda: yamledit.set_key(path, "clarifications", {"sent_on": on}), record)

    def committee_entry(self, t: Tender, session: Session, members: list[dict] | None = None) -> dict | None:
        """The person's entry in committee.yaml (`members`, when read already): the one of their name and role
        (a member's or the chair's); an InputError when two entries are theirs."""
        mine = [m for m in (self._members(t) if members is None else members) if _is(m, session)]
        if len(mine) > 1:
            raise InputError(COMMITTEE_FILE, f"{session.user.name} is in the committee twice: correct committee.yaml")
        return mine[0] if mine else None

    def declare(self, t: Tender, session: Session, conflict: bool, note: str) -> None:
        """The person's declaration on conflicts of interest for this tender: kept with the account, and for
        a committee member in committee.yaml (the report lists it; a conflicted member does not sign). A
        conflict the committee recorded in committee.yaml stands: only the committee takes it back there."""
        from scoring import yamledit

        if conflict and not note.strip():
            raise InputError("note", "say what the conflict is and how it is handled (the report shows it)")
        with t.lock:
            entry = self.committee_entry(t, session) if session.user.role in (Role.MEMBER, Role.CHAIR) else None
            if entry is not None and entry.get("conflict") and not conflict:
                raise InputError(
                    "conflict",
                    "committee.yaml records a conflict of interest for you on this tender: it stands until the "
                    "committee changes it there",
                )
            record = self._prepared(t, session, "declaration", {"conflict": conflict}, COMMITTEE_FILE)
            path = t.folder / COMMITTEE_FILE
            changes: dict[str, Any] = (
                {} if entry is not None and entry.get("declared_on") else {"declared_on": date.today()}
            )
            if conflict:
                changes |= {"conflict": True, "note": " ".join(note.split())}

            def write() -> None:
                if session.user.role not in (Role.MEMBER, Role.CHAIR):
                    return  # the secretary's declaration is kept with the account and in the ledger
                if entry is not None:
                    if changes:
                        yamledit.update(path, "members", lambda m: _is(m, session), changes)
                else:
                    yamledit.append(
                        path, "members", {"name": session.user.name, "role": session.user.role.value, **changes}
                    )

            self.accounts.declare(session.user.email, t.id, conflict, note)
            self._write_then_record(path, write, record, lambda: self.accounts.undeclare(session.user.email, t.id))

    def _members(self, t: Tender) -> list[dict]:
        from scoring.yamlio import load_yaml

        tender = load_yaml(t.folder / TENDER_FILE, InputError).data
        if "committee" in tender:
            raise InputError(
                TENDER_FILE, "the committee is kept in tender.yaml (committee:): move it to committee.yaml"
            )
        path = t.folder / COMMITTEE_FILE
        if not path.is_file():
            return []
        members = load_yaml(path, InputError).data.get("members") or []
        return [m for m in members if isinstance(m, dict)]

    def sign(self, t: Tender, session: Session) -> None:
        from scoring import yamledit

        with t.lock:
            member = self.committee_entry(t, session)
            if member is None:
                raise InputError("sign", "you are not a member of this tender's committee")
            if member.get("conflict"):
                raise InputError("sign", "a member who declared a conflict stands aside and does not sign")
            if member.get("signed_on"):
                raise Conflict(f"you signed the report on {member['signed_on']} already")
            record = self._prepared(t, session, "signature", {"member": session.user.name}, COMMITTEE_FILE)
            path = t.folder / COMMITTEE_FILE
            self._write_then_record(
                path,
                lambda: yamledit.update(path, "members", lambda m: _is(m, session), {"signed_on": date.today()}),
                record,
            )

    # --- the committee's checks: exclusion and selection (Art. 57-58), prices examined (Art. 69) ----------

    def checks(self, t: Tender) -> list[dict[str, Any]]:
        """Per lot: the ranked bids, the successful tenderer first, with their exclusion and selection check
        as committee.yaml records it; and the prices that asked for an explanation, with their examination."""
        from scoring.award.results import Status

        out = []
        for evaluation, _ in self.overview(t, wait=True).lots:
            proceedings = evaluation.tender.proceedings
            ranked = sorted((b for b in evaluation.bids if b.status is Status.RANKED), key=lambda b: b.rank or 0)
            low = [
                b
                for b in evaluation.bids
                if any(i.code == "price.abnormally_low" for i in b.issues) or proceedings.examination_of(b.bid_id)
            ]
            out.append(
                {
                    "lot": evaluation.lot,
                    "ranked": [(b, proceedings.check_of(b.bid_id)) for b in ranked],
                    "prices": [(b, proceedings.examination_of(b.bid_id)) for b in low],
                }
            )
        return out

    def _day(self, on: date, field_name: str, after: date | None = None) -> None:
        if on > date.today():
            raise InputError(field_name, f"{on.isoformat()} is after today")
        if after is not None and on < after:
            raise InputError(field_name, f"{on.isoformat()} is before {after.isoformat()}")

    def record_check(
        self, t: Tender, session: Session, bid: str, exclusion: str, selection: str, checked_on: date, note: str
    ) -> None:
        """The exclusion grounds and selection criteria checked for a ranked tenderer, in committee.yaml's
        `checks:`: a new entry, or one still pending completed; a concluded check stands."""
        from scoring import yamledit
        from scoring.award.results import Status
        from scoring.intake.tender import load_tender

        outcomes = ("passed", "failed", "pending")
        if exclusion not in outcomes or selection not in outcomes:
            raise InputError("exclusion", "passed, failed or pending")
        if "failed" in (exclusion, selection) and not note.strip():
            raise InputError("note", "say which ground or criterion failed and on what evidence")
        self._day(checked_on, "checked_on")
        with t.lock:
            self._members(t)  # the committee is kept in committee.yaml, not in tender.yaml
            ranked = {
                b.bid_id for e, _ in self.overview(t, wait=True).lots for b in e.bids if b.status is Status.RANKED
            }
            if bid not in ranked:
                raise InputError("bid", f"{bid!r} is not a ranked bid of this tender")
            known = load_tender(t.folder).proceedings.check_of(bid)
            if known is not None and "pending" not in (known.exclusion, known.selection):
                raise Conflict(
                    f"the checks of {bid} were recorded meanwhile: exclusion {known.exclusion}, selection "
                    f"{known.selection}, by {known.by} on {known.checked_on}"
                )
            entry: dict[str, Any] = {
                "bid": bid,
                "exclusion": exclusion,
                "selection": selection,
                "by": session.user.name,
                "checked_on": checked_on,
            }
            entry["note"] = " ".join(note.split())  # a completed check's note replaces the pending one's
            subject = {"bid": bid, "exclusion": exclusion, "selection": selection}
            record = self._prepared(t, session, "checks", subject, COMMITTEE_FILE)
            path = t.folder / COMMITTEE_FILE
            if known is None:
                write = lambda: yamledit.append(path, "checks", entry)
            else:
                write = lambda: yamledit.update(path, "checks", lambda c: c.get("bid") == bid, entry)
            self._write_then_record(path, write, record)

    def price_asked(self, t: Tender, session: Session, bid: str, asked_on: date) -> None:
        """The day the explanation of a price was asked for (Art. 69(1)): its examination, pending."""
        from scoring import yamledit
        from scoring.intake.tender import load_tender

        self._day(asked_on, "asked_on")
        with t.lock:
            self._members(t)
            view = [b for lot in self.checks(t) for b, _ in lot["prices"]]
            if bid not in {b.bid_id for b in view}:
                raise InputError("bid", f"the price of {bid!r} does not ask for an explanation")
            known = load_tender(t.folder).proceedings.examination_of(bid)
            if known is not None:
                raise Conflict(f"the explanation of {bid}'s price was asked for on {known.asked_on} already")
            record = self._prepared(t, session, "price_asked", {"bid": bid}, COMMITTEE_FILE)
            path = t.folder / COMMITTEE_FILE
            entry = {"bid": bid, "asked_on": asked_on, "outcome": "pending"}
            self._write_then_record(path, lambda: yamledit.append(path, "price_examinations", entry), record)

    def price_examined(self, t: Tender, session: Session, bid: str, outcome: str, decided_on: date, note: str) -> None:
        """The examination's outcome: the explanation accepted, or not (the bid is then excluded, Art. 69(3)),
        with what was received and why; a concluded examination stands."""
        from scoring import yamledit
        from scoring.intake.tender import load_tender

        if outcome not in ("accepted", "rejected"):
            raise InputError("outcome", "accepted or rejected")
        if not note.strip():
            raise InputError("note", "say what the explanation was and why it is accepted or not (the report shows it)")
        with t.lock:
            self._members(t)
            known = load_tender(t.folder).proceedings.examination_of(bid)
            if known is None:
                raise InputError("bid", f"no explanation of {bid!r}'s price was asked for")
            if known.outcome != "pending":
                raise Conflict(f"the examination of {bid}'s price was concluded meanwhile: {known.outcome}")
            self._day(decided_on, "decided_on", after=known.asked_on)
            record = self._prepared(t, session, "price_examined", {"bid": bid, "outcome": outcome}, COMMITTEE_FILE)
            path = t.folder / COMMITTEE_FILE
            changes = {"outcome": outcome, "decided_on": decided_on, "note": " ".join(note.split())}
            self._write_then_record(
                path,
                lambda: yamledit.update(path, "price_examinations", lambda e: e.get("bid") == bid, changes),
                record,
            )

    # --- panel scoring: each evaluator alone, then the chair's moderation; every original kept ------------

    def evaluator_of(self, t: Tender, session: Session) -> str | None:
        """The person's evaluator id on this tender (committee.yaml's `evaluator:`, else the plain form of
        their name): None for a person not in the committee, or standing aside."""
        from pydantic import ValidationError

        from scoring.models import Member

        if session.user.role not in (Role.MEMBER, Role.CHAIR):
            return None
        members = self._members(t)
        entry = self.committee_entry(t, session, members)
        if entry is None or entry.get("conflict"):
            return None
        try:
            mine = Member.model_validate(entry).evaluator_id
            others = [Member.model_validate(m).evaluator_id for m in members if not _is(m, session)]
        except ValidationError:
            raise InputError(COMMITTEE_FILE, "an entry of the committee is not one committee.yaml allows") from None
        if mine in others:
            raise InputError(COMMITTEE_FILE, f"two members score as evaluator {mine}: give each their own evaluator:")
        return mine

    def unfinished(self, t: Tender, session: Session) -> set[str]:
        """The judged criteria the person scores and has not scored every bid on: until they have, the panel's
        scores on them (in the bids' figures, the letters, the trail) are not shown to them."""
        if session.user.role not in (Role.MEMBER, Role.CHAIR):
            return set()
        try:
            return {v["criterion"].id for v in self.panel(t, session) if not v["sees_all"]}
        except InputError:
            return set()

    def panel(self, t: Tender, session: Session) -> list[dict[str, Any]]:
        """The judged criteria of the latest evaluation, each bid's scores on them as the person may see them.

        An evaluator sees their own scores, and the others' once they have scored every bid on the criterion
        (each scores alone); the chair moderates once their own scores on it are in (at once when the rule set
        does not name them an evaluator); the secretary and the auditor see everything and change nothing."""
        from scoring.intake.panel_sheets import read_panel

        found = self.overview(t, wait=True)
        if not any(c.kernel.judged for e, _ in found.lots for c in e.rules.criteria):
            return []  # nothing judged: no score sheet to read
        sheets = read_panel(t.folder)
        mine = self.evaluator_of(t, session)
        out = []
        for evaluation, _ in found.lots:
            for criterion in (c for c in evaluation.rules.criteria if c.kernel.judged):
                params = criterion.params
                evaluator = mine is not None and (not params.evaluators or mine in params.evaluators)
                own = {
                    r.bid: r
                    for r in reversed(sheets.scores)  # an evaluator's first row counts, as in the evaluation
                    if r.evaluator == mine and r.criterion == criterion.id
                }
                moderated = {r.bid for r in sheets.moderations if r.criterion == criterion.id}
                rows = []
                for b in evaluation.bids:
                    result = next((c for c in b.criteria if c.id == criterion.id), None)
                    if result is None or result.panel is None:
                        continue
                    rows.append(
                        {"bid": b, "result": result, "own": own.get(b.bid_id), "moderated": b.bid_id in moderated}
                    )
                done = all(r["own"] is not None for r in rows)
                sees_all = not evaluator or done
                out.append(
                    {
                        "lot": evaluation.lot,
                        "criterion": criterion,
                        "params": params,
                        "rows": rows,
                        "evaluator": mine if evaluator else None,
                        "sees_all": sees_all,
                        "may_moderate": session.user.role is Role.CHAIR and sees_all and mine is not None,
                        "language": evaluation.tender.language,
                    }
                )
        return out

    def _judged(self, t: Tender, bid: str, criterion: str) -> tuple[Any, Any]:
        """The judged criterion's parameters and the tender's locale, when `bid` is scored on it."""
        from scoring.intake.parse import Locale
        from scoring.intake.tender import load_tender

        for evaluation, _ in self.overview(t, wait=True).lots:
            scored = any(
                r.id == criterion and r.panel is not None
                for b in evaluation.bids
                if b.bid_id == bid
                for r in b.criteria
            )
            for c in evaluation.rules.criteria:
                if scored and c.id == criterion and c.kernel.judged:
                    tender = load_tender(t.folder)
                    return c.params, Locale.from_tag(tender.locale, tender.decimal_separator)
        raise InputError("criterion", f"bid {bid!r} is not scored by the panel on {criterion!r}")

    @staticmethod
    def _panel_score(text: str, params: Any, locale: Any) -> Any:
        from scoring.intake.parse import parse_decimal

        parsed = parse_decimal(text.strip(), locale)
        if parsed.value is None:
            raise InputError("score", f"{text!r} is not a number")
        if not params.minimum <= parsed.value <= params.maximum:
            raise InputError("score", f"{text} is outside {params.minimum}..{params.maximum}")
        return parsed.value

    def score(self, t: Tender, session: Session, bid: str, criterion: str, score: str, comment: str) -> None:
        """An evaluator's own score for a bid on a judged criterion, in their score sheet (panel/<id>.xlsx);
        once given it stands (the chair moderates, the original is kept)."""
        from scoring.intake.folder import PANEL_FOLDER
        from scoring.intake.panel_sheets import append_row, read_panel
        from scoring.names import inside

        comment = _sheet_text(comment, "comment")
        with t.lock:
            mine = self.evaluator_of(t, session)
            if mine is None:
                raise InputError("score", "only a member of this tender's committee who stands in it scores")
            params, locale = self._judged(t, bid, criterion)
            if params.evaluators and mine not in params.evaluators:
                raise InputError("score", f"the rule set names the evaluators of {criterion}, and not {mine}")
            value = self._panel_score(score, params, locale)
            if params.comment_required and not comment:
                raise InputError("comment", "this criterion requires a comment with every score")
            for r in read_panel(t.folder).scores:
                if (r.evaluator, r.bid, r.criterion) == (mine, bid, criterion):
                    raise Conflict(f"you scored {bid} on {criterion} already ({r.score}); the chair moderates")
            file = f"{PANEL_FOLDER}/{mine}.xlsx"
            path = inside(t.folder, t.folder / file)
            subject = {"bid": bid, "criterion": criterion, "evaluator": mine, "score": str(value)}
            record = self._prepared(t, session, "panel_score", subject, file)
            row = {"Bid": bid, "Criterion": criterion, "Score": value, "Comment": comment or None}
            self._write_then_record(path, lambda: append_row(path, row), record)

    def moderate(self, t: Tender, session: Session, bid: str, criterion: str, score: str, reason: str) -> None:
        """The chair's moderated score for a bid on a judged criterion (panel/moderation.xlsx), with its reason;
        the evaluators' scores and the consensus it replaces stay beside it."""
        from scoring.intake.folder import PANEL_FOLDER
        from scoring.intake.panel_sheets import MODERATION, append_row, read_panel
        from scoring.names import inside

        reason = _sheet_text(reason, "reason")
        if not reason:
            raise InputError("reason", "say why the score is moderated (the report shows it)")
        with t.lock:
            params, locale = self._judged(t, bid, criterion)
            view = next(
                (
                    v
                    for v in self.panel(t, session)
                    if v["criterion"].id == criterion and any(r["bid"].bid_id == bid for r in v["rows"])
                ),
                None,
            )
            if view is None or not view["may_moderate"]:
                raise InputError("score", "the chair moderates once their own scores on the criterion are in")
            row = next(r for r in view["rows"] if r["bid"].bid_id == bid)
            if row["result"].panel.missing:
                waiting = ", ".join(row["result"].panel.missing)
                raise InputError("score", f"not every evaluator has scored {bid} on {criterion} yet ({waiting})")
            value = self._panel_score(score, params, locale)
            sheets = read_panel(t.folder)
            if not any((r.bid, r.criterion) == (bid, criterion) for r in sheets.scores):
                raise InputError("score", f"no evaluator has scored {bid} on {criterion} yet")
            for r in sheets.moderations:
                if (r.bid, r.criterion) == (bid, criterion):
                    raise Conflict(f"{bid} on {criterion} was moderated meanwhile: {r.score}, by {r.by}")
            file = f"{PANEL_FOLDER}/{MODERATION}.xlsx"
            path = inside(t.folder, t.folder / file)
            subject = {"bid": bid, "criterion": criterion, "score": str(value)}
            record = self._prepared(t, session, "moderation", subject, file)
            row = {"Bid": bid, "Criterion": criterion, "Score": value, "Reason": reason, "By": session.user.name}
            self._write_then_record(path, lambda: append_row(path, row), record)

    def _out(self, t: Tender) -> Path:
        """A tender's reports folder under the workspace's (--out): <tender id>/ in it, one per tender."""
        from scoring.names import safe_name

        assert self.out_dir is not None
        return self.out_dir / safe_name(t.id)

    def evaluate(self, t: Tender, session: Session) -> list[str]:
        """An official run of the tender's current inputs, recorded and its reports written, and who asked for
        it: a run of the served deployment on the workers (the flow run's id) when served by `tenderscore
        serve`, else in the evaluation process, as the overview is (the ledger's run ids)."""
        if self.service is not None:
            return [self._submit(t, session)]
        with t.lock:
            self._prepared(t, session, "evaluation", {}, None)  # the tender loads, before anything runs
            out = str(self._out(t)) if self.out_dir else None
            runs: list[str] = self._in_process(_run_of, str(t.folder), self.ledger.url, out)
            self._prepared(t, session, "evaluation", {"runs": ", ".join(r[:8] for r in runs)}, None)()
            return runs

    def _prefect(self) -> Any:
        """Settings pointing Prefect's client at the service, with its short timeout."""
        from prefect.settings import PREFECT_API_REQUEST_TIMEOUT, PREFECT_API_URL, temporary_settings

        assert self.service is not None
        return temporary_settings(
            updates={PREFECT_API_URL: self.service.api, PREFECT_API_REQUEST_TIMEOUT: self.service.timeout}
        )

    def _submit(self, t: Tender, session: Session) -> str:
        """A run of the served evaluate deployment for the tender, and the ledger's record of who asked."""
        assert self.service is not None
        with t.lock:
            self._prepared(t, session, "evaluation", {}, None)  # the tender loads, before anything is submitted
            try:
                from prefect.deployments import run_deployment

                with self._prefect():
                    run = run_deployment(
                        self.service.deployment,
                        parameters={
                            "tender_dir": str(t.folder),
                            "out_dir": str(self._out(t)) if self.out_dir else None,
                            "trigger": Trigger.MANUAL.value,
                        },
                        timeout=0,  # submitted: the status page follows it
                        tags=["tenderscore", "workspace"],
                    )
            except Exception as error:  # the service does not answer, or does not serve the deployment
                logging.getLogger("tenderscore.workspace").warning("submitting a run of %s failed: %r", t.id, error)
                raise InputError(
                    "evaluation",
                    f"Prefect's service did not take the run ({type(error).__name__}); is tenderscore serve running?",
                ) from None
            flow_run = str(run.id)  # type: ignore[union-attr]  # synchronous in this thread
            self._prepared(t, session, "evaluation", {"flow_run": flow_run}, None)()
            return flow_run

    def runs(self, t: Tender, latest: int = 5) -> list[dict[str, Any]]:
        """The latest evaluations asked for in the workspace as runs of the served deployment, newest first:
        who asked and when, and the run's state as Prefect's server has it now (None when it does not answer),
        with its page in Prefect's UI."""
        if self.service is None:
            return []
        asked = [
            (r, r.document)
            for r in self.ledger.runs_of(t.id)
            if r.kind == DECISION
            and r.document.get("action") == "evaluation"
            and isinstance(r.document.get("subject"), dict)
            and "flow_run" in r.document["subject"]
        ][-latest:][::-1]
        if not asked:
            return []
        states: dict[str, Any] = {}
        try:
            from uuid import UUID

            from prefect.client.orchestration import get_client
            from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

            ids = [UUID(doc["subject"]["flow_run"]) for _, doc in asked]
            with self._prefect(), get_client(sync_client=True) as client:
                for found in client.read_flow_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=ids))):
                    states[str(found.id)] = found.state
        except Exception as error:  # the page says the service does not answer; the log says why
            logging.getLogger("tenderscore.workspace").warning("reading the runs of %s failed: %r", t.id, error)
        out = []
        for record, doc in asked:
            flow_run = doc["subject"]["flow_run"]
            state = states.get(flow_run)
            out.append(
                {
                    "flow_run": flow_run,
                    "url": f"{self.service.ui}/runs/flow-run/{flow_run}",
                    "by": f"{doc['by']['name']} ({doc['by']['role']})",
                    "at": record.created_at,
                    "state": state.name if state is not None else None,
                    "final": bool(state is not None and state.is_final()),
                    "ok": bool(state is not None and state.is_completed()),
                }
            )
        return out

    def send(self, t: Tender, session: Session) -> list[Any]:
        from scoring.pipeline import send_letters

        with t.lock:
            out = self._out(t) if self.out_dir else None
            return send_letters(t.folder, ledger=self.ledger, by=session.user.name, out_dir=out)

    def trail(self, t: Tender, hidden: set[str] | None = None) -> list[dict[str, Any]]:
        """The ledger's records of the tender, newest first: runs, decisions (who, what, when), letters sent,
        the award and follow-up checks; the panel's scores on the `hidden` criteria named, not shown."""
        hidden = hidden or set()
        out = []
        for r in reversed(self.ledger.runs_of(t.id)):
            doc = r.document if r.kind in (DECISION, "sent") else {}
            by = doc.get("by")
            out.append(
                {
                    "created_at": r.created_at,
                    "kind": r.kind,
                    "lot": r.lot,
                    "run_id": r.run_id,
                    "by": by["name"] + f" ({by['role']})" if isinstance(by, dict) else by,
                    "action": doc.get("action"),
                    "subject": _shown_subject(doc, hidden),
                }
            )
        return out


def _shown_subject(doc: dict, hidden: set[str]) -> Any:
    subject = doc.get("subject")
    if not isinstance(subject, dict) or doc.get("action") not in ("panel_score", "moderation"):
        return subject
    if subject.get("criterion") in hidden:  # an evaluator still scoring alone
        return {"bid": subject.get("bid"), "criterion": subject.get("criterion")}
    return subject
