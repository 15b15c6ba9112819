"""The workspace as an ASGI application (FastAPI on Starlette, pages rendered on the server with Jinja2,
autoescaped; plain forms, no script).

Every route checks, on the server: a session (else the sign-in page), the tender being one the person is
on (else 404: a tender one is not on does not exist), the role the action needs (else 403), a declaration
on conflicts of interest before any bid is shown (a conflicted member sees none), and on every form the
session's CSRF token (else 403). Cookies are HttpOnly and SameSite=Lax, and Secure when the request came
over TLS (behind a reverse proxy: run with --proxy-headers so that the scheme it forwards is seen).
"""

from __future__ import annotations

import logging
import re
import secrets
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.middleware.trustedhost import TrustedHostMiddleware

from flows.workspace.oidc import COOKIE as OIDC_COOKIE
from flows.workspace.oidc import Provider, Transactions, client, verified_email
from flows.workspace.state import Conflict, Tender, Workspace
from scoring.audit.accounts import DECLARING, Role, Session, SignInRefused
from scoring.errors import InputError

COOKIE = "tenderscore_session"
SIGNIN_COOKIE = "tenderscore_signin"  # the sign-in form's own CSRF token (double submit)
TEMPLATES = Path(__file__).parent / "templates"
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
# What each role may do (reading is also limited by the declaration on conflicts).
MAY = {
    "decide": {Role.SECRETARY},  # review decisions, answers, requests sent, evaluate, send
    "sign": {Role.MEMBER, Role.CHAIR},
    "score": {Role.MEMBER, Role.CHAIR},  # their own scores on the judged criteria
    "moderate": {Role.CHAIR},
    "declare": set(DECLARING),
}
MAX_FORM = 64 * 1024


class SignInNeeded(Exception):
    pass


class Refused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


router = APIRouter()


ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]  # and the names given (--host, TENDERSCORE_ALLOWED_HOSTS)


def create_app(
    workspace: Workspace, prefect_ui: str | None = None, hosts: list[str] | None = None, oidc: Provider | None = None
) -> FastAPI:
    """The workspace's application; `oidc`: sign-in through the buyer's identity provider (oidc.py)."""
    from scoring.reports.words import word

    app = FastAPI(
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        title="tenderscore workspace",
        redirect_slashes=False,  # no redirect built from the Host header
    )
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]), trim_blocks=True
    )
    env.filters["word"] = word
    env.globals["prefect_ui"] = prefect_ui
    env.globals["oidc"] = oidc
    app.state.workspace = workspace
    app.state.oidc = (oidc, client(oidc), Transactions()) if oidc is not None else None
    app.state.env = env
    app.include_router(router)
    app.add_exception_handler(SignInNeeded, _signin_needed)  # type: ignore[arg-type]
    app.add_exception_handler(Refused, _refused)  # type: ignore[arg-type]
    app.add_exception_handler(404, _not_found)
    app.add_exception_handler(405, _not_allowed)
    app.add_exception_handler(400, _bad_request)
    app.add_exception_handler(500, _failed)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=hosts or ALLOWED_HOSTS)

    @app.middleware("http")
    async def _headers(request: Request, call_next: Any) -> Response:  # every answer, errors included
        response: Response = await call_next(request)
        for k, v in HEADERS.items():
            response.headers.setdefault(k, v)
        return response

    return app


def _ws(request: Request) -> Workspace:
    found: Workspace = request.app.state.workspace
    return found


def page(request: Request, name: str, session: Session | None, status: int = 200, **context: Any) -> HTMLResponse:
    html = request.app.state.env.get_template(name).render(session=session, request=request, **context)
    return HTMLResponse(html, status_code=status, headers=HEADERS)


async def _signin_needed(request: Request, exc: SignInNeeded) -> Response:
    if request.method != "GET":
        return page(request, "error.html.j2", None, 401, message="Sign in first.")
    return RedirectResponse(f"/signin?next={quote(request.url.path)}", 303, headers=HEADERS)


async def _refused(request: Request, exc: Refused) -> Response:
    return page(request, "error.html.j2", _session(request), exc.status, message=str(exc))


