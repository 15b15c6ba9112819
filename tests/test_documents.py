"""Every document that leaves the committee can be sent as it is (issue 22), read as a practitioner reads them:
each letter and clarification request, of the sample and of a two-lot tender, in en, nl, fr and de, with no
word of another language once the bidders' and the buyer's own data are set apart; addressed, dated, under
the buyer's law; drafts while anything is open, and saying what."""

from __future__ import annotations

import csv
import json
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, SAMPLE_TENDER, decided_sample, rules_data, sample_spec

from scoring.award.results import Status
from scoring.pipeline import evaluate, prepare, read_bid
from scoring.reports.clarifications import render_request, to_request
from scoring.reports.letters import letters
from scoring.reports.summary_md import render_summary

LANGUAGES = ("en", "nl", "fr", "de")
# Words that mark a language and are no word of the other three ("of" is Dutch too, "die" Dutch, "des" German).
MARKS = {
    "en": {
        "the",
        "and",
        "your",
        "with",
        "which",
        "has",
        "been",
        "from",
        "this",
        "not",
        "are",
        "for",
        "by",
        "to",
        "that",
        "must",
        "will",
        "tender",
        "tenderer",
        "decision",
        "contract",
        "period",
        "within",
    },
    "nl": {
        "het",
        "een",
        "uw",
        "niet",
        "wordt",
        "voor",
        "zijn",
        "deze",
        "naar",
        "bij",
        "werd",
        "moet",
        "ook",
        "wij",
        "offerte",
        "inschrijver",
        "beslissing",
        "opdracht",
        "termijn",
    },
    "fr": {
        "le",
        "les",
        "votre",
        "est",
        "pour",
        "avec",
        "dans",
        "une",
        "pas",
        "été",
        "sur",
        "du",
        "au",
        "aux",
        "qui",
        "offre",
        "soumissionnaire",
        "décision",
        "marché",
        "délai",
    },
    "de": {
        "der",
        "das",
        "und",
        "nicht",
        "ihr",
        "ihre",
        "wurde",
        "für",
        "mit",
        "eine",
        "ist",
        "dem",
        "zum",
        "zur",
        "wird",
        "auf",
        "ein",
        "angebot",
        "bieter",
        "entscheidung",
        "auftrag",
        "frist",
    },
}


def own_data(folder: Path, evaluation) -> list[str]:
    """What the bidders, the buyer and the registers wrote, which a document quotes as written: set apart
    before its words are judged."""
    prepared = prepare(folder)
    found: set[str] = set()
    for texts in (_bidders(prepared, evaluation), _buyer(prepared.tender, folder), _references(evaluation)):
        found |= {t.strip() for t in texts if isinstance(t, str) and t.strip()}
    return sorted(found, key=len, reverse=True)


def _bidders(prepared, evaluation) -> list:
    out: list = []
    for entry in prepared.entries:
        read = read_bid(entry, prepared.tender, files=prepared.files)
        out += [entry.name, entry.bid_id, read.bid_id]
        if read.bid is not None:
            s = read.bid.supplier
            out += [s.name, s.registration_number, s.email, s.environmental_management]
            for row in (*read.bid.items, *read.bid.labels, *read.bid.factories):
                for v in row.model_dump().values():
                    out += v if isinstance(v, list) else [v]
    for b in evaluation.bids:
        out += [b.supplier, b.tenderer, b.registration_number, b.file]
    return out


def _buyer(t, folder: Path) -> list:
    out = [t.id, t.procedure.notice, t.letters.contact, t.letters.signatory.name if t.letters.signatory else None]
    out += [x for m in t.committee for x in (m.name, m.note)]
    p = t.proceedings
    out += [m.subject for m in p.meetings] + [c.note for c in p.checks] + [e.note for e in p.price_examinations]
    reviews = folder / "reviews.yaml"
    if reviews.is_file():
        out += [x for d in yaml.safe_load(reviews.read_text())["decisions"] for x in (d["reason"], d["by"], d["claim"])]
    return out


def _references(evaluation) -> list:
    """Registers, catalogue and template names, and proper names the documents cite as they are."""
    from scoring.intake.template import SHEETS

    out: list = []
    for register in (ROOT / "rules" / "registers").glob("*.csv"):
        with register.open(newline="") as handle:
            for row in csv.DictReader(handle):
                out += [row["holder"], row["brand"], *row["models"].split(";"), row["certificate_id"]]
    catalogue = yaml.safe_load((ROOT / "rules" / "labels.yaml").read_text())
    out += [s.get("name") for s in catalogue.get("schemes", [])]
    out += [s.name for s in SHEETS] + [f.heading for s in SHEETS for f in s.fields]
    return out + ["Electronics Watch", "ISO 14001", "EMAS", "ESPD", "Art", "EUR", "SHA-256", evaluation.rules.id]


