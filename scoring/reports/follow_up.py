"""The follow-up of an awarded contract, for the contract manager: follow-up.json, follow-up.xlsx, the
calendar follow-up.ics (every due date, to subscribe to), a dated report of each check with what changed,
and a drafted request to the supplier for each item due or lapsed.

Written into reports/<tender>/follow-up/ (lot-<id>/follow-up/ for a lot), beside the evaluation's reports and
never over them. The same record, check and day give the same bytes.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from scoring.contract.followup import LAPSED, FollowUpCheck, ItemCheck
from scoring.contract.record import Commitment, ContractRecord
from scoring.errors import OutputError, os_problem
from scoring.formatting import json_text, plain
from scoring.names import inside, safe_name
from scoring.reports.i18n import N_, Formats, gettext, render
from scoring.reports.xlsxout import Report

FOLDER = "follow-up"


def document(record: ContractRecord, check: FollowUpCheck) -> dict:
    """follow-up.json, and what the ledger records of a check: the facts, and each item's finding and
    consequence in words (English, as the ledger keeps explanations)."""
    words = Words("en")
    commitments = {c.id: c for c in record.commitments}
    found = check.model_dump(mode="json")
    for item, shown in zip(check.items, found["items"], strict=True):
        shown["detail"] = words.finding(item)
        shown["consequence"] = words.consequence(item, commitments[item.id]) or None
    return plain({"contract": record.model_dump(mode="json"), "check": found})


def request_name(item_id: str) -> str:
    """A commitment's file name: its kind and its subject each through safe_name (certificate:TCO-9-X ->
    certificate-TCO-9-X; an id from a bid that is no plain name gets its hash)."""
    kind, _, subject = item_id.partition(":")
    return f"{safe_name(kind)}-{safe_name(subject)}" if subject else safe_name(kind)


def uid_part(item_id: str) -> str:
    """A commitment id inside a calendar event's UID (kept as before: calendars match events by UID)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", item_id).strip("-.") or "item"


# --- in the tender's language ------------------------------------------------------------------------------

REPLY_DAYS = 14  # a request to the supplier with no due date of its own is answered within two weeks

STATES = {
    "ok": N_("in order"),
    "renewed": N_("renewed"),
    "due_soon": N_("due soon"),
    "overdue": N_("overdue"),
    "expired": N_("expired"),
    "withdrawn": N_("withdrawn"),
    "suspended": N_("suspended"),
    "not_listed": N_("not in the register"),
    "ended": N_("ended"),
    "unchecked": N_("not checked"),
    "to_verify": N_("to verify"),
}