async def _not_found(request: Request, exc: Exception) -> Response:
    return page(request, "error.html.j2", None, 404, message="Not found.")


async def _bad_request(request: Request, exc: Exception) -> Response:
    return page(request, "error.html.j2", None, 400, message="The request is not one the workspace understands.")


async def _failed(request: Request, exc: Exception) -> Response:
    return page(request, "error.html.j2", None, 500, message="Something failed: the operator's log says what.")


async def _not_allowed(request: Request, exc: Exception) -> Response:
    return page(request, "error.html.j2", None, 405, message="Not allowed.")


def _session(request: Request) -> Session | None:
    return _ws(request).accounts.session(request.cookies.get(COOKIE))


def need(request: Request) -> Session:
    session = _session(request)
    if session is None:
        raise SignInNeeded
    return session


def tender_of(request: Request, session: Session, tender_id: str) -> Tender:
    found = _ws(request).tender(session, tender_id)
    if found is None:
        raise Refused(404, "Not found.")
    return found


def may(session: Session, what: str) -> None:
    if session.user.role not in MAY[what]:
        raise Refused(403, f"Your role ({session.user.role.value}) may not do this.")


def bids_shown(request: Request, session: Session, t: Tender) -> None:
    """Bids are shown to the auditor, and to a committee member who declared no conflict for the tender."""
    if session.user.role not in DECLARING:
        return
    made = _ws(request).accounts.declaration(session.user.email, t.id)
    if made is None:
        raise Refused(403, "Declare on conflicts of interest for this tender first (its status page).")
    if made.conflict:
        raise Refused(403, "You declared a conflict of interest for this tender: its bids are not shown to you.")


def shown_tender(request: Request, tender_id: str, bids: bool = True) -> tuple[Session, Tender]:
    """The session and the tender of a page: signed in, on the tender, and (for a page of bids) declared."""
    session = need(request)
    t = tender_of(request, session, tender_id)
    if bids:
        bids_shown(request, session, t)
    return session, t


