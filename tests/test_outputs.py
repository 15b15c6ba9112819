"""report.html in a real browser, a letter for every bid, and the OCDS export against the schema."""

import copy
import json

import pytest
from browser import CHROMIUM, Browser
from conftest import ROOT

from scoring.award.results import Status
from scoring.reports.write import write_reports

OCDS = ROOT / "scoring" / "data" / "ocds"  # vendored: the tests read nothing outside the repository


@pytest.fixture(scope="module")
def written(tmp_path_factory, sample_evaluation):
    out = tmp_path_factory.mktemp("outputs")
    write_reports(sample_evaluation, out)
    return out


@pytest.fixture(scope="module")
def browser():
    assert CHROMIUM, "chromium is not installed: `make test` installs it (apt-get install chromium)"
    b = Browser()
    yield b
    b.close()


@pytest.mark.slow
def test_the_html_report_renders_the_ranking_and_the_chart(written, browser, sample_evaluation):
    url = (written / "report.html").as_uri()
    found = browser.evaluate(
        url,
        """(() => {
        const rows = [...document.querySelectorAll('#ranking tbody tr')];
        const ranked = rows.filter(r => r.classList.contains('status-ranked'));
        const segments = [...document.querySelectorAll('#points-chart rect.segment')];
        return {
          rows: rows.length,
          first: ranked.length ? ranked[0].cells[1].textContent : null,
          firstVisible: ranked.length ? ranked[0].getBoundingClientRect().height > 0 : false,
          segments: segments.length,
          drawn: segments.filter(s => s.getBoundingClientRect().width > 0).length,
          bars: new Set(segments.map(s => s.dataset.bid)).size,
          chartWidth: document.querySelector('#points-chart').getBoundingClientRect().width,
          scripts: document.scripts.length,
          external: [...document.querySelectorAll('[src],link[href]')].length,
          supplier: rows.find(r => r.dataset.bid === '09-formula-text').cells[2].textContent,
        };
    })()""",
    )
    ranked = [b for b in sample_evaluation.bids if b.status is Status.RANKED]
    assert found["rows"] == len(sample_evaluation.bids) and found["first"] == "01-greenbyte" and found["firstVisible"]
    expected = sum(1 for b in ranked for c in b.criteria if c.points > 0)
    assert found["segments"] == expected and found["drawn"] == expected and found["bars"] == len(ranked)
    assert found["chartWidth"] > 500
    assert found["scripts"] == 0 and found["external"] == 0  # self-contained, nothing to fetch
    assert found["supplier"].startswith("=HYPERLINK(")  # bidder text shown as text
    browser.screenshot(url, written / "report.png")
    assert (written / "report.png").stat().st_size > 20_000


def test_every_tenderer_has_one_letter(written, sample_evaluation):
    for b in sample_evaluation.bids:
        if b.superseded:  # the same tenderer's later submission stands: its letter is the one
            assert not (written / "letters" / f"{b.bid_id}.md").exists()
            continue
        markdown = (written / "letters" / f"{b.bid_id}.md").read_text()
        html = (written / "letters" / f"{b.bid_id}.html").read_text()
        assert b.file in markdown and b.file in html
        # the sample's letters are drafts until its open review is decided, the report signed, the letters sent
        assert markdown.startswith("**DRAFT") and "BIT-DOSSIER-AM240" in markdown.splitlines()[0]
    assert "06-nordic-first.xlsx" in (written / "letters" / "07-nordic-revised.md").read_text()  # replaced
    officeline = (written / "letters" / "02-officeline.md").read_text()
    assert "Your tender is ranked 4 of 6 ranked tenders" in officeline
    assert "## The relative advantages of the successful tender" in officeline
    assert "expired on 30 June 2026" in officeline  # why its certificate did not count, dated as Europe writes
    assert "186,650" not in officeline and "186.650" not in officeline  # not the lowest price: a third bidder's
    nordic = (written / "letters" / "07-nordic-revised.md").read_text()
    assert "SA8000 is not equivalent to TCO Certified" in nordic  # why the equivalent was not accepted
    winner = (written / "letters" / "01-greenbyte.md").read_text()
    assert "has decided to award the contract to you" in winner
    assert "not a spreadsheet workbook" in (written / "letters" / "10-not-a-workbook.md").read_text()
    lowcost = (written / "letters" / "08-lowcost.md").read_text()
    assert "does not comply with the requirements of the procurement documents (Art. 56(1)" in lowcost
    assert "Your tender: “Accepts Electronics Watch contract conditions”: No." in lowcost  # its own answer
    assert "excluded" not in lowcost.lower()  # Art. 57 wording, not for a non-compliant tender
    formula = (written / "letters" / "09-formula-text.md").read_text()
    # a formula is not a name: the opening record's tenderer is the addressee, the text quoted as data beside it
    assert "| To | Formula Systems BV (FR40123456789) (name as written in the tender: “=HYPERLINK(" in formula


