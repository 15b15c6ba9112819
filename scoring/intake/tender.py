"""Load a tender folder: tender.yaml and the list of bid files."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from scoring.errors import TenderError
from scoring.intake.template import SHEETS
from scoring.models import Tender
from scoring.yamlio import first_error, load_mapping

TENDER_FILE = "tender.yaml"
COMMITTEE_FILE = "committee.yaml"  # the evaluation committee, when kept apart from tender.yaml (`members:`)


def load_tender(folder: Path | str) -> Tender:
    folder = Path(folder)
    if not folder.is_dir():
        raise TenderError(folder, "tender folder not found")
    path = folder / TENDER_FILE
    if not path.is_file():
        raise TenderError(path, f"missing: a tender folder needs a {TENDER_FILE} (see README, 'Writing a tender')")
    data = load_mapping(path, TenderError)
    committee = folder / COMMITTEE_FILE
    if committee.is_file():
        if "committee" in data:
            raise TenderError(path, f"the committee is in {COMMITTEE_FILE} too: keep one", "committee")
        members = load_mapping(committee, TenderError)
        try:
            Tender.model_validate({**data, "committee": members.get("members") or [], "folder": folder})
        except ValidationError as exc:
            raise first_error(committee, exc, TenderError) from None
        data = {**data, "committee": members.get("members") or []}
    try:
        tender = Tender.model_validate({**data, "folder": folder})
    except ValidationError as exc:
        raise first_error(path, exc, TenderError) from None
    _check(tender, path)
    return tender


def _check(tender: Tender, path: Path) -> None:
    try:
        ZoneInfo(tender.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise TenderError(path, f"unknown time zone {tender.timezone!r}", "timezone") from None
    if tender.contract_end < tender.contract_start:
        raise TenderError(path, "the contract ends before it starts", "contract_end")
    if tender.decimal_separator not in (None, ".", ","):
        raise TenderError(path, "must be '.' or ','", "decimal_separator")
    known = {s.name: s for s in SHEETS}
    for sheet in tender.template.sheets:
        if sheet not in known:
            raise TenderError(path, f"no such sheet in the standard template: {sheet!r}", "template.sheets")
    for sheet, headings in tender.template.headings.items():
        if sheet not in known:
            raise TenderError(path, f"no such sheet in the standard template: {sheet!r}", "template.headings")
        standard = {f.heading for f in known[sheet].fields}
        for heading in headings:
            if heading not in standard:
                raise TenderError(path, f"no such heading on sheet {sheet}: {heading!r}", f"template.headings.{sheet}")
    seen = set()
    for n, item in enumerate(tender.items):
        if (item.lot, item.item) in seen:
            raise TenderError(path, f"item {item.item} of lot {item.lot} is listed twice", f"items.{n}")
        seen.add((item.lot, item.item))


def bid_files(tender: Tender) -> list[Path]:
    """Every file in bids/ (hidden files and lock files aside), in name order.

    Every file is an input: one that is not a workbook is rejected with a reason,
    never skipped, so nothing a bidder sent goes missing from the report.
    """
    folder = tender.bids_folder
    if not folder.is_dir():
        raise TenderError(folder, "missing: a tender folder needs a bids/ folder with one workbook per bid")
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith((".", "~$")))
