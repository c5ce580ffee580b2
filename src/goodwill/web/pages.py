"""The dashboard's router, the role each page needs, and the guard every page runs first.

`page(method, path, role=...)` registers a view and records its minimum role in `ROUTE_ROLES`; the guard
loads the session from its cookie, refuses a role below the page's (403), sends a signed-out browser to the
login page (GET) or refuses it (401), and checks the CSRF token of every POST (a form field `csrf`, or the
`X-CSRF-Token` header for the composer's live checks). Views read the result as `request.state.viewer`.
The library enforces roles again in each action (check_can_write, check_can_manage).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from goodwill.actions.accounts import Viewer, do_touch_session, viewer_of
from goodwill.actions.workspaces import NotFound
from goodwill.domain.enums import Role
from goodwill.store import Store
from goodwill.web.security import same_token

COOKIE = "gw_session"
RANK = {Role.VIEWER.value: 0, Role.AGENT.value: 1, Role.ADMIN.value: 2, Role.OWNER.value: 3}
PUBLIC = None  # a page anyone may open (the login page, static files)

router = APIRouter(include_in_schema=False)
ROUTE_ROLES: dict[tuple[str, str], str | None] = {}


log = logging.getLogger(__name__)


class PageError(Exception):
    """A page that cannot be shown: rendered as an error page with `status` and `message`."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class SignInNeeded(Exception):
    """No valid session: a GET goes to the login page and comes back afterwards."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


def store_of(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def load_viewer(request: Request) -> Viewer | None:
    token = request.cookies.get(COOKIE)
    if not token or len(token) > 100:
        return None
    with store_of(request).reader() as session:
        found = viewer_of(session, token)
    if found is not None and found.touch_due:
        with store_of(request).session() as session:
            do_touch_session(session, token)
    return found


def _guard(role: str | None, method: str) -> Callable[[Request], Any]:
    async def guard(request: Request) -> None:
        if role is PUBLIC:
            return
        viewer = load_viewer(request)
        if viewer is None:
            if method == "GET":
                raise SignInNeeded(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
            raise PageError(401, "sign in first")
        if method == "POST":
            given = request.headers.get("x-csrf-token")
            if given is None:
                form = await request.form()
                value = form.get("csrf")
                given = value if isinstance(value, str) else None
            if not same_token(viewer.csrf_token, given):
                raise PageError(403, "the form's security token is missing or stale: reload the page")
        if RANK.get(viewer.role, -1) < RANK[role]:
            raise PageError(403, f"a {viewer.role} cannot open this page (it needs {role} or above)")
        request.state.viewer = viewer

    return guard


def page(method: str, path: str, *, role: str | None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a dashboard view at `path` for `role` and above (PUBLIC: anyone)."""

    def register(view: Callable[..., Any]) -> Callable[..., Any]:
        ROUTE_ROLES[(method, path)] = role
        router.add_api_route(
            path,
            _explained(view, method),
            methods=[method],
            response_class=HTMLResponse,
            dependencies=[Depends(_guard(role, method))],
        )
        return view

    return register


def viewer(request: Request) -> Viewer:
    found: Viewer = request.state.viewer
    return found


def can(viewer: Viewer, role: str) -> bool:
    return RANK.get(viewer.role, -1) >= RANK[role]


def login_url(next_path: str) -> str:
    return "/login?next=" + quote(next_path, safe="/")


def _explained(view: Callable[..., Any], method: str) -> Callable[..., Any]:
    """The view with the library's refusals turned into pages: NotFound 404, PermissionError 403; a
    ValueError (bad input) is 400 on a GET and, on a POST, a message on the page the form came from."""

    @functools.wraps(view)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except NotFound as exc:
            raise PageError(404, str(exc)) from None
        except (PermissionError, ValueError) as exc:
            request = kwargs.get("request")
            if method == "POST" and isinstance(request, Request):
                from goodwill.web.render import redirect

                return redirect(request, came_from(request), f"Not done: {exc}")
            raise PageError(403 if isinstance(exc, PermissionError) else 400, str(exc)) from None

    return run


def came_from(request: Request) -> str:
    """The path (and query) of the page a form was posted from, on this site; the inbox otherwise."""
    parts = urlsplit(request.headers.get("referer", ""))
    if parts.netloc and parts.netloc != request.url.netloc:
        return "/inbox"
    return (parts.path or "/inbox") + (f"?{parts.query}" if parts.query else "")


def install(app: FastAPI) -> None:
    """What the dashboard needs from the app beyond its router: its two exception handlers."""
    from goodwill.web.render import html

    async def sign_in(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInNeeded)
        return RedirectResponse(login_url(exc.next_path), status_code=303)

    async def error_page(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, PageError)
        if request.headers.get("x-csrf-token") is not None:  # the composer's fetch: JSON
            from fastapi.responses import JSONResponse

            return JSONResponse({"detail": exc.message}, status_code=exc.status)
        return html(request, "error.html", status_code=exc.status, status=exc.status, message=exc.message)

    app.add_exception_handler(SignInNeeded, sign_in)
    app.add_exception_handler(PageError, error_page)