async def form(request: Request, session: Session | None) -> dict[str, str]:
    """The form's fields: a URL-encoded body of at most MAX_FORM bytes, however it is sent (a chunked
    body is counted as it comes), in UTF-8, each field once; and the session's CSRF token in it."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise Refused(415, "Only the workspace's own forms are accepted.")
    if int(request.headers.get("content-length") or 0) > MAX_FORM:
        raise Refused(413, "The form is too large.")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM:
            raise Refused(413, "The form is too large.")
    try:
        pairs = parse_qsl(body.decode("ascii"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise Refused(400, "The form is not in UTF-8.") from None
    fields: dict[str, str] = {}
    for k, v in pairs:
        if k in fields or "\x00" in v:
            raise Refused(400, "The form is not one of the workspace's.")
        fields[k] = v
    expected = session.csrf if session else request.cookies.get(SIGNIN_COOKIE, "")
    if not expected or not secrets.compare_digest(fields.get("csrf", ""), expected):
        raise Refused(403, "The form is out of date or was not sent from this workspace: reload the page.")
    return fields


async def acting(request: Request, tender_id: str, what: str, bids: bool = True) -> tuple[Session, Tender, dict]:
    """The session, tender and form of an action: signed in, on the tender, a valid CSRF token, the role."""
    session = need(request)
    t = tender_of(request, session, tender_id)
    fields = await form(request, session)
    may(session, what)
    if bids:
        bids_shown(request, session, t)
    return session, t, fields


def back(request: Request, session: Session, path: str, message: str, error: bool = False) -> RedirectResponse:
    """Back to a page, which shows the message once, to this session only (never a text from the address)."""
    key = _ws(request).flash(session.token_sha256, message, error)
    return RedirectResponse(f"{path}?m={key}", 303, headers=HEADERS)


async def act(request: Request, session: Session, where: str, action: Any) -> Response:
    """Run an action off the event loop (it reads and writes files, the ledger, an evaluation): what it did,
    or why not, back on the page it came from."""
    from scoring.errors import LedgerError, OutputError

    try:
        result = await run_in_threadpool(action)
    except Conflict as conflict:
        return back(request, session, where, f"Not recorded: {conflict}", error=True)
    except InputError as error:
        return back(request, session, where, f"Not recorded: {'; '.join(p.problem for p in error.problems)}", True)
    except (LedgerError, OutputError, OSError) as error:
        logging.getLogger("tenderscore.workspace").warning("an action on %s failed: %s", where, error)
        said = "the ledger or a file could not be written (the operator's log says why); try again"
        return back(request, session, where, f"Not recorded: {said}", error=True)
    return back(request, session, where, result if isinstance(result, str) else "Recorded.")


def secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _signin_form(request: Request, status: int, next_page: str, error: str | None) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    response = page(request, "signin.html.j2", None, status, csrf=token, next=_local(next_page), error=error)
    response.set_cookie(SIGNIN_COOKIE, token, httponly=True, samesite="lax", secure=secure(request), path="/signin")
    return response


# --- signing in and out --------------------------------------------------------------------------------


@router.get("/signin")
async def signin_page(request: Request, next: str = "/") -> Response:
    return _signin_form(request, 200, next, None)


@router.post("/signin")
async def signin(request: Request) -> Response:
    fields = await form(request, None)
    address = request.client.host if request.client else None
    if request.app.state.oidc is not None and not request.app.state.oidc[0].passwords:
        return _signin_form(request, 403, fields.get("next", "/"), "Passwords are off here: sign in as shown above.")
    try:
        accounts = _ws(request).accounts
        token, _ = await run_in_threadpool(
            accounts.sign_in, fields.get("email", ""), fields.get("password", ""), address
        )
    except SignInRefused as refused:
        response = _signin_form(request, 429 if refused.wait_seconds else 401, fields.get("next", "/"), str(refused))
        if refused.wait_seconds:
            response.headers["Retry-After"] = str(refused.wait_seconds)
        return response
    return _signed_in(request, token, fields.get("next", "/"))


def _signed_in(request: Request, token: str, next_page: str) -> Response:
    done = RedirectResponse(_local(next_page), 303, headers=HEADERS)
    done.set_cookie(COOKIE, token, httponly=True, samesite="lax", secure=secure(request), path="/")
    done.delete_cookie(SIGNIN_COOKIE, path="/signin")
    done.delete_cookie(OIDC_COOKIE, path="/signin/oidc")
    return done


@router.get("/signin/oidc")
async def oidc_start(request: Request, next: str = "/") -> Response:
    """To the buyer's identity provider, with a fresh transaction (state, nonce, PKCE) kept on the server."""
    if request.app.state.oidc is None:
        raise Refused(404, "Not found.")
    provider, oauth, transactions = request.app.state.oidc
    key, data = transactions.start(request.client.host if request.client else None)
    data["next"] = _local(next)
    request.scope["session"] = data  # where Authlib keeps the transaction's state data
    redirect_uri = provider.redirect_uri or str(request.url_for("oidc_callback"))
    try:
        response: Response = await oauth.authorize_redirect(request, redirect_uri)
    except Exception as error:  # the provider's metadata could not be read
        logging.getLogger("tenderscore.workspace").warning("the identity provider does not answer: %r", error)
        transactions.end(key)
        return _signin_form(request, 502, next, f"{provider.name} does not answer: try again, or tell the operator.")
    response.set_cookie(
        OIDC_COOKIE, key, httponly=True, samesite="lax", secure=secure(request), path="/signin/oidc", max_age=600
    )
    return response


