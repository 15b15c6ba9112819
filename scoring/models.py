"""The shared vocabulary: the tender and a bid as read. Each later stage keeps the models it produces
(claims/verdicts.py, award/results.py)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator
from pydantic import Field as PField

from scoring.dates import Day
from scoring.facts import Fact
from scoring.issues import Issue


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --- the tender -------------------------------------------------------------


class TenderItem(Frozen):
    """An item the tender asks for; when listed, bids are checked against it."""

    lot: str
    item: str
    description: str = ""
    quantity: int | None = PField(default=None, gt=0)

    @field_validator("lot", "item", mode="before")
    @classmethod
    def _code(cls, value: object) -> object:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


LIST_EXTENSIONS = (".xlsx", ".ods", ".xls", ".xlsb")  # a factory list's workbook, in this order when several


class FactoryLists(Frozen):
    """Factory lists sent apart from the bid workbook, e.g. in the disclosure form of the buyer's Electronics
    Watch affiliation: one file per bid in `folder` (relative to the tender folder), named as the bid's file
    is (any workbook extension), read as the template's Factories sheet through this column mapping."""

    folder: str = "factory-lists"
    sheet: str = ""  # the form's sheet holding the list; the first sheet when empty
    headings: dict[str, str] = {}  # standard Factories heading -> the form's heading
    header_row: int | None = None  # the worksheet row of the form's headings (found when absent)


class TemplateMapping(Frozen):
    """How a non-standard bid template maps onto the standard one."""

    sheets: dict[str, str] = {}  # standard sheet name -> name in this template
    headings: dict[str, dict[str, str]] = {}  # standard sheet -> {standard heading -> heading here}
    yes_words: list[str] = []  # YAML reads a bare `yes` key as true, hence the suffix
    no_words: list[str] = []
    not_applicable_words: list[str] = []
    max_rows: int = PField(default=100_000, gt=0)  # per sheet; a longer sheet stops the file (file.too_many_rows)
    header_rows: dict[str, int] = {}  # standard sheet -> the worksheet row of its headings (found when absent)
    totals_words: list[str] = []  # more words that start a totals row under the items ("Totaal" is known)
    # standard sheet -> standard headings whose defects are formal (a clarification) or substantive (a
    # rejection) in this tender, against the template's own declaration (template.Field.formal)
    formal: dict[str, list[str]] = {}
    substantive: dict[str, list[str]] = {}
    factory_lists: FactoryLists | None = None  # factory lists as separate files, one per bid


LANGUAGES = ("en", "nl", "fr", "de")  # the languages letters and reports are written in


class Procedure(Frozen):
    """The procurement procedure, as the committee report and the letters name it."""

    type: Literal["open", "restricted", "competitive_dialogue", "negotiated", "innovation_partnership"] = "open"
    notice: str | None = None  # the contract notice's reference (e.g. the TED publication number)
    estimated_value: Decimal | None = None  # in the tender's currency, excluding VAT


