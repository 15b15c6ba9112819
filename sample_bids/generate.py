"""Write the sample tender's bid workbooks (the files themselves are committed).

    python sample_bids/generate.py

`write_bid` is also what the tests use to build real workbooks, in the standard
template or through a tender's column mapping.
"""

from __future__ import annotations

import sys
from copy import deepcopy
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl

if not __package__:  # run as a script: its package is the folder's name
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from sample_bids.xlsx import append_row, save_deterministic

HERE = Path(__file__).resolve().parent
TENDER = HERE / "city-computers-2026"

SUPPLIER_FIELDS = [
    "Tender reference",
    "Supplier name",
    "Registration number",
    "Country",
    "Contact email",
    "Submitted at",
    "Currency",
    "Accepts Electronics Watch contract conditions",
    "Enters into dialogue with Electronics Watch",
    "Take-back and reuse service",
    "Environmental management system",
]
ITEM_COLUMNS = [
    "Lot",
    "Item",
    "Category",
    "Brand",
    "Model",
    "GTIN",
    "Quantity",
    "Unit price",
    "Warranty (years)",
    "Spare parts availability (years)",
    "Security updates (years)",
    "Battery replaceable",
    "Typical energy consumption (kWh/year)",
    "Recycled plastic content (%)",
    "Packaging recycled content (%)",
]
LABEL_COLUMNS = [
    "Label",
    "Version",
    "Certificate ID",
    "Scope",
    "Covers",
    "Valid from",
    "Valid until",
    "Claimed as equivalent to",
    "Evidence",
]
FACTORY_COLUMNS = [
    "Model",
    "Tier",
    "Component",
    "Factory name",
    "Country",
    "City",
    "Address",
    "Last social audit",
    "Audit scheme",
]


def write_bid(
    path: Path,
    supplier: dict[str, Any],
    items: list[dict[str, Any]],
    labels: list[dict[str, Any]] = (),
    factories: list[dict[str, Any]] = (),
    mapping: dict | None = None,
    drop_sheets: tuple[str, ...] = (),
    formulas: dict[tuple[str, str], str] | None = None,
) -> Path:
    """Write one bid workbook. Values are written as given: a str stays text.

    `mapping` renames sheets and headings like a tender's `template` section.
    `formulas` puts a formula (without a cached value) in (sheet, cell) positions.
    """
    mapping = mapping or {}
    sheets = mapping.get("sheets", {})
    headings = mapping.get("headings", {})
    wb = openpyxl.Workbook()
    wb.remove(wb.active)

    def head(sheet: str, name: str) -> str:
        return headings.get(sheet, {}).get(name, name)

    if "Supplier" not in drop_sheets:
        ws = wb.create_sheet(sheets.get("Supplier", "Supplier"))
        ws.append(["Field", "Value"])
        for name in SUPPLIER_FIELDS:
            if name in supplier:
                append_row(ws, [head("Supplier", name), supplier[name]])
        for name, value in supplier.items():
            if name not in SUPPLIER_FIELDS:
                append_row(ws, [name, value])
    for sheet, columns, rows in (
        ("Items", ITEM_COLUMNS, items),
        ("Labels", LABEL_COLUMNS, labels),
        ("Factories", FACTORY_COLUMNS, factories),
    ):
        if sheet in drop_sheets:
            continue
        ws = wb.create_sheet(sheets.get(sheet, sheet))
        extra = [k for row in rows for k in row if k not in columns]
        present = [c for c in columns if not any(row.get(c, "") is _DROP for row in rows)]
        ws.append([head(sheet, c) for c in present] + list(dict.fromkeys(extra)))
        for row in rows:
            append_row(ws, [row.get(c) for c in present] + [row.get(k) for k in dict.fromkeys(extra)])
    for (sheet, cell), formula in (formulas or {}).items():
        wb[sheets.get(sheet, sheet)][cell] = formula
    save_deterministic(wb, path)
    return path


_DROP = object()  # use as a value to leave a whole column out of the sheet


# --- the sample tender ----------------------------------------------------------------


def _supplier(
    name: str,
    reg: str,
    country: str,
    email: str,
    submitted: Any,
    *,
    ew=("Yes", "Yes"),
    take_back="Yes",
    ems="ISO 14001",
) -> dict[str, Any]:
    return {
        "Tender reference": "CITY-ICT-2026-014",
        "Supplier name": name,
        "Registration number": reg,
        "Country": country,
        "Contact email": email,
        "Submitted at": submitted,
        "Currency": "EUR",
        "Accepts Electronics Watch contract conditions": ew[0],
        "Enters into dialogue with Electronics Watch": ew[1],
        "Take-back and reuse service": take_back,
        "Environmental management system": ems,
    }


