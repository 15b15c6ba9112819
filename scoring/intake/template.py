"""The standard bid workbook, declared once (described for bidders in docs/bid-template.md).

Parsing (ingest.py) and the Great Expectations suites (expectations.py) are both
built from this declaration, so a field's type and its checks cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from scoring.facts import N_


class Kind(str, Enum):
    TEXT = "text"
    LIST = "list"  # ';'-separated text
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATE = "date"
    DATETIME = "datetime"
    YES_NO = "yes_no"
    YES_NO_NA = "yes_no_na"
    CHOICE = "choice"  # lower-cased text from a fixed set


@dataclass(frozen=True)
class Field:
    name: str  # attribute name in the typed models
    heading: str  # heading (or Supplier field name) in the standard template
    kind: Kind
    required: str | None = "error"  # severity of an empty value: "error", "warning" or None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    strict_minimum: bool = False
    choices: tuple[str, ...] = ()
    pattern: str | None = None  # regex the text must match
    pattern_hint: str = ""  # what the pattern means, for the message
    codelist: str | None = None  # name of a code list in scoring/data
    required_unless: str | None = None  # required (error) on rows where this other field is empty
    required_when: tuple[str, str] | None = None  # required (error) on rows where (field, value) holds
    why: str = ""  # why a conditional requirement applies, for the message
    # A defect in a formal field (contact details, an identifier's format, a currency the tender fixes
    # anyway) is a warning and a clarification request (Art. 56(3)); in any other field it goes to the
    # substance of the offer and rejects the bid. A field the rule set reads is always substantive.
    formal: bool = False


@dataclass(frozen=True)
class Sheet:
    name: str
    fields: tuple[Field, ...]
    key_value: bool = False  # Supplier: field names in column A, values in column B
    required: bool = True  # a missing optional sheet is read as empty, with a warning
    unique: tuple[str, ...] = ()  # columns that together identify a row
    min_rows: int = 0


def normalise_heading(text: str) -> str:
    """Headings match case-insensitively, ignoring surrounding and repeated spaces."""
    return " ".join(str(text).split()).casefold()


ZERO = Decimal(0)
HUNDRED = Decimal(100)
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
GTIN = r"^(?:\d{8}|\d{12,14})$"
CURRENCY = r"^[A-Z]{3}$"

SUPPLIER = Sheet(
    "Supplier",
    key_value=True,
    fields=(
        Field("tender_reference", "Tender reference", Kind.TEXT),
        Field("name", "Supplier name", Kind.TEXT, formal=True),
        Field("registration_number", "Registration number", Kind.TEXT, formal=True),
        Field("country", "Country", Kind.TEXT, codelist="countries", formal=True),
        Field("email", "Contact email", Kind.TEXT, pattern=EMAIL, pattern_hint=N_("an e-mail address"), formal=True),
        Field("submitted_at", "Submitted at", Kind.DATETIME),
        Field(
            "currency",
            "Currency",
            Kind.TEXT,
            pattern=CURRENCY,
            pattern_hint=N_("a three-letter ISO 4217 code such as EUR"),
            formal=True,  # the tender fixes it; a bid in another currency is bid.currency_mismatch
        ),
        Field("ew_conditions", "Accepts Electronics Watch contract conditions", Kind.YES_NO),
        Field("ew_dialogue", "Enters into dialogue with Electronics Watch", Kind.YES_NO),
        Field("take_back", "Take-back and reuse service", Kind.YES_NO),
        Field("environmental_management", "Environmental management system", Kind.TEXT),
    ),
)

ITEMS = Sheet(
    "Items",
    unique=("lot", "item"),
    min_rows=1,
    fields=(
        Field("lot", "Lot", Kind.TEXT),
        Field("item", "Item", Kind.TEXT),
        Field("category", "Category", Kind.TEXT),
        Field("brand", "Brand", Kind.TEXT),
        Field("model", "Model", Kind.TEXT),
        Field(
            "gtin",
            "GTIN",
            Kind.TEXT,
            required=None,
            pattern=GTIN,
            pattern_hint=N_("8, 12, 13 or 14 digits"),
            formal=True,
        ),  # the product is the brand and model; its GTIN's format is formal
        Field("quantity", "Quantity", Kind.INTEGER, minimum=ZERO, strict_minimum=True),
        Field("unit_price", "Unit price", Kind.DECIMAL, minimum=ZERO),
        Field("warranty_years", "Warranty (years)", Kind.DECIMAL, minimum=ZERO),
        # Not stated is allowed but costs the points of criteria that use it: a warning.
        Field("spare_parts_years", "Spare parts availability (years)", Kind.DECIMAL, required="warning", minimum=ZERO),
        Field("security_updates_years", "Security updates (years)", Kind.DECIMAL, required="warning", minimum=ZERO),
        Field("battery_replaceable", "Battery replaceable", Kind.YES_NO_NA, required="warning"),
        Field(
            "energy_kwh_year", "Typical energy consumption (kWh/year)", Kind.DECIMAL, required="warning", minimum=ZERO
        ),
        Field(
            "recycled_plastic_pct",
            "Recycled plastic content (%)",
            Kind.DECIMAL,
            required="warning",
            minimum=ZERO,
            maximum=HUNDRED,
        ),
        Field(
            "packaging_recycled_pct",
            "Packaging recycled content (%)",
            Kind.DECIMAL,
            required="warning",
            minimum=ZERO,
            maximum=HUNDRED,
        ),
    ),
)

LABELS = Sheet(
    "Labels",
    required=False,
    fields=(
        Field("label", "Label", Kind.TEXT),
        Field("version", "Version", Kind.TEXT, required=None),
        Field(
            "certificate_id",
            "Certificate ID",
            Kind.TEXT,
            required=None,
            required_unless="evidence",
            why=N_("a claim needs a certificate ID, or other means of proof under Evidence"),
        ),
        Field("scope", "Scope", Kind.CHOICE, choices=("product", "facility", "company")),
        Field("covers", "Covers", Kind.LIST),
        Field("valid_from", "Valid from", Kind.DATE, required=None),
        Field(
            "valid_until",
            "Valid until",
            Kind.DATE,
            required=None,
            required_unless="evidence",
            why=N_("a certificate's validity must be stated"),
        ),
        Field("equivalent_to", "Claimed as equivalent to", Kind.TEXT, required=None),
        Field("evidence", "Evidence", Kind.TEXT, required=None),
    ),
)

FACTORIES = Sheet(
    "Factories",
    required=False,
    fields=(
        Field("model", "Model", Kind.TEXT),
        Field("tier", "Tier", Kind.CHOICE, choices=("final assembly", "component", "raw material")),
        Field(
            "component",
            "Component",
            Kind.TEXT,
            required=None,
            required_when=("tier", "component"),
            why=N_("a component factory must say which component it makes"),
        ),
        Field("name", "Factory name", Kind.TEXT),
        Field("country", "Country", Kind.TEXT, codelist="countries"),
        Field("city", "City", Kind.TEXT, required="warning"),
        Field("address", "Address", Kind.TEXT, required="warning"),
        Field("last_audit", "Last social audit", Kind.DATE, required=None),
        Field("audit_scheme", "Audit scheme", Kind.TEXT, required=None),
    ),
)

SHEETS: tuple[Sheet, ...] = (SUPPLIER, ITEMS, LABELS, FACTORIES)

# Fields a rule set may reference, as `supplier.<name>` or `items.<name>`.
SUPPLIER_FIELDS = {f.name: f for f in SUPPLIER.fields}
ITEM_FIELDS = {f.name: f for f in ITEMS.fields}
