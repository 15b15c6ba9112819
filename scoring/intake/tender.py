"""Load a tender folder: tender.yaml and the list of bid files."""

from __future__ import annotations

import difflib
import os
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from scoring.errors import TenderError
from scoring.facts import N_, Fact, fact
from scoring.intake.folder import COMMITTEE_FILE, TENDER_FILE, Files, listing
from scoring.intake.template import SHEETS
from scoring.models import Member, Proceedings, Tender
from scoring.yamlio import load_yaml, read_input


def load_tender(folder: Path | str, files: Files | None = None) -> Tender:
    """tender.yaml (and committee.yaml beside it), checked; every problem of each file named in it."""
    folder = Path(folder)
    if not folder.is_dir():
        raise TenderError(folder, "tender folder not found")
    path = folder / TENDER_FILE
    if not path.is_file():
        raise TenderError(
            path, f"missing: a tender folder needs a {TENDER_FILE} (tenderscore init DIR writes one to start from)"
        )
    doc = load_yaml(path, TenderError, data=read_input(path, TenderError, files))
    problems = []
    members = None
    committee_file = folder / COMMITTEE_FILE
    if committee_file.is_file():
        if "committee" in doc.data:
            problems.append(doc.problem(f"the committee is in {COMMITTEE_FILE} too: keep one", "committee"))
        try:
            members = load_committee(committee_file, files)
        except TenderError as error:
            problems += error.problems
    try:
        tender = doc.validate(Tender, TenderError, data={**doc.data, "folder": folder})
    except TenderError as error:
        raise TenderError.of(problems + error.problems) from None
    problems += [doc.problem(problem, key) for key, problem in _check(tender)]
    if problems:
        raise TenderError.of(problems)
    if members is None:
        return tender
    proceedings = Proceedings(**members.model_dump(exclude={"members"}))
    return tender.model_copy(update={"committee": members.members, "proceedings": proceedings})


class CommitteeFile(Proceedings):
    members: list[Member] = []


def load_committee(path: Path, files: Files | None = None) -> CommitteeFile:
    """committee.yaml: `members:` and the proceedings, each problem named in that file."""
    doc = load_yaml(path, TenderError, data=read_input(path, TenderError, files))
    return doc.validate(CommitteeFile, TenderError)


