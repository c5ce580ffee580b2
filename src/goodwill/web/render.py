"""Templates (Jinja2, autoescaped everywhere), their filters, flash messages and redirects.

Every value a template prints is escaped by Jinja's autoescape; no template marks user text `|safe`. Links
from platforms are printed as links only when they are http(s) (`web_url`); message text is never turned
into links, so a `javascript:` URL in a message stays text.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from goodwill import __version__

HERE = Path(__file__).parent
FLASH = "gw_flash"

env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    auto_reload=False,
    trim_blocks=True,
    lstrip_blocks=True,
)


def ago(moment: datetime | None, now: datetime | None = None) -> str:
    """'5 min ago', '3 h ago', '2 d ago' ('in 5 min' for the future)."""
    if moment is None:
        return "–"
    seconds = ((now or datetime.now(UTC)) - moment).total_seconds()
    text = span(abs(seconds))
    return f"{text} ago" if seconds >= 0 else f"in {text}"


def span(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return "<1 min"
    if minutes < 120:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // 1440} d"


def sla_text(due: datetime | None, state: str, now: datetime | None = None) -> str:
    """The SLA clock as words: 'due in 12 min', 'breached 3 h ago' (app.js keeps it ticking)."""
    if due is None:
        return "no SLA"
    seconds = (due - (now or datetime.now(UTC))).total_seconds()
    return f"due in {span(seconds)}" if seconds > 0 else f"breached {span(-seconds)} ago"


def web_url(value: str | None) -> str | None:
    """An http(s) URL to link to, or None (javascript:, data: and anything else are not links)."""
    if not value:
        return None
    parts = urlsplit(value.strip())
    return value.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def stamp(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "–"


def short(text: str | None, limit: int = 140) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


env.filters.update(ago=ago, sla_text=sla_text, web_url=web_url, iso=iso, stamp=stamp, short=short)
env.globals.update(version=__version__)


def html(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render `template` with the request's viewer and flash message; clears the flash it showed."""
    flash = unquote(request.cookies.get(FLASH) or "") or None
    body = env.get_template(template).render(
        request=request,
        viewer=getattr(request.state, "viewer", None),
        flash=flash[:300] if flash else None,
        path=request.url.path,
        **context,
    )
    response = HTMLResponse(body, status_code=status_code, headers={"cache-control": "no-store"})
    if flash:
        response.delete_cookie(FLASH, path="/")
    return response


def redirect(request: Request, to: str, flash: str | None = None) -> RedirectResponse:
    """303 to `to` (a path on this site) with an optional message shown once on the next page."""
    if not to.startswith("/") or to.startswith("//"):
        to = "/"
    response = RedirectResponse(to, status_code=303)
    if flash:
        response.set_cookie(
            FLASH, quote(flash[:300], safe=""), path="/", httponly=True, samesite="lax",
            secure=request.url.scheme == "https", max_age=60,
        )  # fmt: skip
    return response
