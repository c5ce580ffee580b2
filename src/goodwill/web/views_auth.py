"""Signing in and out, and the static files (served from the package: nothing from a CDN)."""

from __future__ import annotations

import hashlib
import secrets
from typing import Annotated

from fastapi import Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from goodwill.actions.accounts import (
    SESSION_IDLE,
    RateLimited,
    SignInRefused,
    authenticate,
    do_end_session,
    do_start_session,
)
from goodwill.web.pages import COOKIE, PUBLIC, PageError, load_viewer, page, store_of, viewer
from goodwill.web.render import HERE, html, redirect
from goodwill.web.security import same_token

LOGIN_CSRF = "gw_login_csrf"  # double-submit token for the login form, which has no session yet
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
STATIC = {
    p.name: (p.read_bytes(), STATIC_TYPES[p.suffix]) for p in (HERE / "static").iterdir() if p.suffix in STATIC_TYPES
}
ETAGS = {name: hashlib.sha256(body).hexdigest()[:16] for name, (body, _) in STATIC.items()}


def _client_ip(request: Request) -> str:
    return (request.client.host if request.client else "unknown")[:64]


def _safe_next(value: str | None) -> str:
    return value if value and value.startswith("/") and not value.startswith("//") and "\\" not in value else "/inbox"


@page("GET", "/login", role=PUBLIC)
def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    if load_viewer(request) is not None:
        return redirect(request, _safe_next(next))  # type: ignore[return-value]
    token = secrets.token_urlsafe(24)
    response = html(request, "login.html", csrf=token, next=_safe_next(next), error=None)
    response.set_cookie(LOGIN_CSRF, token, httponly=True, samesite="strict", secure=request.url.scheme == "https")
    return response


@page("POST", "/login", role=PUBLIC)
def login(
    request: Request,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1024)],
    csrf: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=500)] = "/inbox",
) -> Response:
    if not same_token(request.cookies.get(LOGIN_CSRF), csrf):
        raise PageError(403, "the login form expired: reload the page")
    error, status = None, 200
    with store_of(request).session() as session:
        try:
            teammate = authenticate(session, email=email, password=password, ip=_client_ip(request))
            signed = do_start_session(
                session, teammate, ip=_client_ip(request), user_agent=request.headers.get("user-agent")
            )
        except RateLimited as exc:
            error, status = str(exc), 429
        except SignInRefused as exc:
            error, status = str(exc), 401
    if error is not None:
        response = html(request, "login.html", status_code=status, csrf=csrf, next=_safe_next(next), error=error)
        return response
    done = redirect(request, _safe_next(next))
    done.set_cookie(
        COOKIE, signed.token, httponly=True, samesite="lax", secure=request.url.scheme == "https", path="/",
        max_age=int(SESSION_IDLE.total_seconds()),
    )  # fmt: skip
    done.delete_cookie(LOGIN_CSRF)
    return done


@page("POST", "/logout", role="viewer")
def logout(request: Request) -> RedirectResponse:
    token = request.cookies.get(COOKIE, "")
    with store_of(request).session() as session:
        do_end_session(session, token, acting=viewer(request).acting)
    response = redirect(request, "/login", "Signed out.")
    response.delete_cookie(COOKIE, path="/")
    return response


@page("GET", "/", role="viewer")
def home(request: Request) -> RedirectResponse:
    return redirect(request, "/inbox")


@page("GET", "/static/{name}", role=PUBLIC)
def static(request: Request, name: str) -> Response:
    if name not in STATIC:
        raise PageError(404, "no such file")
    body, kind = STATIC[name]
    tag = f'"{ETAGS[name]}"'
    headers = {"etag": tag, "cache-control": "public, max-age=3600"}
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=kind, headers=headers)