def _items(notebook: dict[str, Any], monitor: dict[str, Any]) -> list[dict[str, Any]]:
    base_nb = {"Lot": "1", "Item": "NB-14", "Category": "notebook", "Quantity": 200}
    base_mon = {
        "Lot": "1",
        "Item": "MON-24",
        "Category": "monitor",
        "Quantity": 150,
        "Security updates (years)": 0,
        "Battery replaceable": "n/a",
    }
    return [base_nb | notebook, base_mon | monitor]


def _item(brand, model, gtin, price, warranty, spare, security, battery, energy, plastic, packaging) -> dict[str, Any]:
    out = {
        "Brand": brand,
        "Model": model,
        "GTIN": gtin,
        "Unit price": price,
        "Warranty (years)": warranty,
        "Spare parts availability (years)": spare,
        "Security updates (years)": security,
        "Battery replaceable": battery,
        "Typical energy consumption (kWh/year)": energy,
        "Recycled plastic content (%)": plastic,
        "Packaging recycled content (%)": packaging,
    }
    # None: keep the monitor defaults (no security updates, battery n/a)
    return {k: v for k, v in out.items() if v is not None or k == "GTIN"}


def _tco(cert: str, models: str, until=date(2028, 6, 30)) -> dict[str, Any]:
    return {
        "Label": "TCO Certified",
        "Version": "Generation 9",
        "Certificate ID": cert,
        "Scope": "product",
        "Covers": models,
        "Valid from": date(2024, 3, 1),
        "Valid until": until,
    }


def _dossier(reference: str, models: str) -> dict[str, Any]:
    """Other means of proof (Art. 44(2)): no certificate, a technical dossier offered instead."""
    return {
        "Label": "Technical dossier",
        "Scope": "product",
        "Covers": models,
        "Claimed as equivalent to": "TCO Certified",
        "Evidence": reference,
    }


def _factories(model: str, city: str, display: bool = False) -> list[dict[str, Any]]:
    panel = {
        "Model": model,
        "Tier": "component",
        "Component": "display",
        "Factory name": "Lumen Panels Ltd.",
        "Country": "TW",
        "City": "Taichung",
        "Address": "55 Science Park Road",
        "Last social audit": date(2023, 3, 20),
        "Audit scheme": "RBA VAP",
    }
    return ([panel] if display else []) + [
        {
            "Model": model,
            "Tier": "final assembly",
            "Factory name": f"{city} Assembly Plant 2",
            "Country": "CN",
            "City": city,
            "Address": "18 Industrial Road",
            "Last social audit": date(2025, 11, 4),
            "Audit scheme": "RBA VAP",
        },
        {
            "Model": model,
            "Tier": "component",
            "Component": "battery",
            "Factory name": "Volta Cells Co.",
            "Country": "VN",
            "City": "Hai Phong",
            "Address": "7 Trang Due Park",
        },
    ]


