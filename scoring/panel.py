"""Evaluator panels: judged criteria scored by several evaluators, and their consensus.

Score sheets live in the tender's `panel/` folder: one workbook per evaluator
(the file name is the evaluator's id) with a sheet `Scores` (Bid, Criterion,
Score, Comment), and optionally `moderation.xlsx` with a sheet `Moderation`
(Bid, Criterion, Score, Reason, By) where the lead evaluator sets a moderated
score. Every original score is kept; a missing score is an issue, never a zero.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from scoring.issues import Issue, issue
from scoring.parse import Locale, parse_decimal, parse_text
from scoring.rules import PanelParams, RuleSet

PANEL_FOLDER = "panel"
MODERATION = "moderation"
PLACES = Decimal("0.0001")


class PanelScore(BaseModel):
    model_config = ConfigDict(frozen=True)

    evaluator: str
    score: Decimal
    comment: str | None = None


class Moderation(BaseModel):
    model_config = ConfigDict(frozen=True)

    score: Decimal
    reason: str
    by: str
    computed: Decimal | None  # the consensus the moderation replaced, kept beside it


class PanelOutcome(BaseModel):
    """One bid on one judged criterion: every score, the consensus, and how it was reached."""

    model_config = ConfigDict(frozen=True)

    scores: list[PanelScore]
    method: str
    consensus: Decimal | None
    moderated: Moderation | None = None
    spread: Decimal | None = None
    flagged: bool = False
    missing: list[str] = []  # evaluators who did not score


@dataclass
class RawScore:
    file: str
    row: int
    evaluator: str
    bid: str | None
    criterion: str | None
    score: object
    comment: str | None
    reason: str | None = None
    by: str | None = None


@dataclass
class PanelSheets:
    scores: list[RawScore] = field(default_factory=list)
    moderations: list[RawScore] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # files that could not be read


def read_panel(tender_folder: Path | str) -> PanelSheets:
    """Read every score sheet in panel/; an unreadable sheet is a problem reported, not raised."""
    import openpyxl

    from scoring.template import normalise_heading

    sheets = PanelSheets()
    folder = Path(tender_folder) / PANEL_FOLDER
    if not folder.is_dir():
        return sheets
    for path in sorted(p for p in folder.glob("*.xlsx") if not p.name.startswith(("~$", "."))):
        moderation = path.stem.casefold() == MODERATION
        wanted = "moderation" if moderation else "scores"
        try:
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # a damaged sheet must not stop the evaluation
            sheets.problems.append(f"{path.name} could not be read as a workbook: {exc}")
            continue
        try:
            title = next((t for t in wb.sheetnames if normalise_heading(t) == wanted), None)
            if title is None:
                sheets.problems.append(f"{path.name} has no sheet '{wanted.title()}'.")
                continue
            rows = list(wb[title].iter_rows(values_only=True))
        finally:
            wb.close()
        if not rows:
            continue
        heads = {normalise_heading(h): n for n, h in enumerate(rows[0]) if h is not None}
        get = lambda row, name: row[heads[name]] if name in heads and heads[name] < len(row) else None
        for r, row in enumerate(rows[1:], start=2):
            if all(v in (None, "") for v in row):
                continue
            entry = RawScore(file=path.name, row=r, evaluator=path.stem,
                             bid=parse_text(get(row, "bid")).value, criterion=parse_text(get(row, "criterion")).value,
                             score=get(row, "score"), comment=parse_text(get(row, "comment")).value,
                             reason=parse_text(get(row, "reason")).value, by=parse_text(get(row, "by")).value)
            (sheets.moderations if moderation else sheets.scores).append(entry)
    return sheets


def sheet_warnings(sheets: PanelSheets, rules: RuleSet, bid_ids: list[str]) -> list[str]:
    """What is wrong with the score sheets themselves: unreadable files, rows about no criterion or no bid
    being scored, and second scores by the same evaluator (the first one counts)."""
    criteria = {c.id for c in rules.criteria if c.function == "panel"}
    if not criteria:
        return []
    warnings = list(sheets.problems)
    seen = set()
    for raw in sheets.scores + sheets.moderations:
        if raw.criterion not in criteria:
            warnings.append(f"{raw.file} row {raw.row}: '{raw.criterion}' is not a panel criterion of the rule set.")
        elif raw.bid not in bid_ids:
            warnings.append(f"{raw.file} row {raw.row}: '{raw.bid}' is not a bid being scored; the score is not used.")
        elif (raw.file, raw.bid, raw.criterion) in seen:
            warnings.append(f"{raw.file} row {raw.row}: a second score by {raw.evaluator} for {raw.bid} on "
                            f"{raw.criterion}; the first one counts.")
        seen.add((raw.file, raw.bid, raw.criterion))
    return warnings


def panel_outcomes(sheets: PanelSheets, rules: RuleSet, bid_ids: list[str], locale: Locale
                   ) -> tuple[dict[tuple[str, str], PanelOutcome], dict[str, list[Issue]]]:
    """Outcomes by (bid, criterion) and issues by bid (see sheet_warnings for the sheets themselves)."""
    criteria = {c.id: c.typed_params() for c in rules.criteria if c.function == "panel"}
    issues: dict[str, list[Issue]] = defaultdict(list)
    if not criteria:
        return {}, issues
    accepted: dict[tuple[str, str], list[PanelScore]] = defaultdict(list)
    refused: set[tuple[str, str, str]] = set()  # already explained: not also reported as missing
    first: set[tuple[str, str, str]] = set()  # an evaluator's first row counts, even when it is refused
    for raw in sheets.scores:
        key = _known(raw, criteria, bid_ids)
        if key is None or (*key, raw.evaluator) in first:
            continue
        first.add((*key, raw.evaluator))
        params = criteria[key[1]]
        refused.add((*key, raw.evaluator))
        score = _score(raw, params, locale, issues)
        if score is None:
            continue
        if params.comment_required and not raw.comment:
            issues[raw.bid].append(_issue("panel.comment_missing", raw,
                                          f"{raw.evaluator}'s score {score} on {raw.criterion} has no comment, which "
                                          "this criterion requires; the score is not used."))
            continue
        accepted[key].append(PanelScore(evaluator=raw.evaluator, score=score, comment=raw.comment))
        refused.discard((*key, raw.evaluator))
    moderations: dict[tuple[str, str], RawScore] = {}
    for raw in sheets.moderations:
        key = _known(raw, criteria, bid_ids)
        if key is None:
            continue
        if not raw.reason or not raw.by:
            issues[raw.bid].append(_issue("panel.moderation_incomplete", raw,
                                          f"The moderated score for {raw.bid} on {raw.criterion} needs a reason and "
                                          "who set it; it is not used."))
            continue
        if _score(raw, criteria[key[1]], locale, issues) is not None:
            moderations[key] = raw
    outcomes = {}
    for criterion, params in criteria.items():
        for bid in bid_ids:
            outcomes[(bid, criterion)] = _outcome(bid, criterion, params, accepted[(bid, criterion)],
                                                  moderations.get((bid, criterion)), locale, issues,
                                                  {e for b, c, e in refused if (b, c) == (bid, criterion)})
    return outcomes, issues


def _known(raw: RawScore, criteria: dict, bid_ids: list[str]) -> tuple[str, str] | None:
    return (raw.bid, raw.criterion) if raw.criterion in criteria and raw.bid in bid_ids else None


def _issue(code: str, raw: RawScore, message: str) -> Issue:
    sheet = "Moderation" if raw.evaluator.casefold() == MODERATION else "Scores"
    return issue(code, message, file=raw.file, sheet=sheet, row=raw.row, field="Score")


def _score(raw: RawScore, params: PanelParams, locale: Locale, issues) -> Decimal | None:
    parsed = parse_decimal(raw.score, locale)
    if parsed.value is None:
        what = "no score" if parsed.ok else f"{raw.score!r}, not a number"
        issues[raw.bid].append(_issue("panel.not_a_score", raw, f"{raw.evaluator} gave {what} for {raw.bid} on "
                                                                 f"{raw.criterion}; it is not used."))
        return None
    if not params.minimum <= parsed.value <= params.maximum:
        issues[raw.bid].append(_issue("panel.out_of_range", raw,
                                      f"{raw.evaluator}'s score {parsed.value} for {raw.bid} on {raw.criterion} is "
                                      f"outside {params.minimum}..{params.maximum}; it is not used."))
        return None
    return parsed.value


def _outcome(bid: str, criterion: str, params: PanelParams, scores: list[PanelScore], moderation: RawScore | None,
             locale: Locale, issues, refused: set[str]) -> PanelOutcome:
    scored = {s.evaluator for s in scores}
    missing = [e for e in params.evaluators if e not in scored]
    for evaluator in (e for e in missing if e not in refused):
        issues[bid].append(issue("panel.score_missing", f"{evaluator} has not scored {bid} on {criterion}; the "
                                 "consensus is formed without that score.", file=f"{evaluator}.xlsx",
                                 sheet="Scores", field="Score"))
    values = [s.score for s in scores]
    computed = None
    if values:
        computed = statistics.median(values) if params.consensus == "median" else sum(values) / len(values)
        computed = Decimal(computed).quantize(PLACES, rounding=ROUND_HALF_UP)
    spread = (max(values) - min(values)) if values else None
    flagged = bool(params.max_spread is not None and spread is not None and spread > params.max_spread)
    if flagged:
        listing = ", ".join(f"{s.evaluator} {s.score}" for s in scores)
        issues[bid].append(issue("panel.disagreement", f"Evaluators differ by {spread} on {criterion} ({listing}), "
                                 f"more than the {params.max_spread} the rule set allows: discuss and moderate.",
                                 sheet="Scores", field="Score"))
    moderated = None
    consensus = computed
    if moderation is not None:
        moderated = Moderation(score=parse_decimal(moderation.score, locale).value, reason=moderation.reason,
                               by=moderation.by, computed=computed)
        consensus = moderated.score
    elif params.consensus == "moderated" and values:
        consensus = Decimal(statistics.median(values)).quantize(PLACES, rounding=ROUND_HALF_UP)
        issues[bid].append(issue("panel.moderation_missing", f"{criterion} is to be moderated, but there is no "
                                 f"moderated score for {bid}; the median {consensus} is used meanwhile.",
                                 file=f"{MODERATION}.xlsx", sheet="Moderation", field="Score"))
    return PanelOutcome(scores=scores, method=params.consensus, consensus=consensus, moderated=moderated,
                        spread=spread, flagged=flagged, missing=missing)


def krippendorff_alpha(units: list[list[Decimal]]) -> Decimal | None:
    """Inter-rater agreement (Krippendorff's alpha, interval metric): 1 is full agreement, 0 chance.

    `units` holds, per bid, the scores it received; bids with fewer than two scores are not pairable.
    """
    pairable = [[float(v) for v in u] for u in units if len(u) >= 2]
    values = [v for u in pairable for v in u]
    n = len(values)
    if n < 2:
        return None
    observed = sum(sum((a - b) ** 2 for i, a in enumerate(u) for j, b in enumerate(u) if i != j) / (len(u) - 1)
                   for u in pairable) / n
    expected = sum((a - b) ** 2 for i, a in enumerate(values) for j, b in enumerate(values) if i != j) / (n * (n - 1))
    if expected == 0:
        return None if observed == 0 else Decimal(0)
    return Decimal(repr(1 - observed / expected)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
