"""Value checks on a read bid, as Great Expectations suites built from the template.

One suite per sheet, run in-process on an ephemeral context: the user needs no
GX project. Each expectation carries, in its `meta`, the issue code, severity and
field it stands for, so every failing row becomes one issue a procurer can read.
Great Expectations is imported on first use only: it takes seconds to import.
"""

from __future__ import annotations

import csv
import logging
import os
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from scoring.facts import N_, Clause, Fact, Listing, fact
from scoring.intake.template import (
    FACTORIES,
    ITEMS,
    LABELS,
    SHEETS,
    SUPPLIER,
    Field,
    Kind,
    Sheet,
)
from scoring.issues import Issue, Severity, issue
from scoring.models import ReadResult

ROW = "_row"
BID = "_bid"  # all bids of a tender are checked in one run per sheet; GX costs per run, not per row


@cache
def codelist(name: str) -> tuple[str, ...]:
    with resources.files("scoring.data").joinpath(f"{name}.csv").open(encoding="utf-8") as handle:
        return tuple(sorted(row["Code"] for row in csv.DictReader(handle)))


def _expectations_for(sheet: Sheet) -> list[Any]:
    import great_expectations.expectations as gxe

    out: list[Any] = []
    for f in sheet.fields:
        meta = {"field": f.name}
        if f.required:
            out.append(
                gxe.ExpectColumnValuesToNotBeNull(
                    column=f.name, meta={**meta, "code": "field.missing", "severity": f.required}
                )
            )
        if f.required_unless or f.required_when:
            from great_expectations.expectations.row_conditions import Column

            condition: Any = None
            if f.required_unless:
                condition = Column(f.required_unless).is_null()
            elif f.required_when:
                condition = Column(f.required_when[0]) == f.required_when[1]
            out.append(
                gxe.ExpectColumnValuesToNotBeNull(
                    column=f.name,
                    row_condition=condition,
                    meta={**meta, "code": "field.missing", "severity": "error", "why": f.why},
                )
            )
        if f.minimum is not None or f.maximum is not None:
            out.append(
                gxe.ExpectColumnValuesToBeBetween(
                    column=f.name,
                    min_value=_num(f.minimum),
                    max_value=_num(f.maximum),
                    strict_min=f.strict_minimum,
                    meta={**meta, "code": "field.out_of_range"},
                )
            )
        if f.choices:
            out.append(
                gxe.ExpectColumnValuesToBeInSet(
                    column=f.name, value_set=list(f.choices), meta={**meta, "code": "field.not_allowed"}
                )
            )
        if f.codelist:
            out.append(
                gxe.ExpectColumnValuesToBeInSet(
                    column=f.name, value_set=list(codelist(f.codelist)), meta={**meta, "code": "field.bad_format"}
                )
            )
        if f.pattern:
            out.append(
                gxe.ExpectColumnValuesToMatchRegex(
                    column=f.name, regex=f.pattern, meta={**meta, "code": "field.bad_format"}
                )
            )
    if sheet.unique:
        out.append(
            gxe.ExpectCompoundColumnsToBeUnique(column_list=[BID, *sheet.unique], meta={"code": "table.duplicate_row"})
        )
    return out


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


class _Suites:
    """The ephemeral GX context and one suite and batch definition per sheet, built once."""

    def __init__(self):
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        import great_expectations as gx

        # GX pins this logger to INFO at import; it announces a temporary docs folder on every context.
        logging.getLogger("great_expectations.data_context.types.base").setLevel(logging.WARNING)

        self.context = gx.get_context(mode="ephemeral")
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        source = self.context.data_sources.add_pandas("bid")
        self.batches = {}
        self.suites = {}
        for sheet in SHEETS:
            asset = source.add_dataframe_asset(sheet.name)
            self.batches[sheet.name] = asset.add_batch_definition_whole_dataframe("whole")
            suite = gx.ExpectationSuite(name=sheet.name)
            for expectation in _expectations_for(sheet):
                suite.add_expectation(expectation)
            self.suites[sheet.name] = self.context.suites.add(suite)

    def validate(self, sheet: Sheet, frame):
        batch = self.batches[sheet.name].get_batch(batch_parameters={"dataframe": frame})
        return batch.validate(
            self.suites[sheet.name],
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [BID, ROW]},
        )


@cache
def _suites() -> _Suites:
    return _Suites()


def _cell(value: Any) -> Any:
    kind = type(value)
    if kind is Decimal:
        return float(value)  # checks compare against bounds; exact values stay in the Bid
    if kind is list:
        return "; ".join(value)
    return value


def _frame(sheet: Sheet, records: list[dict[str, Any]]):
    import pandas as pd

    columns = [BID, ROW] + [f.name for f in sheet.fields]
    converted = {f.name for f in sheet.fields if f.kind in (Kind.DECIMAL, Kind.LIST)}
    data = {  # column by column; only decimal and list columns need converting
        c: [_cell(r.get(c)) for r in records] if c in converted else [r.get(c) for r in records] for c in columns
    }
    return pd.DataFrame(data, columns=columns, dtype=object)


def validate_values(read: ReadResult) -> list[Issue]:
    """The value checks of one bid (see validate_many)."""
    return validate_many([read]).get(read.file, [])