class Member(Frozen):
    """A member of the evaluation committee and their declaration of (absence of) conflict of interest."""

    name: str
    role: str = "member"
    declared_on: Day | None = None  # the conflict-of-interest declaration (Art. 24)
    conflict: bool = False  # True: a conflict was declared (the member stands aside and does not sign)
    note: str = ""  # what was declared and how it was handled
    signed_on: Day | None = None  # the day the member signed the evaluation report
    evaluator: str | None = PField(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
    """The id of the member's score sheet (panel/<id>.xlsx), as the rule set's `evaluators:` names it; by
    default the plain form of their name."""

    @field_validator("evaluator")
    @classmethod
    def _not_the_moderation(cls, value: str | None) -> str | None:
        if value is not None and value.casefold() == "moderation":
            raise ValueError("'moderation' is the chair's moderation sheet, not an evaluator")
        return value

    @property
    def evaluator_id(self) -> str:
        from scoring.names import safe_name

        found = self.evaluator or safe_name(self.name)
        return found if found.casefold() != "moderation" else f"{found}-1"


Language = Literal["en", "nl", "fr", "de"]
# A text tender.yaml supplies: one text, in the tender's language, or one per language ({nl: ..., fr: ...}).
Text = str | dict[Language, str]


def text_in(value: Text | None, language: str, own: str) -> str | None:
    """The text in a language: a single text is the tender's own language's (`own`); None when missing."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if language == own else None
    return value.get(language)  # type: ignore[call-overload]  # a language code


class Meeting(Frozen):
    """A meeting of the evaluation committee, as its report records it."""

    held_on: Day
    attended: list[str] = PField(min_length=1)  # the members present, by name
    subject: str = ""  # what was dealt with (in the tender's language)


class Check(Frozen):
    """The exclusion grounds and selection criteria checked for a tenderer (its ESPD and the evidence)."""

    bid: str  # the bid id
    exclusion: Literal["passed", "failed", "pending"] = "pending"
    selection: Literal["passed", "failed", "pending"] = "pending"
    by: str
    checked_on: Day
    note: str = ""


class PriceExamination(Frozen):
    """The examination of a price that asked for an explanation (Art. 69), and its outcome."""

    bid: str
    asked_on: Day
    outcome: Literal["pending", "accepted", "rejected"] = "pending"
    decided_on: Day | None = None
    note: str = ""  # the explanation received and why it was accepted or rejected


class Proposal(Frozen):
    """The committee's proposal to the body that decides the award."""

    to: Text  # e.g. the college of mayor and aldermen, the board (per language, like every text)
    made_on: Day | None = None


class Proceedings(Frozen):
    """What the committee records besides its members (committee.yaml): its meetings, the checks of exclusion
    and selection, the examinations of prices, its proposal and the date of its report."""

    meetings: list[Meeting] = []
    checks: list[Check] = []
    price_examinations: list[PriceExamination] = []
    proposal: Proposal | None = None
    report_on: Day | None = None  # the date of the evaluation report

    def check_of(self, bid_id: str) -> Check | None:
        return next((c for c in self.checks if c.bid == bid_id), None)

    def examination_of(self, bid_id: str) -> PriceExamination | None:
        return next((e for e in self.price_examinations if e.bid == bid_id), None)


class Signatory(Frozen):
    name: str
    role: Text


class ReviewBody(Frozen):
    """Where a tenderer seeks review of the award decision (Remedies Directive 89/665/EEC)."""

    name: Text
    address: Text = ""
    how: Text = ""  # how and within which time limit review is sought


class LetterSettings(Frozen):
    """What award decision notices need to be sent as they are (Art. 55 Dir. 2014/24/EU, Art. 2a Dir. 2007/66/EC)."""

    sent_on: Day | None = None  # the day they are sent; until set, the letters are drafts
    means: Literal["electronic", "other"] = "electronic"
    # the standstill in calendar days, when the tender gives more than its law (scoring/law.py) requires
    standstill_days: dict[Literal["electronic", "other"], int] | None = None
    signatory: Signatory | None = None
    review_body: ReviewBody | None = None
    contact: str = ""  # whom a tenderer asks about the letter


class ClarificationSettings(Frozen):
    """What clarification requests (Art. 56(3)) need to be sent as they are."""

    sent_on: Day | None = None  # the day they are sent; until set, the requests are drafts
    reply_days: int = PField(default=5, gt=0)  # calendar days to answer, ending on a working day
    signatory: Signatory | None = None  # who signs them (default: the letters' signatory)
    contact: str = ""  # where the answers go (default: the letters' contact)


class Publication(Frozen):
    """What ocds.json publishes of the bids: statistics (number, lowest and highest value; eForms BT-759,
    BT-711) by default, each bid in full only when the buyer decides so."""

    bids: Literal["statistics", "full"] = "statistics"


UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


class EformsOrganisation(Frozen):
    """An organisation as an eForms notice names it (what the evaluation does not know of it)."""

    registration: str | None = None  # BT-501, its registration number (a bid's own is used for a tenderer)
    city: str | None = None  # BT-513
    postal_code: str | None = None  # BT-512
    country: str | None = PField(default=None, pattern=r"^[A-Z]{3}$")  # BT-514, ISO 3166-1 alpha-3: BEL
    nuts: str | None = PField(default=None, pattern=r"^[A-Z]{2}[0-9A-Z]{0,3}$")  # BT-507, e.g. BE211
    email: str | None = None  # BT-506
    phone: str | None = None  # BT-503
    size: Literal["micro", "small", "medium", "large"] | None = None  # BT-165, a tenderer's


class Eforms(Frozen):
    """What the contract award notice for TED needs that the evaluation cannot know (tenderscore notice)."""

    notice_id: str | None = PField(default=None, pattern=UUID_PATTERN)  # BT-701, the notice's own UUID
    procedure_id: str | None = PField(default=None, pattern=UUID_PATTERN)  # BT-04, the contract notice's
    directive: Literal["2014/24/EU", "2014/25/EU", "2014/23/EU"] = "2014/24/EU"  # subtype 29, 30 or 32
    cpv: str | None = PField(default=None, pattern=r"^[0-9]{8}$")  # BT-262, the main classification
    buyer_legal_type: str | None = None  # BT-11 (buyer-legal-type: la, ra, cga, body-pl ...)
    buyer_activity: str | None = None  # BT-10 (authority-activity: gen-pub, health, educ ...)
    buyer: EformsOrganisation = EformsOrganisation()
    review_body: EformsOrganisation = EformsOrganisation()  # its name: letters.review_body
    tenderers: dict[str, EformsOrganisation] = {}  # by bid id: address and size (BT-165) of each tenderer
    review: Text | None = None  # BT-99: how and by when the award, now published, may be challenged (the
    # ineffectiveness claim's time limit runs from the notice), in the tender's language or per language


class Award(Frozen):
    """The award decision, as tender.yaml records it (`award:`) or `tenderscore award` does."""

    bid: str  # the bid id (the file's stem)
    awarded_on: Day
    lot: str | None = None
    contract_start: Day | None = None  # the tender's, unless the contract says otherwise
    contract_end: Day | None = None
    reason: str | None = None  # required when the bid awarded is not ranked first
    by: str | None = None
    concluded_on: Day | None = None  # the day the contract is concluded (signed): the award notice's clock


class Tender(Frozen):
    id: str
    title: str
    buyer: str
    currency: str
    bid_deadline: datetime
    contract_start: Day
    contract_end: Day
    rules: str  # path of the rule set, relative to the tender folder
    rules_sha256: str | None = None  # pinned once the tender is published: runs under other rules are scenarios
    received: str | None = None  # the platform's opening record (CSV or YAML), relative to the tender folder
    received_tolerance_minutes: int = PField(default=60, ge=0)  # a bid's own time further off is flagged
    locale: str = "en-GB"
    decimal_separator: str | None = None  # overrides what the locale implies
    timezone: str = "UTC"
    items: list[TenderItem] = []
    lots: list[str] = []  # the tender's lots; with `items:`, their lots are the tender's lots too

    @field_validator("lots", mode="before")
    @classmethod
    def _lot_codes(cls, value: object) -> object:
        if isinstance(value, list):
            return [str(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in value]
        return value

    template: TemplateMapping = TemplateMapping()
    titles: dict[Language, str] = {}  # the title in other languages than the tender's
    buyers: dict[Language, str] = {}  # the buyer's name in other languages, where it has an official one
    jurisdiction: Literal["EU", "BE", "NL", "FR", "DE", "IE"] = "EU"  # the buyer's law (scoring/law.py)
    region: str | None = None  # for public holidays where they differ by region (e.g. DE: BY)
    award: Award | None = None  # once the contract is awarded: its follow-up starts
    language: Language = "en"  # letters and reports
    procedure: Procedure = Procedure()
    committee: list[Member] = []  # or committee.yaml beside tender.yaml
    proceedings: Proceedings = Proceedings()  # the rest of committee.yaml: meetings, checks, proposal
    letters: LetterSettings = LetterSettings()
    clarifications: ClarificationSettings = ClarificationSettings()
    publication: Publication = Publication()
    eforms: Eforms = Eforms()
    folder: Path = PField(default=Path("."), exclude=True)

    @field_validator("locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        problem = locale_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. Europe/Brussels)") from None
        return value

    def title_in(self, language: str) -> str | None:
        """The title in a language (None when the tender gives none in it)."""
        return self.title if language == self.language else self.titles.get(language)  # type: ignore[call-overload]

    def buyer_in(self, language: str) -> str | None:
        """The buyer's name in a language: its own name, unless the tender gives one in that language."""
        return self.buyers.get(language, self.buyer)  # type: ignore[call-overload]

    @property
    def law(self):  # -> scoring.law.Jurisdiction (imported late: the holidays table loads only when needed)
        from scoring.law import jurisdiction

        return jurisdiction(self.jurisdiction)

    def standstill(self):  # -> scoring.law.Period | None
        """The standstill after the award decision is sent, as the tender's law counts it; None while unsent."""
        from scoring.law import standstill

        letters = self.letters
        if letters.sent_on is None:
            return None
        days = (letters.standstill_days or {}).get(letters.means)
        return standstill(letters.sent_on, letters.means, self.law, self.region, days)

    @property
    def declared_lots(self) -> list[str]:
        """The lots the tender declares (`lots:`, or the lots of its `items:`); empty when it declares none."""
        return list(self.lots) or sorted({i.lot for i in self.items})

    @property
    def bids_folder(self) -> Path:
        return self.folder / "bids"

    @property
    def rules_path(self) -> Path:
        return (self.folder / self.rules).resolve()

    def factory_list(self, bid_file: str) -> Path | None:
        """The separate factory list sent for a bid, when the tender takes them and one was sent."""
        if self.template.factory_lists is None:
            return None
        folder = self.folder / self.template.factory_lists.folder
        stem = Path(bid_file).stem
        return next((p for ext in LIST_EXTENSIONS if (p := folder / f"{stem}{ext}").is_file()), None)


def locale_problem(tag: str) -> str | None:
    """Why a locale tag is not one bidders' numbers and dates can be read by (None when it is): a language,
    optionally with its country, that Babel knows (nl-BE, fr-BE, de-DE, en-GB)."""
    from babel import Locale, UnknownLocaleError
    from babel.localedata import locale_identifiers

    parts = tag.replace("_", "-").split("-")
    language = parts[0]
    if len(parts) == 1 and language.isalpha() and language.isupper():  # BE: a country where a locale goes
        likely = sorted(i.replace("_", "-") for i in locale_identifiers() if i.endswith(f"_{language}"))
        hint = f"; for {language}, one of: {', '.join(likely)}" if likely else ""
        return f"{tag!r} is a country, not a locale: write the language and the country{hint}"
    if not (language.isalpha() and 2 <= len(language) <= 3):
        return f"{tag!r} is not a locale (write language-COUNTRY, e.g. nl-BE)"
    try:
        Locale.parse(tag.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        likely = sorted(i.replace("_", "-") for i in locale_identifiers() if i.split("_")[0] == language.lower())
        hint = f"; known for {language}: {', '.join(likely[:8])}" if likely else ""
        return f"unknown locale {tag!r}{hint}"
    return None


# --- a bid, as read from its workbook --------------------------------------


class Supplier(Frozen):
    tender_reference: str | None = None
    name: str | None = None
    registration_number: str | None = None
    country: str | None = None
    email: str | None = None
    submitted_at: datetime | None = None
    currency: str | None = None
    ew_conditions: bool | None = None
    ew_dialogue: bool | None = None
    take_back: bool | None = None
    environmental_management: str | None = None


class Item(Frozen):
    row: int
    lot: str | None = None
    item: str | None = None
    category: str | None = None
    brand: str | None = None
    model: str | None = None
    gtin: str | None = None
    quantity: int | None = None
    unit_price: Decimal | None = None
    warranty_years: Decimal | None = None
    spare_parts_years: Decimal | None = None
    security_updates_years: Decimal | None = None
    battery_replaceable: str | None = None  # yes / no / n/a
    energy_kwh_year: Decimal | None = None
    recycled_plastic_pct: Decimal | None = None
    packaging_recycled_pct: Decimal | None = None

    @property
    def line_value(self) -> Decimal | None:
        if self.quantity is None or self.unit_price is None:
            return None
        return self.quantity * self.unit_price


class LabelClaim(Frozen):
    row: int
    label: str | None = None
    version: str | None = None
    certificate_id: str | None = None
    scope: str | None = None
    covers: list[str] | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    equivalent_to: str | None = None
    evidence: str | None = None


class Factory(Frozen):
    row: int
    model: str | None = None
    tier: str | None = None
    component: str | None = None
    name: str | None = None
    country: str | None = None
    city: str | None = None
    address: str | None = None
    last_audit: date | None = None
    audit_scheme: str | None = None


class Bid(Frozen):
    """A bid as read; fields the bidder left empty or that could not be read are None."""

    bid_id: str  # the file's stem: stable across runs, unique in a folder
    file: str
    file_sha256: str
    supplier: Supplier = Supplier()
    items: list[Item] = []
    labels: list[LabelClaim] = []
    factories: list[Factory] = []
    stated_total: Decimal | None = None  # the bidder's own total, from a totals row under the items
    stated_total_row: int | None = None  # that row on the Items sheet

    @property
    def total_price(self) -> Decimal | None:
        values = [i.line_value for i in self.items]
        priced = [v for v in values if v is not None]
        if not values or len(priced) < len(values):
            return None
        return sum(priced, Decimal(0))


class ClarificationRequest(Frozen):
    """What the buyer may ask a tenderer to clarify or complete (Art. 56(3) of Directive 2014/24/EU)."""

    sheet: str  # the sheet's name in the bid's workbook
    row: int | None
    field: str  # the heading in the tender's template
    cell: str | None  # e.g. "B6", when known
    found: Fact  # what the bid holds
    expected: Fact  # what the template asks for
    code: str  # the issue that asks for it
    blocking: bool = False  # the bid cannot be ranked before the answer (a formula's value on a scored field)


class Clarified(Frozen):
    """A tenderer's answer to a clarification (clarifications.yaml), and whether it was used."""

    sheet: str
    row: int | None
    field: str
    original: Fact  # what the bid held ("empty" when nothing)
    answer: Fact  # the answer as received
    received_on: date
    by: str  # who received or recorded it
    used: bool
    reason: Fact | None = None  # why it was not used


class ReadResult(Frozen):
    """What reading one file gives: a bid when the file could be opened, and its issues."""

    file: str
    file_sha256: str
    bid: Bid | None
    issues: list[Issue]
    bid_id: str = ""  # unique in the bids/ folder (intake/tender.bid_ids); the bid's own when it was read
    headings: dict[str, dict[str, str]] = {}  # sheet -> field name -> heading in this template
    supplier_rows: dict[str, int] = {}  # Supplier field name -> worksheet row
    titles: dict[str, str] = {}  # standard sheet name -> the sheet's name in this workbook
    columns: dict[str, dict[str, str]] = {}  # sheet -> field name -> its column's letters
    # Formal defects asked about (Art. 56(3)) and the answers applied or refused; set by intake/clarify.py.
    requests: list[ClarificationRequest] = []
    clarified: list[Clarified] = []
    # From the platform's opening record (intake/receipts.py), when the tender names one.
    received_at: datetime | None = None
    withdrawn: bool = False
    tenderer: str | None = None  # the tenderer the record names
    other_lots_claims: tuple[str, ...] = ()  # claims set aside in this lot: they concern other lots' models
    unrecorded: bool = False  # the tender has a record and this file is not in it
    # What this run took from the ledger instead of computing it ("parse", "validation"); never stored with
    # the parse itself, recorded with the run.
    reused: tuple[str, ...] = PField(default=(), exclude=True)

    @property
    def opened(self) -> Bid:
        """The bid, where the caller has established that the file could be read (`bid is not None`)."""
        if self.bid is None:
            raise ValueError(f"{self.file} could not be read as a bid")
        return self.bid


# --- results -----------------------------------------------------------------
