"""An OpenID Connect provider for the tests, over real HTTP: discovery, keys, authorization (it signs in the
person it is told to, at once) and the token endpoint (client secret, PKCE, a signed ID token). `mode` makes it
misbehave the ways a provider, or someone between, could: another audience, an unverified address, another
nonce, a token signed with a key it does not publish."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Route

CLIENT_ID, CLIENT_SECRET = "tenderscore-workspace", "a secret of the client"


class IdentityProvider:
    def __init__(self) -> None:
        self.base = ""  # set once it listens
        self.key = RSAKey.generate_key(2048, parameters={"kid": "published"})
        self.other = RSAKey.generate_key(2048, parameters={"kid": "published"})  # the same kid, not published
        self.email = "member@city.example"
        self.mode = "ok"
        self.codes: dict[str, dict] = {}
        self.app = Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self.discovery),
                Route("/jwks", self.jwks),
                Route("/authorize", self.authorize),
                Route("/token", self.token, methods=["POST"]),
            ]
        )

    async def discovery(self, request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "issuer": self.base,
                "authorization_endpoint": f"{self.base}/authorize",
                "token_endpoint": f"{self.base}/token",
                "jwks_uri": f"{self.base}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            }
        )

    async def jwks(self, request: Request) -> JSONResponse:
        return JSONResponse({"keys": [self.key.as_dict(private=False)]})

    async def authorize(self, request: Request) -> RedirectResponse | JSONResponse:
        q = request.query_params
        if (
            q.get("client_id") != CLIENT_ID
            or q.get("response_type") != "code"
            or q.get("code_challenge_method") != "S256"
        ):
            return JSONResponse({"error": "invalid_request"}, 400)
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "nonce": q.get("nonce"),
            "challenge": q.get("code_challenge"),
            "redirect_uri": q.get("redirect_uri"),
        }
        return RedirectResponse(f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q.get('state', '')})}", 302)

    async def token(self, request: Request) -> JSONResponse:
        form = await request.form()
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if request.headers.get("authorization") != expected:
            return JSONResponse({"error": "invalid_client"}, 401)
        issued = self.codes.pop(str(form.get("code")), None)  # a code is used once
        if issued is None or form.get("redirect_uri") != issued["redirect_uri"]:
            return JSONResponse({"error": "invalid_grant"}, 400)
        verifier = str(form.get("code_verifier", ""))
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if digest != issued["challenge"]:
            return JSONResponse({"error": "invalid_grant", "error_description": "PKCE"}, 400)
        now = int(time.time())
        claims = {
            "iss": self.base,
            "sub": "person-1",
            "aud": "another-client" if self.mode == "audience" else CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": "another nonce" if self.mode == "nonce" else issued["nonce"],
            "email": self.email,
            "email_verified": self.mode != "unverified",
        }
        key = self.other if self.mode == "forged" else self.key
        id_token = jwt.encode({"alg": "RS256", "kid": "published"}, claims, key)
        return JSONResponse({"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "expires_in": 300,
                             "id_token": id_token})  # fmt: skip
