"""The people who use the workspace: accounts, the tenders each is on, sessions, sign-in attempts and each
member's declaration on conflicts of interest, in the ledger's own database (SQLite or PostgreSQL).

Passwords are kept as argon2id hashes (argon2-cffi), never in clear; a session is a random token of which
only the SHA-256 is stored, so a copy of the database opens no session; the CSRF token is the session's.
Repeated failed sign-ins for one address are slowed down (refused for a while) and every attempt is kept.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa

from scoring.errors import InputError

metadata = sa.MetaData()

users = sa.Table(
    "users",
    metadata,
    sa.Column("email", sa.String(254), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", sa.String(32), nullable=False),
)
user_tenders = sa.Table(
    "user_tenders",
    metadata,
    sa.Column("email", sa.String(254), sa.ForeignKey("users.email"), primary_key=True),
    sa.Column("tender_id", sa.String(200), primary_key=True),  # "*": every tender
)
sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("token_sha256", sa.String(64), primary_key=True),
    sa.Column("email", sa.String(254), sa.ForeignKey("users.email"), nullable=False),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("expires_at", sa.String(32), nullable=False),
    sa.Column("revoked", sa.Boolean, nullable=False, default=False),
)
signins = sa.Table(
    "signins",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("email", sa.String(254), nullable=False, index=True),
    sa.Column("at", sa.String(32), nullable=False),
    sa.Column("ok", sa.Boolean, nullable=False),
    sa.Column("address", sa.String(64)),
)
declarations = sa.Table(
    "declarations",
    metadata,
    sa.Column("email", sa.String(254), sa.ForeignKey("users.email"), primary_key=True),
    sa.Column("tender_id", sa.String(200), primary_key=True),
    sa.Column("conflict", sa.Boolean, nullable=False),
    sa.Column("note", sa.Text, nullable=False, default=""),
    sa.Column("declared_at", sa.String(32), nullable=False),
)


class Role(StrEnum):
    """What a person may do in the workspace (enforced on the server for every route)."""

    SECRETARY = "secretary"  # records the committee's decisions, answers, evaluates and sends
    MEMBER = "member"  # declares, reads the bids, signs the report
    CHAIR = "chair"  # a member who also signs off
    AUDITOR = "auditor"  # reads everything, changes nothing


DECLARING = (Role.SECRETARY, Role.MEMBER, Role.CHAIR)  # declare on conflicts before any bid is shown
SESSION_HOURS = 12
FAILURES_ALLOWED = 5  # failed sign-ins for one address within the window, then refused until it passes
FAILURE_WINDOW = timedelta(minutes=15)
MIN_PASSWORD = 12
EVERY_TENDER = "*"


@dataclass(frozen=True)
class User:
    email: str
    name: str
    role: Role
    disabled: bool
    tenders: tuple[str, ...]

    def on(self, tender_id: str) -> bool:
        return EVERY_TENDER in self.tenders or tender_id in self.tenders


@dataclass(frozen=True)
class Session:
    user: User
    csrf: str
    token_sha256: str


@dataclass(frozen=True)
class Declaration:
    conflict: bool
    note: str
    declared_at: str


class SignInRefused(Exception):
    """Why a sign-in was refused, in words a person can act on (never which part was wrong)."""

    def __init__(self, message: str, wait_seconds: int = 0):
        super().__init__(message)
        self.wait_seconds = wait_seconds


def _now() -> datetime:
    return datetime.now(UTC)


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _hasher():  # argon2 is imported where passwords are handled only: the command line starts faster
    from argon2 import PasswordHasher

    return PasswordHasher()


def normal_email(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email or len(email) > 254 or any(c.isspace() for c in email):
        raise InputError("EMAIL", f"{email!r} is not an e-mail address")
    return email


class Accounts:
    """The workspace's accounts on the ledger's engine (its tables are created beside the ledger's)."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine
        metadata.create_all(engine)
        # A wrong password costs as much as a right one, also for an address that has no account.
        self._dummy = _hasher().hash(secrets.token_urlsafe(16))

    # --- accounts (tenderscore users ...) ----------------------------------------------------------------

    def add(self, email: str, name: str, role: Role | str, password: str, tenders: list[str]) -> User:
        email, role = normal_email(email), Role(role)
        if len(password) < MIN_PASSWORD:
            raise InputError("password", f"at least {MIN_PASSWORD} characters")
        if not name.strip():
            raise InputError("--name", "a name is needed: it is what the ledger and the report show")
        if EVERY_TENDER in tenders and role is not Role.AUDITOR:
            raise InputError("--tender", "'*' (every tender) is for an auditor only")
        with self.engine.begin() as db:
            if db.execute(sa.select(users.c.email).where(users.c.email == email)).first():
                raise InputError("EMAIL", f"{email} has an account already")
            same = db.execute(sa.select(users.c.email).where(users.c.name == name.strip())).scalar()
            if same is not None:
                raise InputError("--name", f"{same} has that name already: the committee's records tell people by it")
            db.execute(
                users.insert().values(
                    email=email,
                    name=name.strip(),
                    role=role.value,
                    password_hash=_hasher().hash(password),
                    disabled=False,
                    created_at=_stamp(_now()),
                )
            )
            for t in dict.fromkeys(tenders):
                db.execute(user_tenders.insert().values(email=email, tender_id=t))
        found = self.user(email)
        assert found is not None
        return found

    def disable(self, email: str) -> None:
        """No more sign-in, and every open session of the account ends now."""
        email = normal_email(email)
        with self.engine.begin() as db:
            if db.execute(users.update().where(users.c.email == email).values(disabled=True)).rowcount == 0:
                raise InputError("EMAIL", f"{email} has no account")
            db.execute(sessions.update().where(sessions.c.email == email).values(revoked=True))

    def user(self, email: str) -> User | None:
        with self.engine.connect() as db:
            row = db.execute(sa.select(users).where(users.c.email == email)).mappings().first()
            if row is None:
                return None
            tenders = db.execute(sa.select(user_tenders.c.tender_id).where(user_tenders.c.email == email)).scalars()
            return User(row["email"], row["name"], Role(row["role"]), bool(row["disabled"]), tuple(sorted(tenders)))

    def list(self) -> list[tuple[User, str | None, int]]:
        """Every account, with its last successful sign-in and its failed attempts since."""
        with self.engine.connect() as db:
            emails = db.execute(sa.select(users.c.email).order_by(users.c.email)).scalars().all()
        out = []
        for email in emails:
            user = self.user(email)
            assert user is not None
            with self.engine.connect() as db:
                last = db.execute(
                    sa.select(sa.func.max(signins.c.at)).where(signins.c.email == email, signins.c.ok)
                ).scalar()
                failed = db.execute(
                    sa.select(sa.func.count())
                    .select_from(signins)
                    .where(signins.c.email == email, sa.not_(signins.c.ok), signins.c.at > (last or ""))
                ).scalar()
            out.append((user, last, int(failed or 0)))
        return out

    # --- signing in --------------------------------------------------------------------------------------

    def sign_in(self, email: str, password: str, address: str | None = None) -> tuple[str, Session]:
        """A new session (its token, to go in the cookie) for the right password of an enabled account;
        SignInRefused otherwise. Every attempt is recorded; after FAILURES_ALLOWED failures in the window
        the address is refused until the window has passed, whatever the password."""
        from argon2.exceptions import VerificationError

        email = email.strip().lower()[:254]
        now = _now()
        same_client = signins.c.address == address if address is not None else signins.c.address.is_(None)
        with self.engine.connect() as db:  # failures for this address from this client, in the window
            recent = (
                db.execute(
                    sa.select(signins.c.at)
                    .where(
                        signins.c.email == email,
                        sa.not_(signins.c.ok),
                        same_client,
                        signins.c.at > _stamp(now - FAILURE_WINDOW),
                    )
                    .order_by(signins.c.at)
                )
                .scalars()
                .all()
            )
        if len(recent) >= FAILURES_ALLOWED:  # refused unchecked, and not counted: else it would never end
            until = datetime.fromisoformat(recent[-FAILURES_ALLOWED]) + FAILURE_WINDOW
            wait = max(1, int((until - now).total_seconds()))
            raise SignInRefused(
                f"too many failed sign-ins for this address: try again in {wait // 60 + 1} minutes", wait
            )
        with self.engine.connect() as db:
            row = db.execute(sa.select(users).where(users.c.email == email)).mappings().first()
        hasher = _hasher()
        try:
            hasher.verify(row["password_hash"] if row else self._dummy, password)
            ok = row is not None and not row["disabled"]
        except VerificationError:
            ok = False
        self._attempt(email, ok, address)
        if not ok:
            raise SignInRefused("the e-mail address or the password is not right, or the account is disabled")
        assert row is not None
        if hasher.check_needs_rehash(row["password_hash"]):
            with self.engine.begin() as db:
                db.execute(users.update().where(users.c.email == email).values(password_hash=hasher.hash(password)))
        return self._open_session(email)

    def sign_in_verified(self, email: str, address: str | None = None) -> tuple[str, Session]:
        """A new session for an e-mail address the buyer's identity provider has verified (OpenID Connect):
        that of an enabled account; SignInRefused otherwise. Recorded as every attempt is."""
        email = email.strip()[:254]
        user = self.user(email.lower()) if email.isascii() else None  # no look-alike letter folds into another's
        ok = user is not None and not user.disabled
        email = email.lower()
        self._attempt(email, ok, address)
        if not ok:
            raise SignInRefused("no enabled account has this e-mail address: ask the workspace's operator for one")
        return self._open_session(email)

    def _open_session(self, email: str) -> tuple[str, Session]:
        now = _now()
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self.engine.begin() as db:
            db.execute(
                sessions.insert().values(
                    token_sha256=_sha(token),
                    email=email,
                    csrf=csrf,
                    created_at=_stamp(now),
                    expires_at=_stamp(now + timedelta(hours=SESSION_HOURS)),
                    revoked=False,
                )
            )
        user = self.user(email)
        assert user is not None
        return token, Session(user, csrf, _sha(token))

    def _attempt(self, email: str, ok: bool, address: str | None) -> None:
        with self.engine.begin() as db:
            db.execute(signins.insert().values(email=email[:254], at=_stamp(_now()), ok=ok, address=address))

    def session(self, token: str | None) -> Session | None:
        """The open session of a cookie's token: None when unknown, revoked, expired or its account disabled."""
        if not token or len(token) > 200:
            return None
        with self.engine.connect() as db:
            row = db.execute(sa.select(sessions).where(sessions.c.token_sha256 == _sha(token))).mappings().first()
        if row is None or row["revoked"] or row["expires_at"] <= _stamp(_now()):
            return None
        user = self.user(row["email"])
        if user is None or user.disabled:
            return None
        return Session(user, row["csrf"], row["token_sha256"])

    def revoke(self, token_sha256: str) -> None:
        with self.engine.begin() as db:
            db.execute(sessions.update().where(sessions.c.token_sha256 == token_sha256).values(revoked=True))

    def revoke_all(self, email: str) -> int:
        with self.engine.begin() as db:
            return db.execute(
                sessions.update().where(sessions.c.email == normal_email(email)).values(revoked=True)
            ).rowcount

    # --- declarations on conflicts of interest -------------------------------------------------------------

    def declaration(self, email: str, tender_id: str) -> Declaration | None:
        with self.engine.connect() as db:
            row = (
                db.execute(
                    sa.select(declarations).where(declarations.c.email == email, declarations.c.tender_id == tender_id)
                )
                .mappings()
                .first()
            )
        return Declaration(bool(row["conflict"]), row["note"], row["declared_at"]) if row else None

    def undeclare(self, email: str, tender_id: str) -> None:
        """Take back a declaration whose record could not be written (the action is in neither)."""
        with self.engine.begin() as db:
            db.execute(
                declarations.delete().where(declarations.c.email == email, declarations.c.tender_id == tender_id)
            )

    def declare(self, email: str, tender_id: str, conflict: bool, note: str) -> Declaration:
        """Once per person and tender: a declaration is not taken back here (the committee records a change)."""
        made = Declaration(conflict, note.strip(), _stamp(_now()))
        with self.engine.begin() as db:
            exists = db.execute(
                sa.select(declarations.c.email).where(
                    declarations.c.email == email, declarations.c.tender_id == tender_id
                )
            ).first()
            if exists:
                raise InputError("declaration", "already declared for this tender")
            db.execute(
                declarations.insert().values(
                    email=email, tender_id=tender_id, conflict=conflict, note=made.note, declared_at=made.declared_at
                )
            )
        return made
