"""Errors as JSON: `{"error": {"code", "message", "field"?}}` with the right status, on every /api route.

The library raises plain exceptions that say what is wrong; this module maps them once:
NotFound -> 404, PermissionError -> 403 (Collision: 409), ValueError and OverflowError (a number or date out
of range) -> 422, request validation -> 422 naming the field. Anything else is a bug: 500 with a generic
message (the traceback goes to the log, never to the client). Paths outside /api keep FastAPI's own error
bodies (the webhook receivers answer platforms).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from goodwill.actions.replies import Collision
from goodwill.actions.workspaces import NotFound

log = logging.getLogger(__name__)
API_PREFIX = "/api/"
CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}
CODES |= {409: "conflict", 413: "too_large", 415: "unsupported_media_type", 422: "invalid", 500: "internal"}


class ErrorBody(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


def _described(status: int, what: str) -> dict[str, Any]:
    return {"model": ErrorResponse, "description": what}


# Documented on every REST route, so clients (and the schema fuzzer) know every status a route can answer.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _described(400, "The body is not JSON"),
    401: _described(401, "No token, or a token that is unknown, revoked or expired"),
    403: _described(403, "The token's scopes or its teammate's role do not allow this"),
    404: _described(404, "No such object in this workspace"),
    409: _described(409, "Conflicts with the object's state (another teammate is answering, ...)"),
    422: _described(422, "The request is not valid: `field` names what to change"),
}


class ApiError(Exception):
    """An error a route raises on purpose, with its status, code and (optionally) the field at fault."""

    def __init__(self, status: int, message: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or CODES.get(status, "error")
        self.message = message
        self.field = field


@contextmanager
def field_errors(field: str) -> Iterator[None]:
    """Name `field` on the library's ValueErrors (and OverflowErrors) raised in the block (422 with `field`)."""
    try:
        yield
    except (ValueError, OverflowError) as exc:
        raise ApiError(422, str(exc), field=field) from exc


@contextmanager
def referenced(field: str) -> Iterator[None]:
    """An object named in the request body that does not exist is a bad request (422 on `field`), not a
    missing resource (404 is for the path)."""
    try:
        yield
    except NotFound as exc:
        raise ApiError(422, str(exc), field=field) from exc


def error_json(status: int, message: str, *, code: str | None = None, field: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {"code": code or CODES.get(status, "error"), "message": message}
    if field is not None:
        body["field"] = field
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"error": body}, status_code=status, headers=headers)


# pydantic names the member of a union that failed inside the location ("snooze.constrained-int"): not a field
_TYPE_TAG = re.compile(r"^(constrained-)?(int|str|float|bool|list|dict|none|literal\[.*\]|function-\w+\[.*\])$")


def _field_of(location: tuple[Any, ...] | list[Any]) -> str:
    """'body.text', 'query.limit', 'path.conversation_id': where the bad value is."""
    parts = [str(p) for p in location if not _TYPE_TAG.match(str(p))]
    return ".".join(parts) if parts else "request"


def _validation_message(error: dict[str, Any]) -> str:
    message = str(error.get("msg") or "invalid value")
    return message.removeprefix("Value error, ")


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


async def _on_api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_json(exc.status, exc.message, code=exc.code, field=exc.field)


async def _on_validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if not _is_api(request):
        return await request_validation_exception_handler(request, exc)
    errors = list(exc.errors())
    first = errors[0] if errors else {}
    field = _field_of(first.get("loc") or ())
    return error_json(422, f"{field}: {_validation_message(first)}", code="validation", field=field)


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if not _is_api(request):
        return await http_exception_handler(request, exc)
    return error_json(exc.status_code, str(exc.detail))


async def _on_not_found(_request: Request, exc: Exception) -> JSONResponse:
    return error_json(404, str(exc))


async def _on_forbidden(_request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, Collision):
        return error_json(409, str(exc), code="collision")
    return error_json(403, str(exc))


async def _on_invalid(_request: Request, exc: Exception) -> JSONResponse:
    return error_json(422, str(exc))


async def _on_overflow(_request: Request, exc: Exception) -> JSONResponse:
    return error_json(422, f"a value is out of range: {exc}")


async def _on_bug(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_json(500, "internal error: the server logged it")


def install(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _on_api_error)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(NotFound, _on_not_found)
    app.add_exception_handler(PermissionError, _on_forbidden)
    app.add_exception_handler(ValueError, _on_invalid)
    app.add_exception_handler(OverflowError, _on_overflow)
    app.add_exception_handler(Exception, _on_bug)