class Words:
    """What the follow-up says of a commitment and of a check, in one language, from the record's data."""

    def __init__(self, language: str):
        self._ = gettext(language)
        self.f = Formats(language)

    def state(self, state: str) -> str:
        return self._(STATES[state])

    def years(self, value: Decimal | None) -> str:
        return self.f.figure(value) if value is not None else ""

    def subject(self, c: Commitment) -> str:
        _ = self._
        if c.kind == "certificate":
            models = ", ".join(c.models) or _("the offered models")
            if c.certificate_id:
                text = _("%(scheme)s certificate %(id)s for %(models)s") % {
                    "scheme": c.scheme,
                    "id": c.certificate_id,
                    "models": models,
                }
            else:
                text = _("%(scheme)s (other proof) for %(models)s") % {"scheme": c.scheme, "models": models}
            if c.ends:
                text += _(", valid until %(date)s") % {"date": c.ends.isoformat()}
            if c.due:
                text += _(" (expires during the contract: renewal evidence due before it)")
            return text
        values = {
            "count": c.count,
            "models": ", ".join(c.models) or _("no model"),
            "months": c.months,
            "years": self.years(c.years),
            "date": c.ends.isoformat() if c.ends else "",
        }
        return {
            "factories": _(
                "The factory list (%(count)s factories disclosed for %(models)s) disclosed again every %(months)s "
                "months, with any change"
            ),
            "ew_dialogue": _(
                "Dialogue with Electronics Watch on the factories of the supplied models: monitoring findings and "
                "remediation reviewed every %(months)s months"
            ),
            "warranty": _("Warranty of at least %(years)s years on every item, from each delivery"),
            "spare_parts": _("Spare parts available for at least %(years)s years, from each delivery"),
            "security_updates": _(
                "Security updates for at least %(years)s years on the items that get them, from each delivery"
            ),
            "take_back": _("Take-back and reuse of the supplied devices at the end of their use"),
        }[c.kind] % values

    def finding(self, i: ItemCheck, finding: str | None = None) -> str:  # noqa: C901
        """What was found, in words (in English, the ledger's record keeps it as `detail`)."""
        _ = self._
        finding = finding or i.finding
        where = (
            _(", per the %(registry)s register snapshot of %(date)s")
            % {"registry": i.registry, "date": i.snapshot_on.isoformat()}
            if i.registry and i.snapshot_on and i.kind == "certificate"
            else ""
        )
        due = i.next_due.isoformat() if i.next_due else ""
        until = i.valid_until.isoformat() if i.valid_until else ""
        values = {"date": due, "where": where, "id": i.id.split(":", 1)[-1]}
        if finding == "overdue":
            return _("due on %(date)s, no evidence received") % values
        if finding == "due_soon":
            return _("due on %(date)s") % values
        if finding == "ended":
            return _("the period ended on %(date)s") % {"date": i.ends.isoformat() if i.ends else ""}
        if finding == "next_due":
            return _("next due on %(date)s") % values
        if finding == "answered":
            return _("every due date answered")
        if finding == "undelivered":
            return _("no delivery recorded yet: counted from the contract start, until %(date)s") % {
                "date": i.ends.isoformat() if i.ends else ""
            }
        if finding == "delivered":
            return _(
                "running until %(date)s, from the last of %(count)s deliveries recorded (the first one's ends on "
                "%(first)s)"
            ) % {
                "date": i.ends.isoformat() if i.ends else "",
                "count": i.deliveries,
                "first": i.first_ends.isoformat() if i.first_ends else "",
            }
        if finding == "running":
            return _("running until %(date)s") % {"date": i.ends.isoformat()} if i.ends else _("running")
        if finding == "not_listed":
            return _("certificate %(id)s is no longer in the register%(where)s") % values
        if finding == "listed_as":
            if i.status == "suspended":
                return _("the register lists certificate %(id)s as suspended%(where)s") % values
            return _("the register lists certificate %(id)s as withdrawn%(where)s") % values
        if finding == "expired":
            return _("the certificate expired on %(date)s%(where)s") % {"date": until, "where": where}
        if finding == "to_verify":
            return _(
                "the certificate expired on %(date)s as far as the register snapshot of %(snapshot)s shows, which "
                "is older than the notice period: refresh the snapshot before treating it as lapsed"
            ) % {"date": until, "snapshot": i.snapshot_on.isoformat() if i.snapshot_on else ""}
        if finding == "unchecked":
            return _("no register snapshot: checked on the calendar only; %(then)s") % {
                "then": self.finding(i, i.then or "running")
            }
        if finding == "renewed":
            return _("valid until %(date)s%(where)s") % {"date": until, "where": where}
        if finding == "no_expiry":
            return _("no expiry stated%(where)s") % {"where": where}
        if finding == "valid_beyond":
            return _("valid until %(date)s%(where)s; it runs beyond the contract") % {"date": until, "where": where}
        if finding == "valid":
            return _("valid until %(date)s%(where)s; %(then)s") % {
                "date": until,
                "where": where,
                "then": self.finding(i, i.then or "running"),
            }
        raise AssertionError(f"no wording for the finding {finding!r}")

    def consequence(self, i: ItemCheck, c: Commitment) -> str:
        """What a lapse means under the contract, with the date a remedy is due; empty when nothing lapsed."""
        _ = self._
        if i.state not in LAPSED:
            return ""
        if i.remedy_by is not None and c.remedy_within_days:
            return _("Under the contract the supplier remedies a lapse within %(days)s days: by %(date)s.") % {
                "days": c.remedy_within_days,
                "date": i.remedy_by.isoformat(),
            }
        return _("Under the contract the buyer notifies the supplier; no remedy period is set.")

    def changes(self, check: FollowUpCheck) -> list[str]:
        _ = self._
        out = [
            f"{i.id}: {self.state(i.previous_state)} → {self.state(i.state)}"
            for i in check.items
            if i.previous_state is not None and i.previous_state != i.state
        ]
        if check.previous_checked_on is not None:
            out += [
                _("%(id)s: new, %(state)s") % {"id": i.id, "state": self.state(i.state)}
                for i in check.items
                if i.previous_state is None
            ]
        return out