@router.get("/signin/oidc/callback", name="oidc_callback")
async def oidc_callback(request: Request) -> Response:
    """Back from the provider: the code exchanged for an ID token that Authlib verifies (signature, issuer,
    audience, expiry, nonce); its verified e-mail address signs in the account that has it."""
    if request.app.state.oidc is None:
        raise Refused(404, "Not found.")
    provider, oauth, transactions = request.app.state.oidc
    key = request.cookies.get(OIDC_COOKIE)
    data = transactions.get(key) or {}  # none under way: Authlib finds no state, and refuses
    next_page = str(data.get("next", "/"))
    request.scope["session"] = data
    try:
        token = await oauth.authorize_access_token(request)
    except Exception as error:  # a state, code, signature, audience or nonce that does not check out
        logging.getLogger("tenderscore.workspace").warning(
            "a sign-in through %s was refused: %r", provider.issuer, error
        )
        return _signin_form(request, 401, next_page, f"The sign-in through {provider.name} could not be verified.")
    finally:
        transactions.end(key)
    email = verified_email(token.get("userinfo") or {}, provider)
    if email is None:
        said = f"{provider.name} did not give a verified e-mail address: ask its administrator."
        return _signin_form(request, 401, next_page, said)
    address = request.client.host if request.client else None
    try:
        session_token, _ = await run_in_threadpool(_ws(request).accounts.sign_in_verified, email, address)
    except SignInRefused as refused:
        return _signin_form(request, 401, next_page, str(refused))
    return _signed_in(request, session_token, next_page)


@router.post("/signout")
async def signout(request: Request) -> Response:
    session = need(request)
    await form(request, session)
    _ws(request).accounts.revoke(session.token_sha256)
    response = RedirectResponse("/signin", 303, headers=HEADERS)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.api_route("/healthz", methods=["GET", "HEAD"])
async def healthz() -> Response:
    return PlainTextResponse("ok", headers=HEADERS)


# --- pages -----------------------------------------------------------------------------------------------


@router.get("/")
def home(request: Request) -> Response:
    session = need(request)
    return page(request, "tenders.html.j2", session, tenders=_ws(request).visible(session))


def _context(request: Request, session: Session, t: Tender) -> dict[str, Any]:
    ws = _ws(request)
    made = ws.accounts.declaration(session.user.email, t.id) if session.user.role in DECLARING else None
    return {
        "tender": t,
        "overview": ws.overview(t),
        "declaration": made,
        "bids_shown": session.user.role not in DECLARING or (made is not None and not made.conflict),
        "may_decide": session.user.role in MAY["decide"],
        "may_sign": session.user.role in MAY["sign"],
        **ws.flashed(session.token_sha256, request.query_params.get("m", "")),
    }


@router.get("/t/{tender_id}")
def status(request: Request, tender_id: str) -> Response:
    session, t = shown_tender(request, tender_id, bids=False)
    runs = _ws(request).runs(t) if session.user.role in MAY["decide"] | {Role.AUDITOR} else []
    return page(request, "status.html.j2", session, runs=runs, **_context(request, session, t))


@router.get("/t/{tender_id}/bids")
def bids(request: Request, tender_id: str) -> Response:
    session, t = shown_tender(request, tender_id)
    return page(request, "bids.html.j2", session, **_context(request, session, t))


@router.get("/t/{tender_id}/bids/{bid_id}")
def bid(request: Request, tender_id: str, bid_id: str) -> Response:
    session, t = shown_tender(request, tender_id)
    context = _context(request, session, t)
    found = [(e, b) for e, _ in context["overview"].lots for b in e.bids if b.bid_id == bid_id]
    if not found:
        raise Refused(404, "Not found.")
    hidden = _ws(request).unfinished(t, session)
    return page(request, "bid.html.j2", session, found=found, hidden=hidden, **context)


@router.get("/t/{tender_id}/reviews")
def reviews(request: Request, tender_id: str) -> Response:
    session, t = shown_tender(request, tender_id)
    context = _context(request, session, t)
    return page(request, "reviews.html.j2", session, queue=_queue(context["overview"], t.folder), **context)


@router.get("/t/{tender_id}/clarifications")
def clarifications(request: Request, tender_id: str) -> Response:
    session, t = shown_tender(request, tender_id)
    context = _context(request, session, t)
    return page(request, "clarifications.html.j2", session, requests=_requests(context["overview"]), **context)


@router.get("/t/{tender_id}/panel")
def panel(request: Request, tender_id: str) -> Response:
    session, t = shown_tender(request, tender_id)
    context = _context(request, session, t)
    try:
        panel = _ws(request).panel(t, session)
    except InputError as error:  # committee.yaml as it stands does not say who scores as whom
        context["error"] = "; ".join(p.problem for p in error.problems)
        panel = []
    return page(request, "panel.html.j2", session, panel=panel, **context)


