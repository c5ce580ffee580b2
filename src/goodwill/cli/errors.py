"""Turn the library's errors into one line a user can act on."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError, SQLAlchemyError


def explain(exc: BaseException) -> str | None:
    """The message for `exc`, or None for a bug (which should show its traceback)."""
    # imported here, on failure only: the importer pulls in every reader, too slow for every start-up
    from goodwill.actions.workspaces import NotFound
    from goodwill.connectors.base import ConnectorError
    from goodwill.connectors.files.importer import ImportRefused
    from goodwill.connectors.secrets import SecretKeyError
    from goodwill.domain.message import InvalidMessage
    from goodwill.store import StoreError

    if isinstance(exc, ConnectorError):
        return f"{exc} (the platform said: {exc.platform_error})" if exc.platform_error else str(exc)
    if isinstance(exc, ImportRefused | NotFound | StoreError | InvalidMessage | FileNotFoundError | SecretKeyError):
        return str(exc).strip("'\"")
    if isinstance(exc, OperationalError):
        return f"cannot use the database: {exc.orig}"
    if isinstance(exc, SQLAlchemyError):
        return f"database error: {exc.__class__.__name__}: {str(exc).splitlines()[0]}"
    if isinstance(exc, ValueError | PermissionError | IsADirectoryError):
        return str(exc)
    return f"unexpected {exc.__class__.__name__}: {exc} (set GOODWILL_DEBUG=1 for the traceback)"