def _context(record: ContractRecord, check: FollowUpCheck, language: str) -> dict:
    words = Words(language)
    commitments = {c.id: c for c in record.commitments}
    return {
        "record": record,
        "check": check,
        "day": check.checked_on.isoformat(),
        "lot": record.lot,
        "changes": words.changes(check),
        "items": [
            {
                "id": i.id,
                "subject": words.subject(commitments[i.id]),
                "state": words.state(i.state),
                "found": words.finding(i),
                "next_due": i.next_due.isoformat() if i.next_due else "",
                "consequence": words.consequence(i, commitments[i.id]),
                "file": request_name(i.id),
            }
            for i in check.items
        ],
        "asked": [{"id": i.id, "state": words.state(i.state), "file": request_name(i.id)} for i in check.asked],
    }


def render_report(record: ContractRecord, check: FollowUpCheck, language: str = "en") -> str:
    """follow-up-<date>.md: the state of every commitment on the day, what changed, what is asked."""
    return render("follow_up.md.j2", language, **_context(record, check, language))


def render_request(
    record: ContractRecord, item: ItemCheck, commitment: Commitment, day: date, language: str = "en"
) -> str:
    """requests/<date>/<item>.md: a request to the supplier, ready to send, in the tender's language."""
    words = Words(language)
    lapsed = item.state in LAPSED
    due = item.next_due if item.next_due and not lapsed else None
    # every request names the day to answer by: the due date, the remedy's, or two weeks
    reply = due or item.remedy_by or day + timedelta(days=REPLY_DAYS)
    return render(
        "follow_up_request.md.j2",
        language,
        record=record,
        lot=record.lot,
        day=day.isoformat(),
        state=item.state,
        kind=commitment.kind,
        due=due.isoformat() if due else None,
        reply=reply.isoformat(),
        was_due=item.next_due.isoformat() if item.next_due else "",
        subject=words.subject(commitment),
        source=commitment.source,
        found=words.finding(item),
        criteria="; ".join(commitment.criteria),
        consequence=words.consequence(item, commitment),
        item=item.id,
    )


# --- the workbook and the calendar ------------------------------------------------------------------------


def write_workbook(record: ContractRecord, check: FollowUpCheck, path: Path, language: str = "en") -> None:
    words = Words(language)
    _ = words._
    states = {i.id: i for i in check.items}
    report = Report(path)
    sheet = report.sheet(_("Commitments"))
    sheet.header(
        [_("Item"), _("Kind"), _("Commitment"), _("From the bid"), _("Scored in the award"), _("State"), _("Found")]
        + [_("Next due"), _("Ends"), _("Lapsed on"), _("Remedy by"), _("Consequence")]
    )
    sheet.columns([None, None, "wrap", "wrap", "wrap", None, "wrap", None, None, None, None, "wrap"])
    for c in record.commitments:
        i = states[c.id]
        sheet.append(
            [c.id, c.kind, words.subject(c), c.source, "; ".join(c.criteria), words.state(i.state), words.finding(i)]
            + [i.next_due, i.valid_until or c.ends, i.lapsed_on, i.remedy_by, words.consequence(i, c)]
        )
    sheet.widths([28, 14, 60, 24, 30, 14, 50, 12, 12, 12, 12, 50])
    dates = report.sheet(_("Due dates"))
    dates.header([_("Date"), _("Item"), _("What"), _("State")])
    dates.columns([None, None, "wrap", None])
    for when, c, what in calendar_entries(record, check, language):
        dates.append([when, c.id, what, words.state(states[c.id].state)])
    dates.widths([12, 28, 80, 14])
    changes = report.sheet(_("Changes"))
    changes.header([_("Checked on"), _("Since"), _("Change")])
    changes.columns([None, None, "wrap"])
    listed = words.changes(check) or [_("none") if check.previous_checked_on else _("first check")]
    for change in listed:
        changes.append([check.checked_on, check.previous_checked_on, change])
    changes.widths([12, 12, 80])
    report.close()