def foreign_words(text: str, language: str, data: list[str]) -> set[str]:
    """The words of another language a text holds, its quoted data set apart."""
    for value in data:  # as whole words: the heading "Model" is not in "Modelle"
        text = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", " ", text)
    # hashes, run ids, file names, code spans and stable codes (file.not_workbook) are no language's words
    text = re.sub(r"[0-9a-f]{64}|[0-9a-f-]{36}|\S+\.(xlsx|ods|xls|yaml|csv|md)\b|`[^`]*`", " ", text)
    text = re.sub(r"\b[a-z]+(?:_[a-z]+)*\.[a-z]+(?:_[a-z]+)*\b", " ", text)
    words = {w.casefold() for w in re.findall(r"[^\W\d_]+", text)}
    others = set().union(*(m for lang, m in MARKS.items() if lang != language)) - MARKS[language]
    return words & others


@pytest.fixture(scope="module")
def decided(tmp_path_factory):
    folder = decided_sample(tmp_path_factory.mktemp("docs"))
    [evaluation] = evaluate(folder)
    return folder, evaluation


@pytest.fixture(scope="module")
def two_lots(tmp_path_factory):
    """A tender in two lots (notebooks, monitors): one tenderer in both, one in lot 2 only, a formal slip."""
    from conftest import TenderBuilder

    root = tmp_path_factory.mktemp("lots")
    rules = rules_data()
    rules["lots"] = "separate"
    path = root / "per-lot.yaml"
    path.write_text(yaml.safe_dump(rules, sort_keys=False, allow_unicode=True))
    both = sample_spec("01-greenbyte.xlsx")
    for item in both["items"]:
        item["Lot"] = "1" if item["Item"] == "NB-14" else "2"
    monitors = sample_spec("02-officeline.xlsx")
    monitors["items"] = [dict(i, Lot="2") for i in monitors["items"] if i["Item"] == "MON-24"]
    monitors["supplier"]["Contact email"] = "bids(at)officeline"  # a formal slip: a clarification request
    items = [
        {"lot": "1", "item": "NB-14", "description": "14-inch notebook", "quantity": 200},
        {"lot": "2", "item": "MON-24", "description": "24-inch monitor", "quantity": 150},
    ]
    folder = TenderBuilder(root)({"a-both.xlsx": both, "b-monitors.xlsx": monitors}, items=items, rules=str(path))
    shutil.copy(SAMPLE_TENDER / "committee.yaml", folder / "committee.yaml")
    return folder, evaluate(folder)


def in_language(evaluation, language: str):
    """The same tender as if it were written in `language`: its title and buyer in it, the English aside."""
    t = evaluation.tender
    title, buyer = t.title_in(language) or t.title, t.buyer_in(language) or t.buyer
    titles = {**t.titles, t.language: t.title}
    buyers = {**t.buyers, t.language: t.buyer}
    tender = t.model_copy(
        update={"language": language, "title": title, "buyer": buyer, "titles": titles, "buyers": buyers}
    )
    return evaluation.model_copy(update={"tender": tender})


def documents(evaluation, language: str) -> dict[str, str]:
    """Every letter and clarification request of an evaluation, in Markdown, in a language."""
    e = in_language(evaluation, language)
    out = {f"letter {bid}": md for bid, (md, _html) in letters(e).items()}
    out |= {f"request {b.bid_id}": render_request(e, b, language)[0] for b in to_request(e)}
    return out


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_letter_and_request_is_in_its_language_alone(language, decided, two_lots):
    cases = [(decided[0], decided[1])] + [(two_lots[0], e) for e in two_lots[1]]
    seen_requests = 0
    for folder, evaluation in cases:
        data = own_data(folder, evaluation)
        for name, text in documents(evaluation, language).items():
            assert foreign_words(text, language, data) == set(), f"{evaluation.lot or 'tender'}: {name}"
            seen_requests += name.startswith("request")
    assert seen_requests >= 1  # a clarification request was read too
    # and the committee report in the language, though the committee's and the bidders' own words are theirs
    report = render_summary(in_language(decided[1], language))
    assert foreign_words(report, language, own_data(decided[0], decided[1])) == set()