@router.get("/t/{tender_id}/checks")
def checks(request: Request, tender_id: str) -> Response:
    session, t = shown_tender(request, tender_id)
    context = _context(request, session, t)
    return page(request, "checks.html.j2", session, lots=_ws(request).checks(t), **context)


@router.get("/t/{tender_id}/letters")
def letters_page(request: Request, tender_id: str) -> Response:
    session, t = shown_tender(request, tender_id)
    return page(request, "letters.html.j2", session, **_context(request, session, t))


@router.get("/t/{tender_id}/letters/{bid_id}")
def letter(request: Request, tender_id: str, bid_id: str) -> Response:
    from scoring.reports.letters import letters

    session, t = shown_tender(request, tender_id)
    if _ws(request).unfinished(t, session):
        raise Refused(403, "The letters show the panel's points: score the panel's criteria first (Panel).")
    for evaluation, _ in _ws(request).overview(t).lots:
        found = letters(evaluation, today=date.today(), only=bid_id).get(bid_id)
        if found is not None:
            return HTMLResponse(found[1], headers=HEADERS)
    raise Refused(404, "Not found.")


@router.get("/t/{tender_id}/trail")
def trail(request: Request, tender_id: str) -> Response:
    session, t = shown_tender(request, tender_id)
    records = _ws(request).trail(t, hidden=_ws(request).unfinished(t, session))
    return page(request, "trail.html.j2", session, records=records, **_context(request, session, t))


# --- actions ---------------------------------------------------------------------------------------------


@router.post("/t/{tender_id}/declare")
async def declare(request: Request, tender_id: str) -> Response:
    session, t, fields = await acting(request, tender_id, "declare", bids=False)
    if fields.get("conflict") not in ("yes", "no"):
        return back(request, session, f"/t/{t.id}", "Not recorded: say whether you have a conflict (yes or no)", True)
    conflict = fields["conflict"] == "yes"
    return await act(
        request, session, f"/t/{t.id}", lambda: _ws(request).declare(t, session, conflict, fields.get("note", ""))
    )


@router.post("/t/{tender_id}/reviews")
async def decide(request: Request, tender_id: str) -> Response:
    session, t, f = await acting(request, tender_id, "decide")
    return await act(
        request,
        session,
        f"/t/{t.id}/reviews",
        lambda: _ws(request).decide_review(
            t, session, f.get("bid", ""), f.get("claim", ""), f.get("decision", ""), f.get("reason", "")
        ),
    )


@router.post("/t/{tender_id}/clarifications/answer")
async def answer(request: Request, tender_id: str) -> Response:
    session, t, f = await acting(request, tender_id, "decide")

    def record() -> None:
        on = _date(f.get("received_on", ""), _locale(t))
        row = int(f["row"]) if re.fullmatch(r"[0-9]{1,7}", f.get("row", "")) else None
        _ws(request).record_answer(
            t, session, f.get("bid", ""), f.get("sheet", ""), row, f.get("field", ""), f.get("value", ""), on
        )

    return await act(request, session, f"/t/{t.id}/clarifications", record)


@router.post("/t/{tender_id}/clarifications/sent")
async def requests_sent(request: Request, tender_id: str) -> Response:
    session, t, _ = await acting(request, tender_id, "decide")
    return await act(
        request, session, f"/t/{t.id}/clarifications", lambda: _ws(request).requests_sent(t, session, date.today())
    )


@router.post("/t/{tender_id}/panel/score")
async def score(request: Request, tender_id: str) -> Response:
    session, t, f = await acting(request, tender_id, "score")
    return await act(
        request,
        session,
        f"/t/{t.id}/panel",
        lambda: _ws(request).score(
            t, session, f.get("bid", ""), f.get("criterion", ""), f.get("score", ""), f.get("comment", "")
        ),
    )


@router.post("/t/{tender_id}/panel/moderate")
async def moderate(request: Request, tender_id: str) -> Response:
    session, t, f = await acting(request, tender_id, "moderate")
    return await act(
        request,
        session,
        f"/t/{t.id}/panel",
        lambda: _ws(request).moderate(
            t, session, f.get("bid", ""), f.get("criterion", ""), f.get("score", ""), f.get("reason", "")
        ),
    )