def calendar_entries(
    record: ContractRecord, check: FollowUpCheck, language: str = "en"
) -> list[tuple[date, Commitment, str]]:
    """Every date of the contract's follow-up: each due date, and each expiry or end of a period."""
    words = Words(language)
    _ = words._
    states = {i.id: i for i in check.items}
    out = []
    for c in record.commitments:
        subject = words.subject(c)
        due = _("Due: %(what)s") % {"what": subject}
        for when in c.due:
            out.append((when, c, due))
        ends = states[c.id].valid_until or c.ends
        if ends is not None and ends not in c.due:
            what = _("Certificate expires: %(what)s") if c.kind == "certificate" else _("Ends: %(what)s")
            out.append((ends, c, what % {"what": subject}))
        current = states[c.id].next_due
        if current is not None and current not in c.due and current != ends:  # a renewal moved the date
            out.append((current, c, due))
    return sorted(out, key=lambda e: (e[0], e[1].id, e[2]))


def render_calendar(record: ContractRecord, check: FollowUpCheck, language: str = "en") -> bytes:
    """follow-up.ics: one all-day event per date, with a stable UID so a subscribed calendar updates in place."""
    from icalendar import Calendar, Event  # only the follow-up writes calendars

    cal = Calendar()
    cal.add("prodid", "-//tenderscore//contract follow-up//EN")
    cal.add("version", "2.0")
    _ = gettext(language)
    cal.add(
        "x-wr-calname",
        _("Follow-up of %(tender)s") % {"tender": record.tender_id + (f" {record.lot}" if record.lot else "")},
    )
    stamp = datetime(check.checked_on.year, check.checked_on.month, check.checked_on.day, tzinfo=UTC)
    for when, c, what in calendar_entries(record, check, language):
        event = Event()
        uid = f"{record.tender_id}-{record.lot or 'all'}-{uid_part(c.id)}-{when.isoformat()}"
        event.add("uid", f"{uid_part(uid)}@tenderscore")
        event.add("dtstamp", stamp)
        event.add("dtstart", when)
        event.add("summary", f"{record.tender_id}: {what}")
        event.add(
            "description",
            _("Follow-up item %(item)s (%(source)s of tender %(bid)s, %(supplier)s).")
            % {"item": c.id, "source": c.source, "bid": record.bid_id, "supplier": record.supplier},
        )
        event.add("categories", [c.kind])
        cal.add_component(event)
    return cal.to_ical()


# --- all of it --------------------------------------------------------------------------------------------


def write_follow_up(record: ContractRecord, check: FollowUpCheck, out: Path, language: str = "en") -> list[Path]:
    """follow-up.json, .xlsx and .ics (the current state, replaced), the dated report and its requests (kept
    per day); the paths written. A folder that cannot be written is an OutputError in words."""
    try:
        return _write_follow_up(record, check, out, language)
    except OSError as error:
        raise OutputError(out, f"the follow-up could not be written: {os_problem(error)}") from None


def _write_follow_up(record: ContractRecord, check: FollowUpCheck, out: Path, language: str) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    day = check.checked_on.isoformat()
    written = [out / "follow-up.json", out / "follow-up.xlsx", out / "follow-up.ics", out / f"follow-up-{day}.md"]
    text = json_text(document(record, check))
    _replace(written[0], text.encode())
    staging = out / ".follow-up.xlsx.writing"
    write_workbook(record, check, staging, language)
    staging.replace(written[1])
    _replace(written[2], render_calendar(record, check, language))
    _replace(written[3], render_report(record, check, language).encode())
    requests = out / "requests" / day
    if requests.exists():
        for old in requests.glob("*.md"):
            old.unlink()
    commitments = {c.id: c for c in record.commitments}
    for item in check.asked:
        requests.mkdir(parents=True, exist_ok=True)
        path = inside(out, requests / f"{request_name(item.id)}.md")
        _replace(path, render_request(record, item, commitments[item.id], check.checked_on, language).encode())
        written.append(path)
    return written


def _replace(path: Path, data: bytes) -> None:
    """Write beside, then rename: a reader never sees half a file."""
    staging = path.with_name(f".{path.name}.writing")
    staging.write_bytes(data)
    staging.replace(path)