def sample_bids() -> dict[str, dict[str, Any]]:
    """File name -> write_bid arguments (or raw bytes for the file that is not a workbook)."""
    green_nb = _item("Ecotek", "EcoBook 14 G3", "4006381333931", 989.00, 5, 7, 7, "Yes", 14.5, 55, 90)
    green_mon = _item("Ecotek", "ViewGreen 24 Pro", "4006381333948", 189.00, 5, 7, None, None, 22, 60, 90)
    office_nb = _item("Lenvo", "ThinkBook 14 G6", "8712345678906", 899.00, 3, 5, 5, "No", 17, 20, 60)
    office_mon = _item("Lenvo", "ThinkVision S24e", "8712345678913", 159.00, 3, 5, None, None, 25, 15, 60)
    budget_nb = _item("Acme", "Aspire Lite 14", None, 829.00, 3, 3, 4, "No", 19, 0, 40)
    budget_mon = _item("Acme", "AM240 Y", None, 139.00, 3, 3, None, None, 28, 0, 40)
    nordic_nb = _item("Nordtek", "NB 1400 Eco", "7350012345675", 969.00, 4, 7, 6, "Yes", 15.5, 35, 85)
    nordic_mon = _item("Nordtek", "Display 24 Eco", "7350012345682", 175.00, 4, 7, None, None, 23, 30, 85)
    return {
        # The clear winner: labels on everything, long life, take-back.
        "01-greenbyte.xlsx": dict(
            supplier=_supplier(
                "GreenByte Solutions NV",
                "BE0412345678",
                "BE",
                "tenders@greenbyte.example",
                datetime(2026, 10, 14, 9, 30),
            ),
            items=_items(green_nb, green_mon),
            labels=[_tco("TCO-9-EB14-0071", "EcoBook 14 G3"), _tco("TCO-9-VG24-0112", "ViewGreen 24 Pro")],
            factories=_factories("EcoBook 14 G3", "Suzhou", display=True)
            + _factories("ViewGreen 24 Pro", "Xiamen", True),
        ),
        # Cheaper, shorter warranty, label on the notebook only.
        "02-officeline.xlsx": dict(
            supplier=_supplier(
                "Officeline BV",
                "NL812345678B01",
                "NL",
                "bids@officeline.example",
                "2026-10-13T16:05:00+02:00",
                take_back="No",
                ems="EMAS",
            ),
            items=_items(office_nb, office_mon),
            # The register says this certificate expired on 2026-06-30; the bid claims otherwise.
            labels=[
                _tco("TCO-9-TB14-5531", "ThinkBook 14 G6"),
                _dossier("TD-OL-2026-07", "ThinkVision S24e"),
            ],  # decided in reviews.yaml
            factories=_factories("ThinkBook 14 G6", "Chengdu"),
        ),
        # The cheapest compliant bid, with little else.
        "03-budgetit.xlsx": dict(
            supplier=_supplier(
                "BudgetIT SRL",
                "BE0598765432",
                "BE",
                "sales@budgetit.example",
                datetime(2026, 10, 12, 11, 0),
                take_back="No",
                ems="none",
            ),
            items=_items(budget_nb, budget_mon),
            labels=[
                _tco("TCO-9-AL16-7700", "Aspire Lite 14"),  # the register lists it for the Aspire Lite 16
                _dossier("BIT-DOSSIER-AM240", "AM240 Y"),
            ],
        ),  # awaits the committee's review
        # Every number typed as text in the European way; read per the tender's locale (nl-BE).
        "04-datacomma.xlsx": dict(
            supplier=_supplier(
                "Datacomma GmbH", "DE123456789", "DE", "angebote@datacomma.example", "14.10.2026", ems="EMAS"
            ),
            items=_items(
                _item(
                    "Nordtek", "NB 1400 Eco", "7350012345675", "€ 1.019,00", "4,5", "7", "6", "Ja", "15,2", "35 %", "80"
                ),
                _item(
                    "Nordtek", "Display 24 Eco", "7350012345682", "179,50", "4,5", "7", None, None, "23,0", "30 %", "80"
                ),
            ),
            # EU Ecolabel offered as equivalent to TCO Certified: it covers every area the tender names.
            labels=[
                {
                    "Label": "EU Ecolabel",
                    "Certificate ID": "DE/038/0042",
                    "Scope": "product",
                    "Covers": "NB 1400 Eco; Display 24 Eco",
                    "Valid from": "01.01.2025",
                    "Valid until": "31.12.2031",
                    "Claimed as equivalent to": "TCO Certified",
                }
            ],
        ),
        # No registration number and a unit price left empty: rejected, with both reasons.
        "05-incomplete.xlsx": dict(
            supplier={
                k: v
                for k, v in _supplier(
                    "Halfway Systems Ltd", "", "IE", "info@halfway.example", datetime(2026, 10, 14, 8, 0)
                ).items()
                if k != "Registration number"
            },
            items=_items(office_nb | {"Unit price": None}, office_mon),
        ),
        # The same tenderer twice: the later submission stands, the earlier is superseded.
        "06-nordic-first.xlsx": dict(
            supplier=_supplier(
                "Nordic Devices AB", "SE556677889901", "SE", "offers@nordic.example", datetime(2026, 10, 9, 10, 0)
            ),
            items=_items(nordic_nb | {"Unit price": 1029.00}, nordic_mon | {"Unit price": 185.00}),
            labels=[_tco("TCO-9-ND14-8841", "NB 1400 Eco; Display 24 Eco")],
        ),
        "07-nordic-revised.xlsx": dict(
            supplier=_supplier(
                "Nordic Devices AB", "SE 5566778899 01", "SE", "offers@nordic.example", datetime(2026, 10, 14, 17, 45)
            ),
            items=_items(nordic_nb, nordic_mon),
            # A social-only certificate offered for an environmental and social label: not equivalent.
            labels=[
                {
                    "Label": "SA8000",
                    "Certificate ID": "SA8000-CN-2025-1188",
                    "Scope": "facility",
                    "Covers": "Suzhou Assembly Plant 2",
                    "Valid from": date(2025, 3, 1),
                    "Valid until": date(2028, 2, 28),
                    "Claimed as equivalent to": "TCO Certified",
                }
            ],
            factories=_factories("NB 1400 Eco", "Suzhou") + _factories("Display 24 Eco", "Suzhou"),
        ),
        # The lowest price, but refuses the Electronics Watch conditions: excluded.
        "08-lowcost.xlsx": dict(
            supplier=_supplier(
                "LowCost Trading Ltd",
                "GB123456789",
                "GB",
                "sales@lowcost.example",
                datetime(2026, 10, 11, 15, 20),
                ew=("No", "No"),
                take_back="No",
                ems="none",
            ),
            items=_items(budget_nb | {"Unit price": 779.00}, budget_mon | {"Unit price": 129.00}),
        ),
        # Bidder text that looks like formulas: kept and reported as plain text, never executed.
        "09-formula-text.xlsx": dict(
            supplier=_supplier(
                '=HYPERLINK("http://attacker.invalid","Formula Systems")',
                "FR40123456789",
                "FR",
                "contact@formula.example",
                datetime(2026, 10, 13, 10, 0),
                ems="ISO 14001",
            ),
            items=_items(
                office_nb | {"Model": "=cmd|' /C calc'!A0", "Unit price": 919.00}, office_mon | {"Unit price": 165.00}
            ),
            labels=[_tco("TCO-9-TV24-9999", "ThinkVision S24e")],
        ),  # no such certificate in the register
        "10-not-a-workbook.xlsx": b"%PDF-1.4\n% A scanned letter sent instead of the bid workbook.\n",
    }


