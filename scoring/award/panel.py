"""Evaluator panels: the consensus of several evaluators' scores on a judged criterion.

Score sheets live in the tender's `panel/` folder: one workbook per evaluator
(the file name is the evaluator's id) with a sheet `Scores` (Bid, Criterion,
Score, Comment), and optionally `moderation.xlsx` with a sheet `Moderation`
(Bid, Criterion, Score, Reason, By) where the lead evaluator sets a moderated
score. Every original score is kept; a missing score is an issue, never a zero.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from scoring.award.results import Moderation, PanelOutcome, PanelScore
from scoring.facts import N_, Fact, Listing, Written, fact
from scoring.intake.panel_sheets import MODERATION, PanelSheets, RawScore
from scoring.intake.parse import Locale, parse_decimal
from scoring.issues import Issue, issue
from scoring.rules.functions import PanelParams
from scoring.rules.schema import RuleSet

PLACES = Decimal("0.0001")


def sheet_warnings(sheets: PanelSheets, rules: RuleSet, bid_ids: list[str]) -> list[Fact]:
    """What is wrong with the score sheets themselves: unreadable files, rows about no criterion or no bid
    being scored, and second scores by the same evaluator (the first one counts)."""
    criteria = {c.id for c in rules.criteria if c.kernel.judged}
    if not criteria:
        return []
    warnings = list(sheets.problems)
    seen = set()
    for raw in sheets.scores + sheets.moderations:
        if raw.criterion not in criteria:
            warnings.append(
                fact(
                    N_("%(file)s row %(row)s: '%(criterion)s' is not a panel criterion of the rule set."),
                    file=raw.file,
                    row=raw.row,
                    criterion=raw.criterion,
                )
            )
        elif raw.bid not in bid_ids:
            warnings.append(
                fact(
                    N_("%(file)s row %(row)s: '%(bid)s' is not a bid being scored; the score is not used."),
                    file=raw.file,
                    row=raw.row,
                    bid=raw.bid,
                )
            )
        elif (raw.file, raw.bid, raw.criterion) in seen:
            warnings.append(
                fact(
                    N_(
                        "%(file)s row %(row)s: a second score by %(evaluator)s for %(bid)s on %(criterion)s; the "
                        "first one counts."
                    ),
                    file=raw.file,
                    row=raw.row,
                    evaluator=raw.evaluator,
                    bid=raw.bid,
                    criterion=raw.criterion,
                )
            )
        seen.add((raw.file, raw.bid, raw.criterion))
    return warnings


def panel_outcomes(
    sheets: PanelSheets, rules: RuleSet, bid_ids: list[str], locale: Locale
) -> tuple[dict[tuple[str, str], PanelOutcome], dict[str, list[Issue]]]:
    """Outcomes by (bid, criterion) and issues by bid (see sheet_warnings for the sheets themselves)."""
    criteria = {c.id: c.params for c in rules.criteria if c.kernel.judged}
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
            issues[key[0]].append(
                _issue(
                    "panel.comment_missing",
                    raw,
                    fact(
                        N_(
                            "%(evaluator)s's score %(score)s on %(criterion)s has no comment, which this criterion "
                            "requires; the score is not used."
                        ),
                        evaluator=raw.evaluator,
                        score=Written(score),
                        criterion=raw.criterion,
                    ),
                )
            )
            continue
        accepted[key].append(PanelScore(evaluator=raw.evaluator, score=score, comment=raw.comment))
        refused.discard((*key, raw.evaluator))
    moderations: dict[tuple[str, str], RawScore] = {}
    for raw in sheets.moderations:
        key = _known(raw, criteria, bid_ids)
        if key is None:
            continue
        if not raw.reason or not raw.by:
            issues[key[0]].append(
                _issue(
                    "panel.moderation_incomplete",
                    raw,
                    fact(
                        N_(
                            "The moderated score for %(bid)s on %(criterion)s needs a reason and who set it; it is "
                            "not used."
                        ),
                        bid=raw.bid,
                        criterion=raw.criterion,
                    ),
                )
            )
            continue
        if _score(raw, criteria[key[1]], locale, issues) is not None:
            moderations[key] = raw
    outcomes = {}
    for criterion, params in criteria.items():
        for bid in bid_ids:
            outcomes[(bid, criterion)] = _outcome(
                bid,
                criterion,
                params,
                accepted[(bid, criterion)],
                moderations.get((bid, criterion)),
                locale,
                issues,
                {e for b, c, e in refused if (b, c) == (bid, criterion)},
            )
    return outcomes, issues


def _known(raw: RawScore, criteria: dict, bid_ids: list[str]) -> tuple[str, str] | None:
    if raw.bid is None or raw.criterion is None:
        return None
    return (raw.bid, raw.criterion) if raw.criterion in criteria and raw.bid in bid_ids else None


def _issue(code: str, raw: RawScore, message: Fact) -> Issue:
    sheet = "Moderation" if raw.evaluator.casefold() == MODERATION else "Scores"
    return issue(code, message, file=raw.file, sheet=sheet, row=raw.row, field="Score")


def _score(raw: RawScore, params: PanelParams, locale: Locale, issues) -> Decimal | None:
    parsed = parse_decimal(raw.score, locale)
    if parsed.value is None:
        what = fact(N_("no score")) if parsed.ok else fact(N_("%(score)s, not a number"), score=repr(raw.score))
        issues[raw.bid].append(
            _issue(
                "panel.not_a_score",
                raw,
                fact(
                    N_("%(evaluator)s gave %(what)s for %(bid)s on %(criterion)s; it is not used."),
                    evaluator=raw.evaluator,
                    what=what,
                    bid=raw.bid,
                    criterion=raw.criterion,
                ),
            )
        )
        return None
    if not params.minimum <= parsed.value <= params.maximum:
        issues[raw.bid].append(
            _issue(
                "panel.out_of_range",
                raw,
                fact(
                    N_(
                        "%(evaluator)s's score %(score)s for %(bid)s on %(criterion)s is outside "
                        "%(minimum)s..%(maximum)s; it is not used."
                    ),
                    evaluator=raw.evaluator,
                    score=Written(parsed.value),
                    bid=raw.bid,
                    criterion=raw.criterion,
                    minimum=Written(params.minimum),
                    maximum=Written(params.maximum),
                ),
            )
        )
        return None
    return parsed.value


def _outcome(
    bid: str,
    criterion: str,
    params: PanelParams,
    scores: list[PanelScore],
    moderation: RawScore | None,
    locale: Locale,
    issues,
    refused: set[str],
) -> PanelOutcome:
    scored = {s.evaluator for s in scores}
    missing = [e for e in params.evaluators if e not in scored]
    for evaluator in (e for e in missing if e not in refused):
        issues[bid].append(
            issue(
                "panel.score_missing",
                fact(
                    N_(
                        "%(evaluator)s has not scored %(bid)s on %(criterion)s; the consensus is formed without that "
                        "score."
                    ),
                    evaluator=evaluator,
                    bid=bid,
                    criterion=criterion,
                ),
                file=f"{evaluator}.xlsx",
                sheet="Scores",
                field="Score",
            )
        )
    values = [s.score for s in scores]
    computed = None
    if values:
        computed = statistics.median(values) if params.consensus == "median" else sum(values) / len(values)
        computed = Decimal(computed).quantize(PLACES, rounding=ROUND_HALF_UP)
    spread = (max(values) - min(values)) if values else None
    flagged = bool(params.max_spread is not None and spread is not None and spread > params.max_spread)
    if flagged:
        listing = Listing(
            tuple(fact("%(evaluator)s %(score)s", evaluator=s.evaluator, score=Written(s.score)) for s in scores)
        )
        issues[bid].append(
            issue(
                "panel.disagreement",
                fact(
                    N_(
                        "Evaluators differ by %(spread)s on %(criterion)s (%(scores)s), more than the %(allowed)s "
                        "the rule set allows: discuss and moderate."
                    ),
                    spread=Written(spread or Decimal(0)),
                    criterion=criterion,
                    scores=listing,
                    allowed=Written(params.max_spread or Decimal(0)),
                ),
                sheet="Scores",
                field="Score",
            )
        )
    moderated = None
    consensus = computed
    if moderation is not None:
        moderated = Moderation(
            score=parse_decimal(moderation.score, locale).value,
            reason=moderation.reason,
            by=moderation.by,
            computed=computed,
        )
        consensus = moderated.score
    elif params.consensus == "moderated" and values:
        consensus = Decimal(statistics.median(values)).quantize(PLACES, rounding=ROUND_HALF_UP)
        issues[bid].append(
            issue(
                "panel.moderation_missing",
                fact(
                    N_(
                        "%(criterion)s is to be moderated, but there is no moderated score for %(bid)s; the median "
                        "%(consensus)s is used meanwhile."
                    ),
                    criterion=criterion,
                    bid=bid,
                    consensus=Written(consensus),
                ),
                file=f"{MODERATION}.xlsx",
                sheet="Moderation",
                field="Score",
            )
        )
    return PanelOutcome(
        scores=scores,
        method=params.consensus,
        consensus=consensus,
        moderated=moderated,
        spread=spread,
        flagged=flagged,
        missing=missing,
    )
