"""What is still open before an evaluation's documents can go: the letters are final only when nothing is.

One list, in the order a committee works through it (`tenderscore status`, the letters' DRAFT line, the
committee report): claims to review, clarifications to send and answers awaited, pending decisions that
could change the award, review decisions that applied to no claim, texts the letters need that are missing
in their language, the committee's signatures, the letters' date and signatory; then, for information, the
standstill and the earliest day the contract may be signed. Each item is a fact (its words are the
reports'), with the bid it concerns and the day it is due where there is one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from scoring.award.results import Evaluation, Sent, Status
from scoring.facts import N_, Fact, fact
from scoring.models import Frozen, text_in
from scoring.rules.units import UNITS

Kind = Literal[
    "review",
    "clarification",
    "answer",
    "pending",
    "unapplied",
    "missing_text",
    "addressee",
    "signature",
    "undated",
    "backdated",
    "signatory",
    "review_body",
    "no_ranked",
    "scenario",
    "price",
    "checks",
    "resend",
]
# what a text of tender.yaml or the rule set is, in words
TEXTS = {
    "title": N_("the tender's title (titles: in tender.yaml)"),
    "signatory.role": N_("the signatory's role (letters.signatory.role)"),
    "review_body.name": N_("the review body's name (letters.review_body.name)"),
    "review_body.address": N_("the review body's address (letters.review_body.address)"),
    "review_body.how": N_("how review is sought (letters.review_body.how)"),
}
LANGUAGE_NAMES = {"en": N_("English"), "nl": N_("Dutch"), "fr": N_("French"), "de": N_("German")}


class Open(Frozen):
    """One thing left before the letters can be sent."""

    kind: Kind
    what: Fact
    bid_id: str | None = None
    due: date | None = None


def missing_texts(evaluation: Evaluation, language: str) -> list[Fact]:
    """The texts the documents need in `language` that tender.yaml or the rule set does not give in it."""
    t, own = evaluation.tender, evaluation.tender.language
    missing: list[Fact] = []
    if t.title_in(language) is None:
        missing.append(fact(TEXTS["title"]))
    letters = t.letters
    given = {
        "signatory.role": letters.signatory.role if letters.signatory else None,
        "review_body.name": letters.review_body.name if letters.review_body else None,
        "review_body.address": (letters.review_body.address or None) if letters.review_body else None,
        "review_body.how": (letters.review_body.how or None) if letters.review_body else None,
    }
    missing += [fact(TEXTS[key]) for key, value in given.items() if value and text_in(value, language, own) is None]
    if language != "en":  # the rule set is written in English, with its names in other languages beside
        rules = evaluation.rules
        missing += [
            fact(N_("the name of criterion %(id)s (names: in the rule set)"), id=c.id)
            for c in rules.criteria
            if language not in c.names
        ]
        missing += [
            fact(N_("the requirement of knock-out %(id)s (requirements: in the rule set)"), id=k.id)
            for k in rules.knockouts
            if language not in k.requirements
        ]
        missing += [
            fact(N_("the unit %(unit)s of criterion %(id)s (units: in the rule set)"), unit=c.unit, id=c.id)
            for c in rules.criteria
            if c.unit and c.unit not in UNITS and language not in c.units
        ]
    return missing


def open_items(evaluation: Evaluation, language: str | None = None, today: date | None = None) -> list[Open]:
    """Everything that keeps the letters from being final, in the order it is dealt with (SECTIONS)."""
    context = Context(evaluation, language or evaluation.tender.language, today)
    return [item for section in SECTIONS for item in section(context)]


@dataclass(frozen=True)
class Context:
    evaluation: Evaluation
    language: str
    today: date | None


def _scenario(c: Context) -> list[Open]:
    kind = c.evaluation.kind
    if kind is not None and kind.value == "scenario":
        return [Open(kind="scenario", what=fact(N_("this is a scenario under other rules, not a decision")))]
    return []


def _reviews(c: Context) -> list[Open]:
    """Claims awaiting review, those the award or a rank depends on first (the review queue)."""
    from scoring.award.pending import awaiting_review

    return [
        Open(
            kind="review",
            what=fact(
                N_("claim %(claim)s of %(bid)s awaits the committee's review"),
                claim=a.reference or f"row {a.claim.row}",
                bid=a.bid.bid_id,
            ),
            bid_id=a.bid.bid_id,
        )
        for a in awaiting_review(c.evaluation)
    ]


def _clarifications(c: Context) -> list[Open]:
    """Requests to send (none to a bid rejected on substance: an answer cannot change that), then answers."""
    sent = c.evaluation.tender.clarifications.sent_on is not None
    due = _reply_due(c.evaluation)
    found = []
    for b in c.evaluation.bids:
        if b.status is Status.REJECTED or b.superseded:
            continue
        answered = {(a.sheet, a.row, a.field) for a in b.clarified}
        for r in b.clarifications:
            if (r.sheet, r.row, r.field) in answered:
                continue
            if sent:
                what = fact(N_("the answer of %(bid)s on %(field)s is awaited"), bid=b.bid_id, field=r.field)
                found.append(Open(kind="answer", what=what, bid_id=b.bid_id, due=due))
            else:
                what = fact(
                    N_("the clarification request to %(bid)s on %(field)s is to be sent"), bid=b.bid_id, field=r.field
                )
                found.append(Open(kind="clarification", what=what, bid_id=b.bid_id))
    return found


def _pending(c: Context) -> list[Open]:
    """Decisions that could change the award or a rank (a claim's is its review, listed above)."""
    return [
        Open(kind="pending", what=p.explanation, bid_id=p.bid_id)
        for p in c.evaluation.pending
        if p.relevant and p.kind != "claim"
    ]


def _unapplied(c: Context) -> list[Open]:
    return [
        Open(
            kind="unapplied",
            what=fact(
                N_("the review decision on claim %(claim)s of %(bid)s matches no claim: correct it in reviews.yaml"),
                claim=claim,
                bid=bid_id,
            ),
            bid_id=bid_id,
        )
        for bid_id, claim in c.evaluation.unapplied
    ]


def _examinations(c: Context) -> list[Open]:
    """Prices that asked for an explanation (Art. 69) and whose examination is not concluded."""
    found = []
    for b in c.evaluation.bids:
        if b.status is not Status.RANKED or not any(i.code == "price.abnormally_low" for i in b.issues):
            continue
        examination = c.evaluation.tender.proceedings.examination_of(b.bid_id)
        if examination is None or examination.outcome == "pending":
            said = N_(
                "the price of %(bid)s asks for an explanation (Art. 69): record its examination in committee.yaml"
            )
            found.append(Open(kind="price", what=fact(said, bid=b.bid_id), bid_id=b.bid_id))
    return found


def _winner_checked(c: Context) -> list[Open]:
    """The successful tenderer's exclusion grounds and selection criteria, verified before the award."""
    ranked = sorted((b for b in c.evaluation.bids if b.status is Status.RANKED), key=lambda b: b.rank or 0)
    if not ranked:
        return []
    winner = ranked[0]
    check = c.evaluation.tender.proceedings.check_of(winner.bid_id)
    if check is not None and check.exclusion == "passed" and check.selection == "passed":
        return []
    said = N_(
        "the exclusion grounds and selection criteria of %(bid)s, the successful tenderer, are not recorded as "
        "verified (checks: in committee.yaml)"
    )
    return [Open(kind="checks", what=fact(said, bid=winner.bid_id), bid_id=winner.bid_id)]


def _addressees(c: Context) -> list[Open]:
    said = N_("no addressee for %(file)s: neither the bid nor the opening record names the tenderer")
    return [
        Open(kind="addressee", what=fact(said, file=b.file), bid_id=b.bid_id)
        for b in c.evaluation.bids
        if b.addressee is None and not b.superseded
    ]


def _texts(c: Context) -> list[Open]:
    language = fact(LANGUAGE_NAMES.get(c.language, c.language))
    return [
        Open(kind="missing_text", what=fact(N_("%(text)s is missing in %(language)s"), text=m, language=language))
        for m in missing_texts(c.evaluation, c.language)
    ]


def changed_since_sent(evaluation: Evaluation) -> bool:
    """Whether the letters sent said something else (a rank or an outcome changed since): these letters are a
    new decision, which replaces the one sent."""
    sent = evaluation.sent
    return sent is not None and Sent.decision_of(evaluation.bids) != sent.decision


def _dating(c: Context) -> list[Open]:
    letters, sent = c.evaluation.tender.letters, c.evaluation.sent
    if sent is not None:
        if changed_since_sent(c.evaluation):
            said = N_(
                "the decision changed since the letters sent on %(date)s: these letters replace them and are to be sent"
            )
            return [Open(kind="resend", what=fact(said, date=sent.sent_on))]
        return []
    if letters.sent_on is None and c.evaluation.sent is None:
        return [Open(kind="undated", what=fact(N_("the letters are not dated (tenderscore send dates them)")))]
    if letters.sent_on is not None and c.today is not None and letters.sent_on < c.today and c.evaluation.sent is None:
        said = N_("the letters are dated %(date)s, before this evaluation: date them on the day they are sent")
        return [Open(kind="backdated", what=fact(said, date=letters.sent_on))]
    return []


def _settings(c: Context) -> list[Open]:
    letters, found = c.evaluation.tender.letters, []
    if letters.signatory is None:
        found.append(Open(kind="signatory", what=fact(N_("no signatory is named (letters.signatory in tender.yaml)"))))
    if letters.review_body is None:
        said = N_("no review body is named (letters.review_body in tender.yaml)")
        found.append(Open(kind="review_body", what=fact(said)))
    if not any(b.status is Status.RANKED for b in c.evaluation.bids):
        found.append(Open(kind="no_ranked", what=fact(N_("no bid could be ranked"))))
    return found


def _signatures(c: Context) -> list[Open]:
    """The committee members who are to sign the evaluation report and have not (a member who declared a
    conflict stood aside and does not sign)."""
    return [
        Open(kind="signature", what=fact(N_("%(member)s has not signed the evaluation report"), member=m.name))
        for m in c.evaluation.tender.committee
        if not m.conflict and m.signed_on is None
    ]


SECTIONS = (
    _scenario,
    _reviews,
    _clarifications,
    _pending,
    _examinations,
    _winner_checked,
    _unapplied,
    _addressees,
    _texts,
    _signatures,
    _dating,
    _settings,
)


def _reply_due(evaluation: Evaluation) -> date | None:
    settings = evaluation.tender.clarifications
    if settings.sent_on is None:
        return None
    from scoring.law import reply_by

    return reply_by(settings.sent_on, settings.reply_days, evaluation.tender.law, evaluation.tender.region)