# Each element an award decision notice needs (Art. 55 Dir. 2014/24/EU; Art. 2a Dir. 2007/66/EC), as the page shows it.
LETTER_ELEMENTS = """(() => {
  const text = id => (document.getElementById(id) || {}).textContent || '';
  return {
    lang: document.documentElement.lang, title: document.querySelector('h1').textContent,
    date: text('date'), buyer: text('buyer'), to: text('to'), procedure: text('procedure'),
    reference: text('reference'), decision: text('decision'),
    decisionKind: document.getElementById('decision').dataset.decision,
    scores: document.querySelectorAll('#scores tr').length, advantages: text('advantages'),
    standstill: text('standstill'), review: text('review'), signature: text('signature'),
    draft: !!document.getElementById('draft'), visible: document.body.getBoundingClientRect().height > 500,
    scripts: document.scripts.length,
  };
})()"""
LANGUAGE_WORDS = {  # title, sent on, standstill end (Belgium: 15 days), procedure, buyer, review body
    "en": (
        "Award decision",
        "25 November 2026",
        "10 December 2026",
        "open procedure",
        "City of Example",
        "Council of State",
    ),
    "nl": (
        "Gunningsbeslissing",
        "25 november 2026",
        "10 december 2026",
        "openbare procedure",
        "Stad Example",
        "Raad van State",
    ),
    "fr": (
        "Décision d’attribution",
        "25 novembre 2026",
        "10 décembre 2026",
        "procédure ouverte",
        "Ville d'Example",
        "Conseil d'État",
    ),
    "de": (
        "Zuschlagsentscheidung",
        "25. November 2026",
        "10. Dezember 2026",
        "offenes Verfahren",
        "Stadt Example",
        "Staatsrat",
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("language", ["en", "nl", "fr", "de"])
def test_the_letters_show_every_element_a_notice_needs_in_each_language(
    language, browser, decided_evaluation, tmp_path
):
    from scoring.reports.letters import letters

    tender = decided_evaluation.tender.model_copy(update={"language": language})
    evaluation = decided_evaluation.model_copy(update={"tender": tender})
    written = letters(evaluation)
    title, sent, ends, procedure, buyer, body = LANGUAGE_WORDS[language]
    criteria = len(evaluation.rules.criteria)
    for bid_id in ("01-greenbyte", "02-officeline", "08-lowcost", "10-not-a-workbook"):
        path = tmp_path / f"{bid_id}.html"
        path.write_text(written[bid_id][1], encoding="utf-8")
        page = browser.evaluate(path.as_uri(), LETTER_ELEMENTS)
        assert page["lang"] == language and page["title"].startswith(title) and page["visible"], bid_id
        assert page["date"] == sent and buyer in page["buyer"]
        assert "2026/S 187-562341" in page["procedure"] and procedure in page["procedure"]
        assert "CITY-ICT-2026-014" in page["reference"]
        assert ends in page["standstill"] and "15" in page["standstill"] and "2013" in page["standstill"]
        assert body in page["review"] and "M. Peeters" in page["signature"]
        assert not page["draft"] and page["scripts"] == 0
        if bid_id != "01-greenbyte":
            assert "GreenByte Solutions NV" in page["decision"], bid_id  # the successful tenderer, by name
    pages = {b: browser.evaluate((tmp_path / f"{b}.html").as_uri(), LETTER_ELEMENTS) for b in ("02-officeline",)}
    office = pages["02-officeline"]
    assert "Officeline BV" in office["to"] and office["decisionKind"] == "not_selected"
    assert office["scores"] == criteria + 2  # heading, one row per criterion, the totals
    assert office["advantages"] and "186" not in office["advantages"]  # the winner's own values, no third party's
    lowcost = browser.evaluate((tmp_path / "08-lowcost.html").as_uri(), LETTER_ELEMENTS)
    assert (
        lowcost["decisionKind"] == "non_compliant" and "56" in lowcost["decision"] and "2014/24" in lowcost["decision"]
    )


def test_a_letter_not_ready_to_send_says_draft_in_its_first_line(sample_evaluation):
    from scoring.reports.letters import letters

    settings = sample_evaluation.tender.letters.model_copy(update={"sent_on": None, "review_body": None})
    tender = sample_evaluation.tender.model_copy(update={"letters": settings, "language": "nl"})
    markdown, html = letters(sample_evaluation.model_copy(update={"tender": tender}))["02-officeline"]
    first = markdown.splitlines()[0]
    assert first.startswith("**ONTWERP, niet verzenden:**")
    assert "tenderscore send" in first and "letters.review_body" in first
    assert '<p class="draft" id="draft">ONTWERP' in html
    assert "nog niet gedateerd" in markdown  # the date is not invented
    assert "15 kalenderdagen vanaf de dag na de verzending" in markdown  # Belgian law, without an end date


def merge_patch(target, patch):
    """RFC 7386 JSON Merge Patch."""
    if not isinstance(patch, dict):
        return patch
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _validate_ocds(package):
    from jsonschema import Draft4Validator

    release_schema = json.loads((OCDS / "1.1.5" / "release-schema.json").read_text())
    for extension in ("ocds_bid_extension", "ocds_awardCriteriaBreakdown_extension"):
        patch = json.loads((OCDS / "extensions" / extension / "release-schema.json").read_text())
        release_schema = merge_patch(release_schema, patch)
    package_schema = json.loads((OCDS / "1.1.5" / "release-package-schema.json").read_text())
    package_schema["properties"]["releases"]["items"] = {"type": "object"}  # each release: next
    for schema, instance in [(package_schema, package)] + [(release_schema, r) for r in package["releases"]]:
        errors = sorted(Draft4Validator(schema).iter_errors(instance), key=lambda e: list(e.path))
        assert errors == [], [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    # The award criteria breakdown against its own definition (the lots it attaches to are not in core 1.1.5).
    criteria_schema = {**release_schema["definitions"]["AwardCriteria"], "definitions": release_schema["definitions"]}
    release = package["releases"][0]
    Draft4Validator(criteria_schema).validate(release["tender"]["lots"][0]["awardCriteria"])
    return release


def test_the_ocds_export_validates_against_the_schema(written):
    """By default the bids are published as statistics (eForms BT-759, BT-711), the losing tenderers neither
    named nor priced; the tender is active and the award pending until the award is recorded."""
    release = _validate_ocds(json.loads((written / "ocds.json").read_text()))
    stats = {s["measure"]: s["value"] for s in release["bids"]["statistics"]}
    assert stats == {
        "bids": 10,  # BT-759: every file received
        "validBids": 6,
        "disqualifiedBids": 3,
        "bidders": 8,  # Nordic submitted twice; the file that is not a workbook names no one
        "withdrawnBids": 1,  # the submission Nordic replaced: 6 + 3 + 1 = 10
        "lowestValidBidValue": 186650,  # BT-711
        "highestValidBidValue": 230725,
    }
    assert "details" not in release["bids"] and "tenderers" not in release["tender"]
    assert [p["name"] for p in release["parties"]] == ["City of Example, ICT department", "GreenByte Solutions NV"]
    assert release["tender"]["status"] == "active" and release["awards"][0]["status"] == "pending"
    assert "date" not in release["awards"][0]  # no decision has been sent yet: the run's day is not one
    weights = [n["number"] for c in release["tender"]["lots"][0]["awardCriteria"]["criteria"] for n in c["numbers"]]
    assert sum(weights) == 100


def test_an_intended_award_is_dated_by_the_letters_that_announced_it(sample_evaluation):
    from datetime import date

    from scoring.award.results import Sent
    from scoring.reports.ocds import render_ocds

    sent = Sent(sent_on=date(2026, 12, 2), run_id="0" * 8, letters={})
    release = _validate_ocds(json.loads(render_ocds(sample_evaluation.model_copy(update={"sent": sent}))))
    [award] = release["awards"]
    assert award["status"] == "pending" and award["date"] == release["date"] == "2026-12-02T00:00:00Z"


def test_a_recorded_award_and_full_publication_follow_the_standards(sample_evaluation, tmp_path):
    from datetime import date

    from scoring.models import Award, Publication
    from scoring.reports.ocds import render_ocds

    tender = sample_evaluation.tender.model_copy(
        update={
            "award": Award(bid="01-greenbyte", awarded_on=date(2026, 12, 8)),
            "publication": Publication(bids="full"),
        }
    )
    release = _validate_ocds(json.loads(render_ocds(sample_evaluation.model_copy(update={"tender": tender}))))
    assert release["tender"]["status"] == "complete"
    [award] = release["awards"]
    assert award["status"] == "active" and award["date"].startswith("2026-12-08") and award["relatedBids"]
    details = {d["id"]: d for d in release["bids"]["details"]}
    assert details["01-greenbyte"]["rank"] == 1 and details["01-greenbyte"]["status"] == "valid"
    assert details["06-nordic-first"]["status"] == "withdrawn"
    assert details["08-lowcost"]["status"] == "disqualified"
    names = [p["name"] for p in release["parties"]]
    assert '\'=HYPERLINK("http://attacker.invalid","Formula Systems")' in names  # inert: never a formula
    assert not any(n.startswith("=") for n in names)


def test_report_workbooks_are_written_in_linear_time_text_stays_text_and_bytes_repeat(tmp_path):
    """evaluation.xlsx's writer: 4x the rows cost about 4x the time, not 16x; bidder text that looks like a
    formula, a link or a number stays text; dates are dates; the same rows give the same bytes."""
    import time
    from datetime import date
    from decimal import Decimal as D

    import openpyxl

    from scoring.reports.xlsxout import Report

    def write(path, rows: int) -> float:
        report = Report(path)
        sheet = report.sheet("Rows")
        sheet.header(["n", "text", "empty", "day"])
        start = time.perf_counter()
        for n in range(rows):
            sheet.append([n, f"=text {n}", None, date(2026, 1, 1 + n % 28)])
        sheet.append([D("0.19"), "https://example.org", "0042", True])
        report.close()
        return time.perf_counter() - start

    write(tmp_path / "a.xlsx", 100)
    write(tmp_path / "b.xlsx", 100)
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    ws = openpyxl.load_workbook(tmp_path / "a.xlsx")["Rows"]
    assert ws.freeze_panes == "A2" and ws["A1"].font.b
    assert ws["B2"].value == "=text 0" and ws["B2"].data_type == "s"
    assert ws["D2"].value.date() == date(2026, 1, 1) and ws["C2"].value is None
    assert [c.value for c in ws[102]] == [0.19, "https://example.org", "0042", True]
    assert ws["B102"].hyperlink is None
    small = min(write(tmp_path / "s.xlsx", 5_000) for _ in range(2))
    large = min(write(tmp_path / "l.xlsx", 20_000) for _ in range(2))
    assert large < 8 * small, (small, large)


def test_a_report_that_fails_to_write_leaves_the_previous_reports_as_they_were(
    sample_evaluation, tmp_path, monkeypatch
):
    """Reports are written beside the folder and moved in only once all are complete: a failure half-way
    (here the OCDS export, written after the letters) changes nothing in the folder and leaves no staging
    folder behind; the next complete write replaces every report."""
    from scoring.reports import write

    out = tmp_path / "out"
    first = write.write_reports(sample_evaluation, out)
    before = {p: p.read_bytes() for p in first}
    (out / "evaluation.json").write_text("the previous run\n")
    monkeypatch.setattr(write, "render_ocds", lambda evaluation: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        write.write_reports(sample_evaluation, out)
    assert (out / "evaluation.json").read_text() == "the previous run\n"
    assert all(p.read_bytes() == data for p, data in before.items() if p.name != "evaluation.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging folder left
    monkeypatch.undo()
    again = write.write_reports(sample_evaluation, out)
    assert sorted(again) == sorted(first) and (out / "evaluation.json").read_bytes() == before[out / "evaluation.json"]


def test_staging_left_by_a_killed_run_is_removed_but_not_a_living_one_nor_another_machines(sample_evaluation, tmp_path):
    """A run killed while writing leaves its staging folder; the next write removes it when its process is gone
    on this machine, keeps one whose process lives (a run writing now), and keeps a fresh one of another machine
    writing to the same shared folder (its processes cannot be seen from here) until it is a day old."""
    import os
    import subprocess
    import time

    from scoring.reports import write

    out = tmp_path / "out"
    out.mkdir()
    gone = subprocess.Popen(["true"])
    gone.wait()
    dead = out / f"{write.STAGING}{gone.pid}@{write._HOST}@abc"
    living = out / f"{write.STAGING}{os.getpid()}@{write._HOST}@def"
    elsewhere = out / f"{write.STAGING}{gone.pid}@another-host@ghi"
    stale = out / f"{write.STAGING}{gone.pid}@another-host@jkl"
    for folder in (dead, living, elsewhere, stale):
        (folder / "letters").mkdir(parents=True)
    day_ago = time.time() - write.ABANDONED_AFTER - 60
    os.utime(stale, (day_ago, day_ago))
    write.write_reports(sample_evaluation, out)
    left = {p.name for p in out.glob(f"{write.STAGING}*")}
    assert left == {living.name, elsewhere.name}


def test_the_workbook_is_one_an_evaluator_likes_to_open(written):
    """Every table sheet: one heading per column, frozen and repeated on printed pages, an autofilter over the
    table, A4 landscape one page wide; money, shares and points in number formats; long text wrapped;
    criteria by name."""
    import openpyxl

    book = openpyxl.load_workbook(written / "evaluation.xlsx")
    for ws in book:
        headings = [c.value for c in ws[1]]
        assert len(headings) == len(set(headings)), (ws.title, headings)
        assert ws.freeze_panes == "A2", ws.title
        assert ws.print_title_rows == "$1:$1", ws.title
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.page_setup.fitToWidth in (None, 1) and int(ws.page_setup.fitToHeight) == 0, ws.title  # 1 wide
        if ws.max_row > 1:
            assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), ws.title
    ranking = book["Ranking"]
    headings = [c.value for c in ranking[1]]
    assert headings.count("Points") + headings.count("Total points") == 1  # one column of points, not two
    price = headings.index("Total price (EUR)") + 1
    assert ranking.cell(row=2, column=price).number_format == "#,##0.00"
    assert ranking.cell(row=2, column=headings.index("Total points") + 1).number_format == "0.00"
    breakdown = [c.value for c in book["Breakdown"][1]]
    assert "Warranty (5 %)" in breakdown and "warranty" not in breakdown  # criteria by name
    details = book["Details"]
    rows = {(r[0].value, r[1].value): r for r in details.iter_rows(min_row=2)}
    label = rows[("01-greenbyte", "label")]
    assert label[4].value == 1 and label[4].number_format == "0.0%"  # a share shown as a percentage
    assert rows[("01-greenbyte", "price")][4].number_format == "#,##0.00"
    assert label[7].alignment.wrap_text  # explanations wrap
    sensitivity = [r[0].value for r in book["Weight sensitivity"].iter_rows(min_row=2)]
    assert "Warranty" in sensitivity and "warranty" not in sensitivity  # robustness lines speak in names too
    assert "warranty" not in " ".join(str(r[0].value) for r in book["Robustness"].iter_rows(min_row=2))


@pytest.mark.slow
def test_the_committee_report_prints_and_a_scenario_is_marked_on_every_page(browser, sample_evaluation, tmp_path):
    """report.html is the printable committee report: A4 landscape, the procedure, the committee with its
    declarations, the opening record, pending decisions and signature lines; a scenario's banner is fixed,
    so Chromium prints it on every page."""
    import re

    from scoring.award.results import RunKind
    from scoring.reports.report_html import render_html

    scenario = sample_evaluation.model_copy(update={"kind": RunKind.SCENARIO, "run_id": "0" * 8})
    path = tmp_path / "report.html"
    path.write_text(render_html(scenario), encoding="utf-8")
    found, pdf = browser.printed(
        path.as_uri(),
        """(() => {
        const kind = document.getElementById('kind');
        return {
          banner: getComputedStyle(kind).position, text: kind.textContent,
          members: document.querySelectorAll('#committee tbody tr').length,
          conflict: document.querySelector('#committee tbody tr:nth-child(3)').textContent,
          opening: document.querySelectorAll('#opening tbody tr').length,
          signatures: document.querySelectorAll('#signatures tbody tr').length,
          pending: document.querySelectorAll('#pending li').length,
          procedure: document.getElementById('procedure').textContent,
        };
    })()""",
    )
    assert found["banner"] == "fixed" and found["text"].startswith("SCENARIO")
    assert found["members"] == 3 and "conflict declared" in found["conflict"] and "Officeline" in found["conflict"]
    assert found["opening"] == len(sample_evaluation.bids) and found["signatures"] == 3
    assert found["pending"] == len(sample_evaluation.pending) >= 1
    assert "2026/S 187-562341" in found["procedure"] and "240,000.00" in found["procedure"]
    pages = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert len(pages) >= 2  # the report runs over several pages, each with the banner
    assert all(float(w) > float(h) for w, h in pages)  # landscape
    official = tmp_path / "official.html"
    official.write_text(render_html(sample_evaluation), encoding="utf-8")
    found, _ = browser.printed(
        official.as_uri(), "getComputedStyle(document.getElementById('kind') || document.body).position"
    )
    assert found != "fixed"
