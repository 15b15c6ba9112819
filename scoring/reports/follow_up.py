"""The follow-up of an awarded contract, for the contract manager: follow-up.json, follow-up.xlsx, the
calendar follow-up.ics (every due date, to subscribe to), a dated report of each check with what changed,
and a drafted request to the supplier for each item due or lapsed.

Written into reports/<tender>/follow-up/ (lot-<id>/follow-up/ for a lot), beside the evaluation's reports and
never over them. The same record, check and day give the same bytes.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

from scoring.contract.followup import LAPSED, WORDS, FollowUpCheck, ItemCheck
from scoring.contract.record import Commitment, ContractRecord
from scoring.formatting import plain
from scoring.reports.xlsxout import Report

FOLDER = "follow-up"


def document(record: ContractRecord, check: FollowUpCheck) -> dict:
    """follow-up.json, and what the ledger records of a check."""
    return plain({"contract": record.model_dump(mode="json"), "check": check.model_dump(mode="json")})


def safe_name(item_id: str) -> str:
    """A commitment id as a file name: certificate:TCO-9/1 -> certificate-TCO-9-1."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", item_id).strip("-.") or "item"


def _who(record: ContractRecord) -> str:
    lot = f", lot {record.lot}" if record.lot else ""
    return f"{record.tender_id}{lot}: {record.tender_title}"


# --- the dated report -------------------------------------------------------------------------------------


def render_report(record: ContractRecord, check: FollowUpCheck) -> str:
    """follow-up-<date>.md: the state of every commitment on the day, what changed, what is asked."""
    day = check.checked_on.isoformat()
    lines = [
        f"# Contract follow-up of {_who(record)}, {day}",
        "",
        f"Awarded on {record.awarded_on.isoformat()} to {record.supplier} (bid {record.bid_id}, "
        f"{record.registration_number or 'no registration number'}); contract {record.contract_start.isoformat()} "
        f"to {record.contract_end.isoformat()}. The evaluation stays as it was awarded: follow-up changes no score.",
        "",
        "Registers: " + ("; ".join(check.registers) if check.registers else "none used") + ".",
        "",
        "## Changes since the previous check",
        "",
    ]
    if check.previous_checked_on is None:
        lines.append("This is the first check of this contract.")
    elif not check.changes:
        lines.append(f"Nothing changed since the check of {check.previous_checked_on.isoformat()}.")
    else:
        lines.append(f"Since the check of {check.previous_checked_on.isoformat()}:")
        lines.append("")
        lines += [f"- {c}" for c in check.changes]
    lines += ["", "## Commitments", "", "| Item | Commitment | State | Found | Next due | Consequence |"]
    lines.append("|---|---|---|---|---|---|")
    for i in check.items:
        lines.append(
            f"| `{i.id}` | {_cell(i.subject)} | {WORDS[i.state]} | {_cell(i.detail)} | "
            f"{i.next_due.isoformat() if i.next_due else ''} | {_cell(i.consequence or '')} |"
        )
    asked = check.asked
    lines += ["", "## Requests to the supplier", ""]
    if asked:
        lines.append(f"Drafted in requests/{day}/, one per item due or lapsed:")
        lines.append("")
        lines += [f"- `{i.id}`: {WORDS[i.state]} (requests/{day}/{safe_name(i.id)}.md)" for i in asked]
    else:
        lines.append("Nothing is due or lapsed: no request.")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


# --- requests to the supplier ------------------------------------------------------------------------------

ASK = {
    "certificate": "evidence that the certificate is renewed or remains valid (the register entry or the new "
    "certificate)",
    "factories": "the current list of the factories of the supplied models (final assembly and main components), "
    "with any change since the last disclosure",
    "ew_dialogue": "a report on your dialogue with Electronics Watch: the monitoring findings for the supplied "
    "models' factories and the remediation agreed",
    "take_back": "the arrangements for taking back and reusing the supplied devices",
    "warranty": "confirmation that the warranty is honoured",
    "spare_parts": "confirmation that spare parts remain available",
    "security_updates": "confirmation that security updates remain available",
}


def render_request(record: ContractRecord, item: ItemCheck, commitment: Commitment, day: date) -> str:
    """requests/<date>/<item>.md: a request to the supplier, ready to send."""
    lapsed = item.state in LAPSED
    due = item.next_due.isoformat() if item.next_due and not lapsed else None
    opening = {
        "due_soon": f"Under the contract, the following is due on {due}.",
        "overdue": f"Under the contract, the following was due on {item.next_due} and has not been received.",
        "expired": "A certificate your award relied on has expired.",
        "withdrawn": "The issuer's register lists a certificate your award relied on as withdrawn.",
        "suspended": "The issuer's register lists a certificate your award relied on as suspended.",
        "not_listed": "A certificate your award relied on is no longer listed in the issuer's register.",
    }[item.state]
    lines = [
        f"# Request under the contract: {_who(record)}",
        "",
        f"Date: {day.isoformat()}",
        f"From: {record.buyer}",
        f"To: {record.supplier}" + (f" <{record.email}>" if record.email else ""),
        f"Contract: awarded on {record.awarded_on.isoformat()}, {record.contract_start.isoformat()} to "
        f"{record.contract_end.isoformat()}",
        "",
        opening,
        "",
        f"- Commitment: {commitment.subject} ({commitment.source} of your bid).",
        f"- What we found: {item.detail}.",
    ]
    if commitment.criteria:
        lines.append(f"- Your bid scored on it in the award: {'; '.join(commitment.criteria)}.")
    lines += ["", f"Please send us {ASK[commitment.kind]}" + (f" by {due}." if due else " as soon as possible.")]
    if item.consequence:
        lines += ["", item.consequence]
    lines += ["", f"Reference: follow-up item `{item.id}`.", ""]
    return "\n".join(lines)