PANEL_CRITERION = "dd_plan"  # judged in rules/computers-2026-panel.yaml


def sample_panel() -> dict[str, list[list[Any]]]:
    """Score sheets of three evaluators and the lead evaluator's moderation, file name -> rows."""
    c = PANEL_CRITERION
    head = ["Bid", "Criterion", "Score", "Comment"]
    return {
        "eval-a.xlsx": [
            head,
            ["01-greenbyte", c, 4, "Factory list for both models, audit follow-up plan with dates."],
            ["02-officeline", c, 3, None],  # no comment: the rule set requires one
            ["03-budgetit", c, 1, "Generic policy text, no link to the offered models."],
            ["04-datacomma", c, 1, "Plan covers only final assembly."],
            ["07-nordic-revised", c, 3, "Good worker-voice channel; components not covered."],
            ["09-formula-text", c, 2, "Plan names suppliers but no remediation steps."],
        ],
        "eval-b.xlsx": [
            head,
            ["01-greenbyte", c, 5, "Strongest plan: component tiers and remediation budget."],
            ["02-officeline", c, 3, "Adequate, standard RBA references."],
            ["03-budgetit", c, 7, "Typed on a 10-point scale by mistake."],  # out of range 0..5
            ["04-datacomma", c, 4, "Covers final assembly and batteries."],
            ["07-nordic-revised", c, 3, "Solid for final assembly."],
            ["09-formula-text", c, 2, "Thin on remediation."],
        ],
        "eval-c.xlsx": [
            head,
            ["01-greenbyte", c, 4, "Complete and specific."],
            ["02-officeline", c, 2, "Little beyond the RBA code."],
            ["03-budgetit", c, 1, "No plan for the supplied models."],
            ["04-datacomma", c, 5, "Best on transparency: all tiers disclosed."],
            ["07-nordic-revised", c, 3, "Clear escalation steps."],
        ],
        # 09-formula-text not scored: a missing score, never a zero
        "moderation.xlsx": [
            ["Bid", "Criterion", "Score", "Reason", "By"],
            [
                "04-datacomma",
                c,
                3,
                "Scores 1, 4 and 5 discussed: the plan covers final assembly "
                "and batteries but not displays; the panel agreed on 3.",
                "M. Peeters, lead evaluator",
            ],
        ],
    }


