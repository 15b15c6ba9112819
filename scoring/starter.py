"""A new tender folder to start from (`tenderscore init DIR`): a commented tender.yaml, the committee, a rule
set with the label catalogue and register snapshots to fill in, the JSON Schemas an editor checks tender.yaml
and the rule set with, an empty bids/ and a blank bid workbook of the tender's template to send to bidders.

The files come from the package (scoring/data/starter/), so a wheel without the repository writes them; the
values given (id, title, buyer) are written as YAML strings, never as paths, and nothing already there is
overwritten."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from string import Template
from zoneinfo import ZoneInfo

from scoring.errors import InputError, OutputError, Problem, os_problem

STARTER = Path(__file__).resolve().parent / "data" / "starter"
BLANK = "bid-template.xlsx"
LOCALES = {"en": "en-IE", "nl": "nl-BE", "fr": "fr-BE", "de": "de-DE"}
WORDS = {  # yes, no and not applicable as bidders write them in each language
    "en": (["Yes"], ["No"], ["n/a"]),
    "nl": (["Ja"], ["Nee"], ["nvt", "n.v.t."]),
    "fr": (["Oui"], ["Non"], ["s.o.", "sans objet"]),
    "de": (["Ja"], ["Nein"], ["entfällt", "k. A."]),
}


@dataclass(frozen=True)
class Starter:
    """What `tenderscore init` asks for; every other value is a placeholder to change."""

    id: str = "TENDER-2027-001"
    title: str = "Notebooks and monitors"
    buyer: str = "Your organisation"
    currency: str = "EUR"
    language: str = "en"
    locale: str = ""  # the language's usual one when empty
    timezone: str = "Europe/Brussels"
    jurisdiction: str = "EU"  # the buyer's law (scoring/law.py)
    today: date = field(default_factory=date.today)

    def tender_yaml(self) -> str:
        zone = ZoneInfo(self.timezone)
        deadline = datetime.combine(self.today + timedelta(weeks=6), time(12), zone)
        start = date(self.today.year + 1, 1, 1) if self.today.month < 10 else date(self.today.year + 1, 4, 1)
        yes, no, na = WORDS[self.language]
        quoted = lambda value: json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML string
        return Template((STARTER / "tender.yaml.tmpl").read_text(encoding="utf-8")).substitute(
            id=quoted(self.id),
            title=quoted(self.title),
            buyer=quoted(self.buyer),
            currency=self.currency,
            deadline=deadline.isoformat(),
            start=start.isoformat(),
            end=date(start.year + 4, start.month, 1) - timedelta(days=1),
            language=self.language,
            locale=self.locale or LOCALES[self.language],
            timezone=self.timezone,
            jurisdiction=self.jurisdiction,
            yes_words=quoted(yes),
            no_words=quoted(no),
            na_words=quoted(na),
        )


def problems(starter: Starter) -> list[str]:
    """What is wrong with the values given, in words."""
    from scoring.models import LANGUAGES, locale_problem

    found = []
    if starter.language not in LANGUAGES:
        found.append(f"language {starter.language!r}: use one of {', '.join(LANGUAGES)}")
    if starter.locale and (problem := locale_problem(starter.locale)):
        found.append(f"locale {starter.locale!r}: {problem}")
    if len(starter.currency) != 3 or not starter.currency.isalpha() or not starter.currency.isupper():
        found.append(f"currency {starter.currency!r}: a three-letter ISO 4217 code such as EUR")
    try:
        ZoneInfo(starter.timezone)
    except (ValueError, KeyError, OSError):
        found.append(f"time zone {starter.timezone!r}: an IANA name such as Europe/Brussels")
    from scoring.law import JURISDICTIONS

    if starter.jurisdiction not in JURISDICTIONS:
        found.append(f"jurisdiction {starter.jurisdiction!r}: one of {', '.join(JURISDICTIONS)}")
    for name in ("id", "title", "buyer"):
        value = getattr(starter, name)
        if not value.strip() or any(ord(c) < 32 for c in value):
            found.append(f"{name} {value!r}: one line of text")
    return found


def files(starter: Starter) -> dict[str, bytes]:
    """Every file of the new folder (relative path: content)."""
    from scoring import schemas
    from scoring.intake.blank import blank_workbook
    from scoring.models import Tender
    from scoring.yamlio import load_yaml

    tender_text = starter.tender_yaml()
    out = {"tender.yaml": tender_text.encode("utf-8")}
    for path in sorted(STARTER.rglob("*")):
        relative = path.relative_to(STARTER).as_posix()
        if path.is_file() and not relative.endswith(".tmpl"):
            out[relative] = path.read_bytes()
    out["tender.schema.json"] = schemas.text("tender").encode("utf-8")
    out["rules/rules.schema.json"] = schemas.text("rules").encode("utf-8")
    tender = load_yaml(Path("tender.yaml"), InputError, data=out["tender.yaml"]).validate(Tender, InputError)
    out[BLANK] = blank_workbook(tender)
    return out


def write_starter(folder: Path, starter: Starter) -> list[Path]:
    """Write the new tender folder; refuses a folder that holds anything already (nothing is overwritten)."""
    wrong = problems(starter)
    if wrong:
        raise InputError.of(Problem(str(folder), w) for w in wrong)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise InputError(folder, "not an empty folder: tenderscore init starts a new tender folder only")
    content = files(starter)
    written = []
    try:
        (folder / "bids").mkdir(parents=True, exist_ok=True)
        for relative, data in content.items():
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "xb") as handle:  # never over a file that appeared meanwhile
                handle.write(data)
            written.append(target)
    except OSError as exc:
        raise OutputError(folder, os_problem(exc)) from None
    return written
