"""Sign-in through the buyer's identity provider with OpenID Connect (Authlib's Starlette client).

The person is sent to the provider (authorization code flow with PKCE, a state and a nonce), comes back with a
code, which is exchanged for an ID token; Authlib checks its signature against the provider's published keys,
its issuer, audience, expiry and nonce. The verified e-mail address is then the account made with `tenderscore
users add`: roles and tenders stay the workspace's, and an address the provider has not verified, or that no
enabled account has, signs nobody in. Configured from the environment:

    TENDERSCORE_OIDC_ISSUER         the provider's issuer (its /.well-known/openid-configuration is read)
    TENDERSCORE_OIDC_CLIENT_ID      the workspace's client id at the provider
    TENDERSCORE_OIDC_CLIENT_SECRET  its secret (client_secret_basic)
    TENDERSCORE_OIDC_NAME           what the sign-in button says (default: "your organisation's sign-in")
    TENDERSCORE_OIDC_REDIRECT_URI   the callback address as the provider knows it, when a reverse proxy changes it
    TENDERSCORE_OIDC_PASSWORDS      "off": passwords no longer sign in (the provider only)
    TENDERSCORE_OIDC_TRUSTED_DOMAINS  the domains (comma-separated) whose addresses are trusted without
                                    `email_verified`, for a provider that never sends it (Entra ID)

The transaction (state, nonce, PKCE verifier) is kept on the server, for ten minutes, under a cookie of its own.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

COOKIE = "tenderscore_oidc"
TRANSACTION_SECONDS = 600


@dataclass(frozen=True)
class Provider:
    issuer: str
    client_id: str
    client_secret: str
    name: str = "your organisation's sign-in"
    redirect_uri: str | None = None
    passwords: bool = True  # whether passwords still sign in beside the provider
    trusted_domains: tuple[str, ...] = ()  # addresses the provider does not mark verified, trusted all the same

    @classmethod
    def from_environment(cls) -> Provider | None:
        issuer = os.environ.get("TENDERSCORE_OIDC_ISSUER", "").strip()
        if not issuer:
            return None
        client_id = os.environ.get("TENDERSCORE_OIDC_CLIENT_ID", "").strip()
        secret = os.environ.get("TENDERSCORE_OIDC_CLIENT_SECRET", "")
        if not client_id or not secret:
            raise SystemExit(
                "TENDERSCORE_OIDC_ISSUER needs TENDERSCORE_OIDC_CLIENT_ID and TENDERSCORE_OIDC_CLIENT_SECRET"
            )
        return cls(
            issuer=issuer.rstrip("/"),
            client_id=client_id,
            client_secret=secret,
            name=os.environ.get("TENDERSCORE_OIDC_NAME", "").strip() or cls.name,
            redirect_uri=os.environ.get("TENDERSCORE_OIDC_REDIRECT_URI", "").strip() or None,
            passwords=os.environ.get("TENDERSCORE_OIDC_PASSWORDS", "on").strip().lower() != "off",
            trusted_domains=tuple(
                d.strip().lower()
                for d in os.environ.get("TENDERSCORE_OIDC_TRUSTED_DOMAINS", "").split(",")
                if d.strip()
            ),
        )


class Transactions:
    """The sign-ins under way: a dict per browser (Authlib keeps its state data in it), kept here, never in
    the cookie, and forgotten after TRANSACTION_SECONDS. Only starting a sign-in makes one, at most
    PER_CLIENT per client address (its oldest goes), so a flood from one address ends no one else's."""

    PER_CLIENT = 20
    LIMIT = 10_000

    def __init__(self) -> None:
        self._open: dict[str, tuple[float, str | None, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def start(self, address: str | None) -> tuple[str, dict[str, Any]]:
        now = time.monotonic()
        with self._lock:
            for old in [k for k, (at, _, _) in self._open.items() if now - at > TRANSACTION_SECONDS]:
                del self._open[old]
            mine = [k for k, (_, where, _) in self._open.items() if where == address]
            for old in mine[: max(0, len(mine) - self.PER_CLIENT + 1)]:
                del self._open[old]
            if len(self._open) >= self.LIMIT:  # many addresses at once: the oldest go
                for old in list(self._open)[: len(self._open) - self.LIMIT + 1]:
                    del self._open[old]
            key = secrets.token_urlsafe(32)
            self._open[key] = (now, address, {})
            return key, self._open[key][2]

    def get(self, key: str | None) -> dict[str, Any] | None:
        """The transaction of a cookie's key, when it is one under way (never made here)."""
        with self._lock:
            found = self._open.get(key or "")
            if found is None or time.monotonic() - found[0] > TRANSACTION_SECONDS:
                return None
            return found[2]

    def end(self, key: str | None) -> None:
        with self._lock:
            self._open.pop(key or "", None)

    def __len__(self) -> int:
        return len(self._open)


def verified_email(claims: dict[str, Any], provider: Provider) -> str | None:
    """The ID token's e-mail address when the provider vouches for it: `email_verified` true, or (for a provider
    that never says, as Entra ID) an address of a domain the operator trusts it for; ASCII only, so that no
    look-alike letter folds into another account's address."""
    email = claims.get("email")
    if not isinstance(email, str) or not email.isascii() or "@" not in email:
        return None
    verified = claims.get("email_verified")
    if verified is True or verified == "true":
        return email
    domain = email.rsplit("@", 1)[1].lower()
    return email if verified is None and domain in provider.trusted_domains else None


def client(provider: Provider) -> Any:
    """Authlib's OpenID Connect client of the provider (its metadata read on first use)."""
    from authlib.integrations.starlette_client import OAuth

    oauth = OAuth()
    oauth.register(
        "buyer",
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        server_metadata_url=f"{provider.issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256", "timeout": 10},
    )
    return oauth.create_client("buyer")