def write_panel(folder: Path, sheets: dict[str, list[list[Any]]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in sheets.items():
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "Moderation" if name.startswith("moderation") else "Scores"
        for row in rows:
            append_row(ws, row)
        save_deterministic(wb, folder / name)


def many_bids(folder: Path, count: int, rules: Path, tender_id: str = "MANY-BIDS") -> Path:
    """A tender of `count` distinct bids (the sample's first bid, each with its own registration number and
    price): for the benchmarks and the tests at scale."""
    import yaml

    (folder / "bids").mkdir(parents=True)
    data = yaml.safe_load((TENDER / "tender.yaml").read_text())
    data.update(id=tender_id, rules=str(rules))
    data.pop("received", None)  # the sample's opening record lists the sample's bids, not these
    (folder / "tender.yaml").write_text(yaml.safe_dump(data))
    base = sample_bids()["01-greenbyte.xlsx"]
    for n in range(count):
        spec = deepcopy(base)
        spec["supplier"].update(
            {
                "Tender reference": tender_id,
                "Supplier name": f"Supplier {n:04d} NV",
                "Registration number": f"BE0{400000000 + n}",
            }
        )
        spec["items"][0]["Unit price"] = 900 + n % 400
        write_bid(folder / "bids" / f"bid-{n:04d}.xlsx", **spec)
    return folder


def catalogue_tender(folder: Path, lines: int, rules: Path, tender_id: str = "CATALOGUE") -> Path:
    """A framework tender for accessories, without a fixed list of items, and three bids: one catalogue of
    `lines` item lines (distinct items over a few hundred models) and two ordinary bids. For the benchmarks
    and the tests of catalogue-sized bids."""
    import yaml

    (folder / "bids").mkdir(parents=True)
    data = yaml.safe_load((TENDER / "tender.yaml").read_text())
    data.update(id=tender_id, rules=str(rules))
    data.pop("items", None)
    data.pop("received", None)
    (folder / "tender.yaml").write_text(yaml.safe_dump(data))
    for name in ("01-greenbyte.xlsx", "02-officeline.xlsx"):
        spec = deepcopy(sample_bids()[name])
        spec["supplier"]["Tender reference"] = tender_id
        write_bid(folder / "bids" / name, **spec)
    spec = deepcopy(sample_bids()["01-greenbyte.xlsx"])
    spec["supplier"].update({"Tender reference": tender_id, "Registration number": "BE0499999999"})
    spec["supplier"]["Supplier name"] = "Catalogue Supplies NV"
    base = spec["items"][0]
    catalogue_bid(folder / "bids" / "03-catalogue.xlsx", spec["supplier"], base, lines, spec["labels"])
    return folder


def catalogue_bid(
    path: Path, supplier: dict[str, Any], item: dict[str, Any], lines: int, labels: list[dict[str, Any]] = ()
) -> Path:
    """One bid of `lines` item lines like `item` (each its own item id and price), written by XlsxWriter
    row by row in constant memory: openpyxl would take most of a minute for 50,000 lines."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False})
    book.set_properties({"created": datetime(2026, 10, 1)})
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})

    def put(ws: Any, r: int, values: list[Any]) -> None:
        for c, value in enumerate(values):
            if isinstance(value, datetime):
                ws.write_datetime(r, c, value, stamp)
            elif isinstance(value, date):
                ws.write_datetime(r, c, datetime.combine(value, datetime.min.time()), day)
            elif value is not None:
                ws.write(r, c, value)

    ws = book.add_worksheet("Supplier")
    put(ws, 0, ["Field", "Value"])
    for r, name in enumerate((n for n in SUPPLIER_FIELDS if n in supplier), start=1):
        put(ws, r, [name, supplier[name]])
    ws = book.add_worksheet("Items")
    put(ws, 0, ITEM_COLUMNS)
    for n in range(lines):
        row = item | {"Item": f"CAT-{n:06d}", "Unit price": 10 + (n * 7919) % 5000 / 100, "Quantity": 1 + n % 20}
        put(ws, n + 1, [row.get(c) for c in ITEM_COLUMNS])
    ws = book.add_worksheet("Labels")
    put(ws, 0, LABEL_COLUMNS)
    for r, label in enumerate(labels, start=1):
        put(ws, r, [label.get(c) for c in LABEL_COLUMNS])
    book.close()
    return path


def main() -> None:
    bids = TENDER / "bids"
    bids.mkdir(parents=True, exist_ok=True)
    for old in bids.iterdir():
        old.unlink()
    for name, spec in sample_bids().items():
        path = bids / name
        if isinstance(spec, bytes):
            path.write_bytes(spec)
        else:
            write_bid(path, **deepcopy(spec))
    write_panel(TENDER / "panel", sample_panel())
    print(f"wrote {len(sample_bids())} files to {bids} and {len(sample_panel())} panel score sheets")


if __name__ == "__main__":
    sys.exit(main())
