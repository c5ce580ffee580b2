"""The web dashboard: server-rendered pages (Jinja2, autoescaped) over the library, with a small hand-written
CSS and JS served from the package. `router` holds every page; `install(app)` adds its error pages.
Accounts and sessions: goodwill.actions.accounts. Pages and the role each needs: goodwill.web.pages."""

from goodwill.web import views_auth, views_inbox, views_people, views_settings  # noqa: F401  (register pages)
from goodwill.web.pages import ROUTE_ROLES, install, router
from goodwill.web.security import SecurityHeaders

__all__ = ["ROUTE_ROLES", "SecurityHeaders", "install", "router"]
