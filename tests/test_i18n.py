"""Letters and reports in the buyer's language: every message every template and report module can show is
translated in every shipped catalogue, and every template renders in every language."""

import re

import pytest
from conftest import ROOT

from scoring.models import LANGUAGES
from scoring.reports.i18n import LOCALE_DIR, Formats, messages

PLACEHOLDER = re.compile(r"%\([a-z_]+\)s|%%")


def _catalogue(language):
    from babel.messages.pofile import read_po

    with (LOCALE_DIR / language / "LC_MESSAGES" / "tenderscore.po").open("rb") as handle:
        return read_po(handle, locale=language)


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_every_message_is_translated(language):
    wanted = messages()
    catalogue = {m.id: m for m in _catalogue(language) if m.id}
    untranslated = sorted(m for m in wanted if m not in catalogue or not catalogue[m].string)
    assert untranslated == [], f"{language}: {len(untranslated)} untranslated, e.g. {untranslated[:3]} (make messages)"
    fuzzy = sorted(m for m in wanted if catalogue[m].fuzzy)
    assert fuzzy == []
    for message in wanted:
        translated = catalogue[message].string
        assert sorted(PLACEHOLDER.findall(message)) == sorted(PLACEHOLDER.findall(translated)), (message, translated)
    assert set(catalogue) == set(wanted), f"stale messages in {language}: run make messages"


def test_the_template_catalogue_is_up_to_date():
    from babel.messages.pofile import read_po

    with (LOCALE_DIR / "tenderscore.pot").open("rb") as handle:
        pot = {m.id for m in read_po(handle) if m.id}
    assert pot == set(messages()), "scoring/locale/tenderscore.pot is stale: run make messages"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_template_renders_in_every_language(language, sample_evaluation, tmp_path):
    from datetime import date

    import openpyxl

    from scoring.reports.evaluation_xlsx import write_xlsx
    from scoring.reports.letters import letters
    from scoring.reports.report_html import render_html
    from scoring.reports.summary_md import render_summary

    sent = sample_evaluation.tender.letters.model_copy(update={"sent_on": date(2026, 11, 25)})
    evaluation = sample_evaluation.model_copy(
        update={"tender": sample_evaluation.tender.model_copy(update={"language": language, "letters": sent})}
    )
    written = letters(evaluation)
    assert set(written) == {b.bid_id for b in evaluation.bids if not b.superseded}
    summary = render_summary(evaluation)
    html = render_html(evaluation)
    write_xlsx(evaluation, tmp_path / "evaluation.xlsx")
    sheets = openpyxl.load_workbook(tmp_path / "evaluation.xlsx", read_only=True).sheetnames
    expected = {
        "en": ("Award decision", "Evaluation report", "Ranking", "10 December 2026"),
        "nl": ("Gunningsbeslissing", "Beoordelingsverslag", "Rangschikking", "10 december 2026"),
        "fr": ("Décision d’attribution", "Rapport d’évaluation", "Classement", "10 décembre 2026"),
        "de": ("Zuschlagsentscheidung", "Wertungsbericht", "Rangfolge", "10. Dezember 2026"),
    }[language]
    letter, letter_html = written["02-officeline"]
    assert letter.split("\n\n", 1)[1].startswith(f"# {expected[0]}") and f'lang="{language}"' in letter_html
    assert expected[3] in letter  # the end of the standstill, as the language writes dates
    assert summary.startswith(f"# {expected[1]}") and f'lang="{language}"' in html
    assert sheets[0] == expected[2]
    names = {c.id: c.title(language) for c in evaluation.rules.criteria}
    assert names["warranty"] in letter and names["warranty"] in summary  # criteria by the rule set's names


def test_numbers_money_and_dates_follow_the_locale():
    from datetime import date
    from decimal import Decimal as D

    nl, de, en = Formats("nl", "nl-BE"), Formats("de"), Formats("en", "nl-BE")
    spaced = lambda text: text.replace("\xa0", " ")
    assert nl.number(D("163200"), 2) == "163.200,00" and en.number(D("163200"), 2) == "163,200.00"
    assert spaced(nl.money(D("226150"), "EUR")) == "€ 226.150,00" and spaced(de.money(D("226150"), "EUR")) == (
        "226.150,00 €"
    )
    assert spaced(nl.percent(D("0.19"))) == "19,0%" and en.percent(D("0.19")) == "19.0%"
    assert spaced(de.percent(D("0.19"))) == "19,0 %"
    assert de.date(date(2026, 12, 5)) == "5. Dezember 2026" and nl.date(date(2026, 12, 5)) == "5 december 2026"


def test_nothing_in_the_templates_is_left_untranslated_by_hand():
    """Every text of a template goes through gettext: no English words outside {{ _(...) }} and tags."""
    for template in sorted((ROOT / "scoring" / "reports" / "templates").glob("*.j2")):
        text = template.read_text(encoding="utf-8")
        text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", "", text, flags=re.S)  # Jinja
        text = re.sub(r"<style>.*?</style>", "", text, flags=re.S)
        text = re.sub(r"<[^>]+>", "", text)  # tags and attributes
        words = re.findall(r"[A-Za-z]{3,}", text)
        assert set(words) <= {"tenderscore", "SHA", "requests"}, (template.name, words[:10])  # names, a folder