# --- the workbook and the calendar ------------------------------------------------------------------------


def write_workbook(record: ContractRecord, check: FollowUpCheck, path: Path) -> None:
    states = {i.id: i for i in check.items}
    report = Report(path)
    sheet = report.sheet("Commitments")
    sheet.header(
        ["Item", "Kind", "Commitment", "From the bid", "Scored in the award", "State", "Found", "Next due", "Ends"]
        + ["Lapsed on", "Remedy by", "Consequence"]
    )
    for c in record.commitments:
        i = states[c.id]
        sheet.append(
            [c.id, c.kind, c.subject, c.source, "; ".join(c.criteria), WORDS[i.state], i.detail, i.next_due]
            + [i.valid_until or c.ends, i.lapsed_on, i.remedy_by, i.consequence or ""]
        )
    sheet.widths([28, 14, 60, 24, 30, 14, 50, 12, 12, 12, 12, 50])
    dates = report.sheet("Due dates")
    dates.header(["Date", "Item", "What", "State"])
    for when, c, what in calendar_entries(record, check):
        dates.append([when, c.id, what, WORDS[states[c.id].state]])
    dates.widths([12, 28, 80, 14])
    changes = report.sheet("Changes")
    changes.header(["Checked on", "Since", "Change"])
    for change in check.changes or ["none" if check.previous_checked_on else "first check"]:
        changes.append([check.checked_on, check.previous_checked_on, change])
    changes.widths([12, 12, 80])
    report.close()


def calendar_entries(record: ContractRecord, check: FollowUpCheck) -> list[tuple[date, Commitment, str]]:
    """Every date of the contract's follow-up: each due date, and each expiry or end of a period."""
    states = {i.id: i for i in check.items}
    out = []
    for c in record.commitments:
        for when in c.due:
            out.append((when, c, f"Due: {c.subject}"))
        ends = states[c.id].valid_until or c.ends
        if ends is not None and ends not in c.due:
            what = "Certificate expires" if c.kind == "certificate" else "Ends"
            out.append((ends, c, f"{what}: {c.subject}"))
        current = states[c.id].next_due
        if current is not None and current not in c.due and current != ends:  # a renewal moved the date
            out.append((current, c, f"Due: {c.subject}"))
    return sorted(out, key=lambda e: (e[0], e[1].id, e[2]))


def render_calendar(record: ContractRecord, check: FollowUpCheck) -> bytes:
    """follow-up.ics: one all-day event per date, with a stable UID so a subscribed calendar updates in place."""
    from icalendar import Calendar, Event  # only the follow-up writes calendars

    cal = Calendar()
    cal.add("prodid", "-//tenderscore//contract follow-up//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"Follow-up {record.tender_id}" + (f" lot {record.lot}" if record.lot else ""))
    stamp = datetime(check.checked_on.year, check.checked_on.month, check.checked_on.day, tzinfo=UTC)
    for when, c, what in calendar_entries(record, check):
        event = Event()
        uid = f"{record.tender_id}-{record.lot or 'all'}-{safe_name(c.id)}-{when.isoformat()}"
        event.add("uid", f"{safe_name(uid)}@tenderscore")
        event.add("dtstamp", stamp)
        event.add("dtstart", when)
        event.add("summary", f"{record.tender_id}: {what}")
        event.add("description", f"Follow-up item {c.id} ({c.source} of bid {record.bid_id}, {record.supplier}).")
        event.add("categories", [c.kind])
        cal.add_component(event)
    return cal.to_ical()


# --- all of it --------------------------------------------------------------------------------------------


def write_follow_up(record: ContractRecord, check: FollowUpCheck, out: Path) -> list[Path]:
    """follow-up.json, .xlsx and .ics (the current state, replaced), the dated report and its requests (kept
    per day); the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    day = check.checked_on.isoformat()
    written = [out / "follow-up.json", out / "follow-up.xlsx", out / "follow-up.ics", out / f"follow-up-{day}.md"]
    text = json.dumps(document(record, check), indent=2, ensure_ascii=False) + "\n"
    _replace(written[0], text.encode())
    staging = out / ".follow-up.xlsx.writing"
    write_workbook(record, check, staging)
    staging.replace(written[1])
    _replace(written[2], render_calendar(record, check))
    _replace(written[3], render_report(record, check).encode())
    requests = out / "requests" / day
    if requests.exists():
        for old in requests.glob("*.md"):
            old.unlink()
    commitments = {c.id: c for c in record.commitments}
    for item in check.asked:
        requests.mkdir(parents=True, exist_ok=True)
        path = requests / f"{safe_name(item.id)}.md"
        _replace(path, render_request(record, item, commitments[item.id], check.checked_on).encode())
        written.append(path)
    return written


def _replace(path: Path, data: bytes) -> None:
    """Write beside, then rename: a reader never sees half a file."""
    staging = path.with_name(f".{path.name}.writing")
    staging.write_bytes(data)
    staging.replace(path)