def _check(tender: Tender) -> list[tuple[str, str]]:  # noqa: C901
    """What the model cannot see on one key: (key, problem) for each problem found."""
    out: list[tuple[str, str]] = []
    if not tender.id.strip() or any(unicodedata.category(ch).startswith("C") for ch in tender.id):
        out.append(("id", "must be the tender's reference as printed, without control characters"))
    if tender.contract_end < tender.contract_start:
        out.append(("contract_end", "the contract ends before it starts"))
    if tender.decimal_separator not in (None, ".", ","):
        out.append(("decimal_separator", f"must be '.' or ',' (found {tender.decimal_separator!r})"))
    known = {s.name: s for s in SHEETS}
    for sheet in tender.template.sheets:
        if sheet not in known:
            out.append((f"template.sheets.{sheet}", f"no such sheet in the standard template: {sheet!r}"))
    for sheet, headings in tender.template.headings.items():
        if sheet not in known:
            out.append((f"template.headings.{sheet}", f"no such sheet in the standard template: {sheet!r}"))
            continue
        standard = {f.heading for f in known[sheet].fields}
        for heading in headings:
            if heading not in standard:
                close = difflib.get_close_matches(heading, sorted(standard), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                out.append((f"template.headings.{sheet}.{heading}", f"no such heading on sheet {sheet}{hint}"))
    seen = set()
    for n, item in enumerate(tender.items):
        if (item.lot, item.item) in seen:
            out.append((f"items.{n}", f"item {item.item} of lot {item.lot} is listed twice"))
        seen.add((item.lot, item.item))
        if tender.lots and item.lot not in tender.lots:
            out.append(
                (f"items.{n}.lot", f"lot {item.lot!r} is not one of the tender's lots ({', '.join(tender.lots)})")
            )
    for n, lot in enumerate(tender.lots):
        if tender.lots.index(lot) != n:
            out.append((f"lots.{n}", f"lot {lot!r} is listed twice"))
    law = tender.law
    for means, days in (tender.letters.standstill_days or {}).items():
        if days < law.standstill[means]:
            out.append(
                (
                    f"letters.standstill_days.{means}",
                    f"{days} days is shorter than the {law.standstill[means]} the law of {law.code} requires",
                )
            )
    return out


# What a bids/ folder may hold besides bids: set aside, and named in the evaluation's warnings.
LOCK_PREFIXES = ("~$", ".~lock.")  # Excel's and LibreOffice's lock files of an open workbook
MAX_FILE_BYTES = 300 * 1024 * 1024  # no bid workbook is this large; larger files are refused unread

# What an entry of bids/ is, when it is not a file to read: the issue code it comes out with.
FOLDER, NOT_A_FILE, BROKEN_LINK, OUTSIDE, TOO_LARGE = (
    "file.folder",
    "file.not_a_file",
    "file.broken_link",
    "file.outside_folder",
    "file.too_large",
)


@dataclass(frozen=True)
class BidFile:
    """One entry of the tender's bids/ folder: what it is, and the bid id it comes out under.

    Every entry comes out in the evaluation once: a regular file (or a link to one inside the tender
    folder) is read; anything else (a folder, a FIFO or device, a link to nothing or to a file outside the
    tender folder, a file too large to be a bid) is refused with its code and never opened."""

    path: Path
    bid_id: str  # unique in the folder: the file's stem, or its whole name when another entry shares the stem
    refused: str | None = None  # the issue code when the entry is not read
    detail: str = ""  # what the entry holds, for the message (a folder's entries)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def readable(self) -> bool:
        return self.refused is None


def classify(path: Path, roots: tuple[Path, ...], bid_id: str | None = None) -> BidFile:
    """What an entry of bids/ is, from the file system's own record of it (never by opening it: a FIFO
    would block a read, a link could lead anywhere)."""
    bid_id = bid_id if bid_id is not None else path.stem
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            target = path.resolve()
            if not target.exists():
                return BidFile(path, bid_id, BROKEN_LINK)
            if not any(target == root or root in target.parents for root in roots):
                return BidFile(path, bid_id, OUTSIDE)
            info = os.stat(path)
    except OSError:
        return BidFile(path, bid_id, BROKEN_LINK)
    if stat.S_ISDIR(info.st_mode):
        try:
            inside = sorted(p.name for p in path.iterdir())
        except OSError:
            inside = []
        shown = ", ".join(inside[:5]) + (f" and {len(inside) - 5} more" if len(inside) > 5 else "")
        return BidFile(
            path,
            bid_id,
            FOLDER,
            f"{len(inside)} entr{'y' if len(inside) == 1 else 'ies'}" + (f": {shown}" if inside else ""),
        )
    if not stat.S_ISREG(info.st_mode):
        return BidFile(path, bid_id, NOT_A_FILE)
    if info.st_size > MAX_FILE_BYTES:
        return BidFile(path, bid_id, TOO_LARGE, f"{info.st_size // (1024 * 1024)} MB")
    return BidFile(path, bid_id)


def entry_of(entry: Path | BidFile, tender: Tender) -> BidFile:
    """An entry as `bid_files` gives it; a bare path (one file, as tests and tools read it) is classified
    on its own, with its stem as bid id."""
    if isinstance(entry, BidFile):
        return entry
    return classify(entry, (tender.folder.resolve(), entry.parent.resolve()))


def set_aside(name: str) -> Fact | None:
    """Why an entry of bids/ is not a bid at all: a hidden file or a spreadsheet program's lock file."""
    if name.startswith(LOCK_PREFIXES):
        return fact(N_("a spreadsheet program's lock file"))
    if name.startswith("."):
        return fact(N_("a hidden file"))
    return None


def bid_ids(names: list[str]) -> dict[str, str]:
    """Entry name -> its bid id: the stem when no other entry's stem is the same (ignoring case: letters are
    written per bid id, and a shared folder may not tell case apart), else the whole name; names that still
    meet get a number after them, in name order."""
    stems: dict[str, list[str]] = {}
    for name in names:
        stems.setdefault(Path(name).stem.casefold(), []).append(name)
    out: dict[str, str] = {}
    taken: set[str] = set()
    for name in sorted(names):
        wanted = Path(name).stem if len(stems[Path(name).stem.casefold()]) == 1 else name
        candidate, n = wanted, 1
        while candidate.casefold() in taken:
            n += 1
            candidate = f"{wanted}~{n}"
        taken.add(candidate.casefold())
        out[name] = candidate
    return out


def bid_files(tender: Tender, files: Files | None = None) -> list[BidFile]:
    """Every entry of bids/ (hidden files and lock files set aside, see `set_aside`), in name order.

    Every entry is an input: one that is not a readable workbook comes out rejected with a reason, never
    skipped, so nothing a bidder sent goes missing from the report.
    """
    folder = tender.bids_folder
    if not folder.is_dir():
        raise TenderError(folder, "missing: a tender folder needs a bids/ folder with one workbook per bid")
    names = sorted(p.name for p in listing(folder, files) if set_aside(p.name) is None)
    ids = bid_ids(names)
    roots = (tender.folder.resolve(), folder.resolve())
    return [classify(folder / name, roots, ids[name]) for name in names]


def set_aside_files(tender: Tender, files: Files | None = None) -> list[tuple[str, Fact]]:
    """The entries of bids/ that are not bids (name, why), for the evaluation to name."""
    folder = tender.bids_folder
    if not folder.is_dir():
        return []
    found = [(p.name, why) for p in listing(folder, files) if (why := set_aside(p.name)) is not None]
    return sorted(found, key=lambda entry: entry[0])