def validate_many(reads: list[ReadResult]) -> dict[str, list[Issue]]:
    """Run the four suites on the read bids and turn each failing row into an issue, by file.

    Issues name fields by their heading in each bid's template, and Supplier
    fields by the worksheet row they stand on.
    """
    bids = {r.file: r for r in reads if r.bid is not None}
    out: dict[str, list[Issue]] = {file: [] for file in bids}
    if not bids:
        return out
    tables: dict[str, list[dict[str, Any]]] = {sheet.name: [] for sheet in SHEETS}
    for file, read in bids.items():
        bid = read.opened
        if SUPPLIER.name in read.headings:  # a missing sheet is one issue already, not one per field
            tables[SUPPLIER.name].append({BID: file, ROW: 0, **bid.supplier.model_dump()})
        # The rows' own fields (flat values: a pydantic model keeps them in its __dict__), not model_dump(),
        # which costs more than the checks on a catalogue of 50,000 lines.
        tables[ITEMS.name] += [vars(i) | {BID: file, ROW: i.row} for i in bid.items]
        tables[LABELS.name] += [vars(c) | {BID: file, ROW: c.row} for c in bid.labels]
        tables[FACTORIES.name] += [vars(f) | {BID: file, ROW: f.row} for f in bid.factories]
        if len(bid.items) < ITEMS.min_rows and ITEMS.name in read.headings:
            out[file].append(
                issue(
                    "table.empty",
                    fact(
                        N_("The sheet '%(sheet)s' lists no items; at least %(minimum)s is required."),
                        sheet=ITEMS.name,
                        minimum=ITEMS.min_rows,
                    ),
                    file=file,
                    sheet=ITEMS.name,
                )
            )
    suites = _suites()
    for sheet in SHEETS:
        if not tables[sheet.name]:
            continue
        result = suites.validate(sheet, _frame(sheet, tables[sheet.name]))
        for outcome in result.results:
            if outcome.success:
                continue
            for hit in outcome.result.get("unexpected_index_list") or []:
                read = bids[hit[BID]]
                headings = read.headings.get(sheet.name, {f.name: f.heading for f in sheet.fields})
                out[read.file].append(_issue_from(read.file, sheet, outcome, hit, headings, read.supplier_rows))
    return out


def _issue_from(
    file: str, sheet: Sheet, outcome, hit: dict, headings: dict[str, str], supplier_rows: dict[str, int]
) -> Issue:
    meta = outcome.expectation_config.meta or {}
    code = meta["code"]
    if code == "table.duplicate_row":
        cols = Listing(tuple(headings[c] for c in sheet.unique), fact(N_(" and ")))
        return issue(
            code,
            fact(
                N_("The same %(columns)s (%(values)s) appears on more than one row."),
                columns=cols,
                values=", ".join(str(hit[c]) for c in sheet.unique),
            ),
            file=file,
            sheet=sheet.name,
            row=int(hit[ROW]),
            field=headings[sheet.unique[-1]],
        )
    f = next(f for f in sheet.fields if f.name == meta["field"])
    heading = headings[f.name]
    severity = Severity(meta.get("severity", "error"))
    message = _message(code, f, heading, hit.get(f.name), severity)
    if meta.get("why"):
        message = fact(N_("%(message)s: %(why)s."), message=Clause(message), why=fact(meta["why"]))
    return issue(
        code,
        message,
        file=file,
        sheet=sheet.name,
        row=int(hit[ROW]) or supplier_rows.get(f.name),
        field=heading,
        severity=severity,
    )


def _message(code: str, f: Field, heading: str, value: Any, severity: Severity) -> Fact:
    shown = _shown(value)
    if code == "field.missing":
        if severity is Severity.ERROR:
            return fact(N_("%(heading)s: a value is required."), heading=heading)
        return fact(N_("%(heading)s: not stated; criteria that use it score no points for it."), heading=heading)
    if code == "field.out_of_range":
        bounds = []
        if f.minimum is not None:
            bounds.append(fact(N_("more than %(n)s") if f.strict_minimum else N_("at least %(n)s"), n=str(f.minimum)))
        if f.maximum is not None:
            bounds.append(fact(N_("at most %(n)s"), n=str(f.maximum)))
        return fact(
            N_("%(heading)s: %(value)s is not allowed; it must be %(bounds)s."),
            heading=heading,
            value=shown,
            bounds=Listing(tuple(bounds), fact(N_(" and "))),
        )
    if code == "field.not_allowed":
        return fact(
            N_("%(heading)s: %(value)s is not allowed; use one of: %(choices)s."),
            heading=heading,
            value=shown,
            choices=", ".join(f.choices),
        )
    if f.codelist == "countries":
        return fact(
            N_("%(heading)s: %(value)s is not an ISO 3166-1 alpha-2 country code (e.g. BE, DE, CN)."),
            heading=heading,
            value=shown,
        )
    return fact(
        N_("%(heading)s: %(value)s is not %(expected)s."), heading=heading, value=shown, expected=fact(f.pattern_hint)
    )


def _shown(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return repr(value) if isinstance(value, str) else str(value)