def test_the_letters_of_every_kind_are_there(decided):
    _folder, evaluation = decided
    written = letters(evaluation)
    kinds = {b.bid_id: b for b in evaluation.bids}
    assert set(written) == {b for b in kinds if not kinds[b].superseded}  # one per tenderer
    says = {bid: md for bid, (md, _html) in written.items()}
    assert "has decided to award the contract to you" in says["01-greenbyte"]
    assert "Your tender is ranked" in says["02-officeline"]
    assert "does not comply with the requirements" in says["08-lowcost"]  # excluded by a knock-out
    assert "Your tender is irregular" in says["05-incomplete"]  # rejected on the substance of the offer
    assert "NB-14 (200 × notebook): Unit price: a value is required" in says["05-incomplete"]  # its own terms
    assert "Your tender could not be read" in says["10-not-a-workbook"]
    assert "| To | Paper Trail Ltd |" in says["10-not-a-workbook"]  # as the opening record names the tenderer
    assert "06-nordic-first.xlsx" in says["07-nordic-revised"]  # the submission it replaces
    assert "Formula Systems BV" in says["09-formula-text"] and "=HYPERLINK" in says["09-formula-text"]
    for md in says.values():
        assert not md.startswith("**DRAFT")  # nothing open
        assert "evaluation report" not in md  # no pointer to a document the tenderer never receives
        assert "25 November 2026" in md and "10 December 2026" in md  # dated; Belgian standstill: 15 days
        assert "11 December 2026" in md  # the earliest day to sign
        assert "Art. 11 of the Belgian law of 17 June 2013" in md and "within 30 days" in md  # annulment
    assert "“The dossier shows no independent test" in says["03-budgetit"]  # the committee's words, quoted


def test_the_sample_letters_are_drafts_until_its_review_is_decided(sample_evaluation, decided):
    md, html = letters(sample_evaluation)["02-officeline"]
    first = md.splitlines()[0]
    assert first.startswith("**DRAFT, not to be sent:**")
    assert "claim BIT-DOSSIER-AM240 of 03-budgetit awaits the committee's review" in first
    assert "A. Janssens has not signed the evaluation report" in first and "C. Lambert" not in first
    assert '<p class="draft" id="draft">' in html
    assert not letters(decided[1])["02-officeline"][0].startswith("**DRAFT")


def test_a_text_missing_in_the_letters_language_keeps_them_drafts_and_says_which(decided):
    _folder, evaluation = decided
    body = evaluation.tender.letters.review_body.model_copy(update={"how": "Only in English."})
    tender = evaluation.tender.model_copy(
        update={"letters": evaluation.tender.letters.model_copy(update={"review_body": body}), "titles": {}}
    )
    md = letters(evaluation.model_copy(update={"tender": tender}), "de")["02-officeline"][0]
    first = md.splitlines()[0]
    assert first.startswith("**ENTWURF")
    assert "letters.review_body.how" in first and "titles:" in first
    english = letters(evaluation.model_copy(update={"tender": tender}), "en")["02-officeline"][0]
    assert not english.startswith("**DRAFT")  # the tender's own language has every text


def test_a_letter_dated_before_the_evaluation_is_a_draft(decided):
    md = letters(decided[1], today=date(2026, 12, 2))["01-greenbyte"][0]
    assert md.startswith("**DRAFT") and "dated 25 November 2026, before this evaluation" in md.splitlines()[0]


def test_clarification_requests_are_dated_with_a_reply_day_and_go_only_where_an_answer_counts(decided, two_lots):
    _folder, evaluation = decided
    assert "05-incomplete" not in [b.bid_id for b in to_request(evaluation)]  # rejected on substance
    assert "No request was sent to 05-incomplete" in render_summary(evaluation)
    _folder, (_lot1, lot2) = two_lots
    [asked] = to_request(lot2)
    assert asked.bid_id == "b-monitors" and asked.status is Status.RANKED
    md, _html = render_request(lot2, asked, "nl")
    assert md.startswith("**ONTWERP") and "niet gedateerd" in md  # not dated yet: a draft
    t = lot2.tender
    dated = t.model_copy(update={"clarifications": t.clarifications.model_copy(update={"sent_on": date(2026, 12, 18)})})
    md, html = render_request(lot2.model_copy(update={"tender": dated}), asked, "nl")
    assert not md.startswith("**ONTWERP") and "erduidelijking" in md.splitlines()[0]
    assert "18 december 2026" in md
    assert "28 december 2026" in md  # 7 days from 18 December is Christmas, then a weekend: Monday 28 in Belgium
    assert "procurement@example.city" in md and "M. Peeters" in md and "bids(at)officeline" in md
    assert "afgewezen" not in md and "rejected" not in md  # a request never announces the decision
    assert '<html lang="nl">' in html


