"""summary.md: the committee report in Markdown, in the buyer's language (templates/summary.md.j2)."""

from __future__ import annotations

from scoring.award.results import Evaluation
from scoring.reports.committee import committee_view
from scoring.reports.i18n import render


def render_summary(evaluation: Evaluation, language: str | None = None) -> str:
    language = language or evaluation.tender.language
    return render("summary.md.j2", language, **committee_view(evaluation, None, language).context())