@router.post("/t/{tender_id}/checks")
async def record_check(request: Request, tender_id: str) -> Response:
    session, t, f = await acting(request, tender_id, "decide")

    def record() -> None:
        on = _date(f.get("checked_on", ""), _locale(t), "checked_on")
        _ws(request).record_check(
            t, session, f.get("bid", ""), f.get("exclusion", ""), f.get("selection", ""), on, f.get("note", "")
        )

    return await act(request, session, f"/t/{t.id}/checks", record)


@router.post("/t/{tender_id}/checks/price-asked")
async def price_asked(request: Request, tender_id: str) -> Response:
    session, t, f = await acting(request, tender_id, "decide")

    def record() -> None:
        _ws(request).price_asked(t, session, f.get("bid", ""), _date(f.get("asked_on", ""), _locale(t), "asked_on"))

    return await act(request, session, f"/t/{t.id}/checks", record)


@router.post("/t/{tender_id}/checks/price-examined")
async def price_examined(request: Request, tender_id: str) -> Response:
    session, t, f = await acting(request, tender_id, "decide")

    def record() -> None:
        on = _date(f.get("decided_on", ""), _locale(t), "decided_on")
        _ws(request).price_examined(t, session, f.get("bid", ""), f.get("outcome", ""), on, f.get("note", ""))

    return await act(request, session, f"/t/{t.id}/checks", record)


@router.post("/t/{tender_id}/sign")
async def sign(request: Request, tender_id: str) -> Response:
    session, t, _ = await acting(request, tender_id, "sign")
    return await act(request, session, f"/t/{t.id}", lambda: _ws(request).sign(t, session))


@router.post("/t/{tender_id}/evaluate")
async def evaluate(request: Request, tender_id: str) -> Response:
    session, t, _ = await acting(request, tender_id, "decide")
    ws = _ws(request)

    def run() -> str:
        found = ws.evaluate(t, session)
        if ws.service is None:
            return "Recorded."
        return f"Submitted: flow run {found[0]} on the workers; its state is shown below."

    return await act(request, session, f"/t/{t.id}", run)


@router.post("/t/{tender_id}/send")
async def send(request: Request, tender_id: str) -> Response:
    session, t, _ = await acting(request, tender_id, "decide")
    return await act(request, session, f"/t/{t.id}/letters", lambda: _ws(request).send(t, session))


def _local(target: str) -> str:
    """Only a path of this site: never an address elsewhere (an open redirect)."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


def _locale(t: Tender) -> str:
    from scoring.intake.tender import load_tender

    return load_tender(t.folder).locale


def _date(text: str, locale: str, field_name: str = "received_on") -> date:
    """A date as people write it where the tender is: 21/10/2026 in Belgium, 21.10.2026 in Germany, or ISO."""
    from scoring.dates import parse_day

    found = parse_day(text, locale)
    if found is None:
        raise InputError(field_name, f"{text!r} is not a date")
    return found


def _queue(overview: Any, folder: Path) -> list[dict[str, Any]]:
    """The claims awaiting review, those that can change the award or a rank first; a claim reviews.yaml
    decides now is out of it, also while the evaluation is being brought up to date."""
    from scoring.award.pending import awaiting_review
    from scoring.claims.reviews import load_reviews

    try:
        decided = load_reviews(folder)
    except InputError:
        decided = None
    return [
        {"item": a, "language": evaluation.tender.language}
        for evaluation, _ in overview.lots
        for a in awaiting_review(evaluation)
        if decided is None or not decided.find(a.bid.bid_id, a.claim.certificate_id, a.claim.evidence)
    ]


def _requests(overview: Any) -> list[dict[str, Any]]:
    from scoring.reports.clarifications import to_request

    out = []
    for evaluation, _ in overview.lots:
        for b in to_request(evaluation):
            for r in b.clarifications:
                out.append({"bid": b, "request": r, "language": evaluation.tender.language})
    return out