def test_the_committee_report_is_the_record_the_committee_signs(decided):
    _folder, evaluation = decided
    summary = render_summary(evaluation)
    assert "## Meetings" in summary and "## Exclusion grounds and selection criteria" in summary
    assert "## Abnormally low prices (Art. 69)" in summary and "explanation accepted" in summary
    assert "The committee proposes to the Board of Mayor and Aldermen to award the contract to GreenByte" in summary
    assert "ends on 10 December 2026" in summary and "may be signed from 11 December 2026" in summary
    assert "C. Lambert, member: stood aside (conflict of interest declared); does not sign" in summary
    assert "A. Janssens, chair: signed on 24 November 2026" in summary
    assert "lint." not in summary and "reviews.yaml" not in summary  # working notes are not the record
    assert "Date of this report | 24 November 2026" in summary


def test_lots_keep_their_own_claims_and_decisions(two_lots):
    _folder, evaluations = two_lots
    lot1, lot2 = evaluations
    both1 = next(b for b in lot1.bids if b.bid_id == "a-both")
    both2 = next(b for b in lot2.bids if b.bid_id == "a-both")
    # the notebook's certificate is not a verdict on the monitors' lot, nor the monitor's on the notebooks'
    assert "TCO-9-VG24-0112" not in [c.certificate_id for c in both1.claims]
    assert "TCO-9-EB14-0071" not in [c.certificate_id for c in both2.claims]
    assert all(c.reason_code != "certificate.model_not_covered" for c in both1.claims + both2.claims)
    assert lot1.unapplied == [] and lot2.unapplied == []  # the sample's decision is on a bid of no lot here


def test_a_scenario_never_writes_over_the_official_reports(tmp_path):
    from scoring.audit.ledger import Ledger
    from scoring.pipeline import run

    folder = decided_sample(tmp_path, sent_on=None)
    ledger = Ledger(f"sqlite:///{tmp_path / 'l.sqlite'}")
    out = tmp_path / "out"
    run(folder, ledger=ledger, out_dir=out)
    official = (out / "letters" / "01-greenbyte.md").read_text()
    [scenario] = run(folder, ROOT / "rules" / "computers-2026-ratio.yaml", ledger=ledger, out_dir=out)
    assert scenario.kind.value == "scenario"
    assert (out / "letters" / "01-greenbyte.md").read_text() == official
    assert (out / "scenarios" / scenario.run_id[:8] / "evaluation.json").is_file()
    # A second what-if is compared with the official run, not with the first what-if.
    [again] = run(folder, ROOT / "rules" / "computers-2026-ratio.yaml", ledger=ledger, out_dir=out)
    first = json.loads((out / "evaluation.json").read_text())["run_id"]
    diff = json.loads((out / "scenarios" / again.run_id[:8] / "diff.json").read_text())
    assert diff["previous_run_id"] == first != scenario.run_id
    assert diff["changes"]  # the ratio rules moved points against the official run
    ledger.engine.dispose()


@pytest.mark.slow
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_letters_read_in_a_browser_are_in_their_language(language, decided, tmp_path):
    from browser import CHROMIUM, Browser

    assert CHROMIUM, "chromium is not installed: `make test` installs it"
    folder, evaluation = decided
    e = in_language(evaluation, language)
    data = own_data(folder, evaluation)
    browser = Browser()
    try:
        pages = {f"letter-{b}.html": html for b, (_md, html) in letters(e).items()}
        pages |= {f"request-{b.bid_id}.html": render_request(e, b, language)[1] for b in to_request(e)}
        for name, html in pages.items():
            path = tmp_path / name
            path.write_text(html, encoding="utf-8")
            text = browser.evaluate(path.as_uri(), "document.body.innerText")
            assert text.strip() and browser.evaluate(path.as_uri(), "document.documentElement.lang") == language
            assert foreign_words(text, language, data) == set(), name
            assert "DRAFT" not in text and "ONTWERP" not in text and "PROJET" not in text and "ENTWURF" not in text
    finally:
        browser.close()
