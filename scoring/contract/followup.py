"""Follow-up of an awarded contract: every commitment re-checked against the register snapshots and the
calendar on a given day, with what changed since the previous check and the consequence of each lapse.

Pure: the contract record, the registers, the evidence received and the day in; the check out. It never
touches the evaluation: the award stands as it was made, and follow-up is its own record.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

from scoring.claims.registers import Register
from scoring.contract.record import Commitment, ContractRecord, last_day
from scoring.dates import Day
from scoring.errors import InputError
from scoring.intake.folder import EVIDENCE_FILE, Files
from scoring.models import Frozen
from scoring.yamlio import load_yaml, read_input

State = Literal[
    "ok",
    "renewed",
    "due_soon",
    "overdue",
    "expired",
    "withdrawn",
    "suspended",
    "not_listed",
    "ended",
    "unchecked",
    "to_verify",
]
LAPSED = ("overdue", "expired", "withdrawn", "suspended", "not_listed")  # the contract's consequence applies
ASKED = (*LAPSED, "due_soon")  # a request to the supplier is drafted
WORDS = {
    "ok": "in order",
    "renewed": "renewed",
    "due_soon": "due soon",
    "overdue": "overdue",
    "expired": "expired",
    "withdrawn": "withdrawn",
    "suspended": "suspended",
    "not_listed": "not in the register",
    "ended": "ended",
    "unchecked": "not checked",
    "to_verify": "to verify",
}


class Evidence(Frozen):
    """What the supplier sent for a commitment (follow-up.yaml, `received:`)."""

    item: str  # the commitment's id, as follow-up.json and follow-up.xlsx show it
    received_on: Day
    due: Day | None = None  # the due date it answers; the earliest one still open when not given
    note: str = ""
    by: str | None = None


class Delivery(Frozen):
    """A delivery under the contract (follow-up.yaml, `deliveries:`): the warranty, spare parts and security
    updates periods of what it delivered run from its day."""

    delivered_on: Day
    items: list[str] = []  # the item codes delivered; every item of the contract when empty
    lot: str | None = None  # the lot's contract it belongs to, when the tender has lots
    note: str = ""
    by: str | None = None


class EvidenceFile(Frozen):
    received: list[Evidence] = []
    deliveries: list[Delivery] = []


PERIODS = ("warranty", "spare_parts", "security_updates")  # run from each delivery of the items they cover


class ItemCheck(Frozen):
    id: str
    kind: str
    subject: str
    state: State
    # What was found, as data; reports/follow_up.py words it (in English for the ledger's record):
    finding: str = ""  # overdue, due_soon, ended, next_due, answered, running; undelivered, delivered;
    # not_listed, listed_as, expired, renewed, no_expiry, valid_beyond, valid (with `then`: the dated finding
    # that follows)
    then: str | None = None
    status: str | None = None  # the register's status of a withdrawn or suspended certificate
    registry: str | None = None  # the register snapshot it was checked against
    snapshot_on: date | None = None
    ends: date | None = None
    next_due: date | None = None
    valid_until: date | None = None  # a certificate's expiry as now known (a renewal moves it)
    lapsed_on: date | None = None
    remedy_by: date | None = None
    previous_state: State | None = None
    deliveries: int | None = None  # a period: the deliveries it runs from
    first_ends: date | None = None  # a period: when the first delivery's ends


class FollowUpCheck(Frozen):
    tender_id: str
    lot: str | None
    bid_id: str
    supplier: str | None
    checked_on: date
    registers: list[str]  # the snapshots the certificates were checked against
    items: list[ItemCheck]
    changes: list[str]  # since the previous check, in words
    previous_checked_on: date | None = None

    @property
    def asked(self) -> list[ItemCheck]:
        return [i for i in self.items if i.state in ASKED]


def load_follow_up(folder: Path, files: Files | None = None) -> EvidenceFile:
    """What follow-up.yaml beside tender.yaml records (evidence received, deliveries); an InputError naming
    the key when wrong."""
    path = folder / EVIDENCE_FILE
    if not path.is_file():
        return EvidenceFile()
    doc = load_yaml(path, InputError, data=read_input(path, InputError, files))
    return doc.validate(EvidenceFile, InputError)


def load_evidence(folder: Path, files: Files | None = None) -> list[Evidence]:
    """The evidence recorded in follow-up.yaml beside tender.yaml; an InputError naming the key when wrong."""
    return load_follow_up(folder, files).received


def check(
    record: ContractRecord,
    register: Register,
    evidence: list[Evidence],
    today: date,
    notice_days: int,
    renewal_evidence_days: int,
    previous: dict | None = None,
    deliveries: list[Delivery] | None = None,
) -> FollowUpCheck:
    """Every commitment of the contract on `today`; `previous` is the last check's document, if any; the
    periods run from the `deliveries` of this contract recorded so far (from the contract start until one is)."""
    before = {i["id"]: i["state"] for i in (previous or {}).get("items", [])}
    delivered = [d for d in deliveries or [] if d.lot is None or d.lot == record.lot]
    items, seen = [], set()
    for c in record.commitments:
        answered = [e for e in evidence if e.item == c.id]
        if c.kind == "certificate":
            item = _certificate(c, register, answered, today, notice_days, renewal_evidence_days, record)
        elif c.kind in PERIODS and c.years is not None:
            item = _period(c, delivered, today)
        else:
            item = _dated(c, answered, today, notice_days)
        if item.state in LAPSED and item.lapsed_on is not None:
            item = _consequence(item, c)
        items.append(item.model_copy(update={"previous_state": before.get(c.id)}))
        if c.registry and (snap := register.snapshot(c.registry)):
            seen.add(snap.describe())
    changes = [
        f"{i.id}: {WORDS[i.previous_state]} → {WORDS[i.state]}"
        for i in items
        if i.previous_state is not None and i.previous_state != i.state
    ]
    changes += [f"{i.id}: new, {WORDS[i.state]}" for i in items if previous is not None and i.id not in before]
    checked = (previous or {}).get("checked_on")
    return FollowUpCheck(
        tender_id=record.tender_id,
        lot=record.lot,
        bid_id=record.bid_id,
        supplier=record.supplier,
        checked_on=today,
        registers=sorted(seen),
        items=items,
        changes=changes,
        previous_checked_on=date.fromisoformat(checked) if checked else None,
    )


def _open(due: list[date], answered: list[Evidence]) -> list[date]:
    """The due dates no evidence answers: an entry naming its date answers it, one without the earliest open."""
    remaining = sorted(set(due) - {e.due for e in answered if e.due})
    for _ in [e for e in answered if e.due is None]:
        if remaining:
            remaining.pop(0)
    return remaining


def _dated(c: Commitment, answered: list[Evidence], today: date, notice_days: int) -> ItemCheck:
    base = dict(id=c.id, kind=c.kind, subject=c.subject)
    remaining = _open(c.due, answered)
    past = [d for d in remaining if d < today]
    coming = [d for d in remaining if d >= today]
    if past:
        return ItemCheck(
            **base,
            state="overdue",
            finding="overdue",
            next_due=past[0],
            lapsed_on=past[0],
        )
    if coming and coming[0] <= today + timedelta(days=notice_days):
        return ItemCheck(**base, state="due_soon", next_due=coming[0], finding="due_soon")
    if not c.due and c.ends is not None and c.ends < today:
        return ItemCheck(**base, state="ended", finding="ended", ends=c.ends)
    if coming:
        return ItemCheck(**base, state="ok", next_due=coming[0], finding="next_due")
    if c.due:
        return ItemCheck(**base, state="ok", finding="answered")
    return ItemCheck(**base, state="ok", finding="running", ends=c.ends)


def _period(c: Commitment, deliveries: list[Delivery], today: date) -> ItemCheck:
    """A warranty, spare parts or security updates period: for each delivery of the items it covers, from the
    day of that delivery to the last day of the period of the item with the shortest one delivered; running
    until the last of them ends. Before any delivery is recorded, counted from the contract start."""
    base = dict(id=c.id, kind=c.kind, subject=c.subject)
    assert c.years is not None, "a period has its years"
    years = c.item_years or {"": c.years}
    periods = []
    for d in deliveries:
        covered = [y for code, y in years.items() if not d.items or code in d.items]
        if covered:
            periods.append((d.delivered_on, last_day(d.delivered_on, min(covered))))
    if not periods:
        if c.ends is not None and c.ends < today:
            return ItemCheck(**base, state="ended", finding="ended", ends=c.ends)
        return ItemCheck(**base, state="ok", finding="undelivered", ends=c.ends)
    ends = max(end for _, end in periods)
    first = min(end for _, end in periods)
    if ends < today:
        return ItemCheck(**base, state="ended", finding="ended", ends=ends, deliveries=len(periods))
    return ItemCheck(**base, state="ok", finding="delivered", ends=ends, first_ends=first, deliveries=len(periods))


def _certificate(
    c: Commitment,
    register: Register,
    answered: list[Evidence],
    today: date,
    notice_days: int,
    renewal_days: int,
    record: ContractRecord,
) -> ItemCheck:
    base: dict[str, Any] = dict(id=c.id, kind=c.kind, subject=c.subject)
    until, renewed = c.ends, False
    snapshot = register.snapshot(c.registry) if c.registry else None
    if snapshot is not None:
        base = {**base, "registry": snapshot.registry, "snapshot_on": snapshot.taken_on}
    if c.registry and c.certificate_id and snapshot is not None:
        entry = register.lookup(c.registry, c.certificate_id)
        if entry is None:
            return ItemCheck(
                **base,
                state="not_listed",
                finding="not_listed",
                valid_until=until,
                lapsed_on=snapshot.taken_on,
            )
        if entry.status in ("withdrawn", "suspended"):
            return ItemCheck(
                **base,
                state=entry.status,
                finding="listed_as",
                status=entry.status,
                valid_until=entry.valid_until,
                lapsed_on=snapshot.taken_on,
            )
        if entry.valid_until is not None and (until is None or entry.valid_until > until):
            until, renewed = entry.valid_until, True
    if until is not None and until < today:
        if snapshot is not None and snapshot.taken_on < today - timedelta(days=notice_days):
            # The snapshot is older than the notice period: a renewal since would not show in it. Not a lapse
            # until a fresh snapshot (or the supplier's evidence) says so.
            return ItemCheck(**base, state="to_verify", finding="to_verify", valid_until=until)
        return ItemCheck(
            **base,
            state="expired",
            finding="expired",
            valid_until=until,
            lapsed_on=until,
        )
    due = [until - timedelta(days=renewal_days)] if until is not None and until <= record.contract_end else []
    dated = _dated(c.model_copy(update={"due": due, "ends": until}), answered, today, notice_days)
    dated = dated.model_copy(update={k: v for k, v in base.items() if k in ("registry", "snapshot_on")})
    if snapshot is None and c.certificate_id:
        return dated.model_copy(
            update={
                "state": "unchecked" if dated.state == "ok" else dated.state,
                "finding": "unchecked",
                "then": dated.finding,
            }
        )
    if renewed and until is not None and dated.state == "ok":
        return dated.model_copy(
            update={
                "state": "renewed",
                "valid_until": until,
                "finding": "renewed",
            }
        )
    if until is None:
        return dated.model_copy(update={"finding": "no_expiry"})
    beyond = until > record.contract_end
    return dated.model_copy(
        update={
            "valid_until": until,
            "finding": "valid_beyond" if beyond else "valid",
            "then": None if beyond else dated.finding,
        }
    )


def _consequence(item: ItemCheck, c: Commitment) -> ItemCheck:
    """A lapse under a contract that asks for a remedy: the date it is due by (reports state the consequence)."""
    assert item.lapsed_on is not None, "called for lapsed items only"
    if c.on_lapse == "remedy" and c.remedy_within_days:
        return item.model_copy(update={"remedy_by": item.lapsed_on + timedelta(days=c.remedy_within_days)})
    return item
