"""The hub's own request log: method, route, status, duration and record keys; never bodies nor query values."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from types import TracebackType

from flask import Flask, Response, g, request

from mdm.api.parameters import QUERY_MAX_LENGTHS

logger = logging.getLogger("mdm.requests")
# A batch of 5,000 would make a line of 100 kB; the first keys and the count are enough to find the request.
MAX_LOGGED_KEYS = 100


def note_record_keys(keys: Iterable[str]) -> None:
    """Name the records this request wrote (``SOURCE_SYSTEM:source_record_id``), for its log line."""
    g.mdm_record_keys = list(keys)


def _route() -> str:
    # The rule, not the path: /api/v1/records/<source_system>/<path:source_record_id>. An unmatched path is
    # whatever the caller typed, so it is not logged.
    return request.url_rule.rule if request.url_rule is not None else "(no route)"


def _context() -> str:
    parts = [f"{request.method} {_route()}"]
    principal = g.get("principal")
    if principal is not None:  # who called: the token's name and id, as the audit trail names it
        parts.append(f"by={principal.actor}")
    # Parameter names the hub knows, never values (a search carries names, phones, e-mails) nor unknown names.
    names = sorted({name for name in request.args if name in QUERY_MAX_LENGTHS})
    others = len({name for name in request.args if name not in QUERY_MAX_LENGTHS})
    if names or others:
        parts.append("params=" + ",".join(names + ([f"+{others} other"] if others else [])))
    keys: list[str] = g.get("mdm_record_keys", [])
    if keys:
        shown = ",".join(keys[:MAX_LOGGED_KEYS])
        parts.append(f"records={shown}" + (f" (+{len(keys) - MAX_LOGGED_KEYS} more)"
                                           if len(keys) > MAX_LOGGED_KEYS else ""))
    return " ".join(parts)


def _start() -> None:
    g.mdm_started = time.perf_counter()


def _log_response(response: Response) -> Response:
    started = g.get("mdm_started")
    elapsed = f" {(time.perf_counter() - started) * 1000:.1f}ms" if started is not None else ""
    logger.info("%s -> %d%s", _context(), response.status_code, elapsed)
    return response


def log_failure(exc_info: tuple[type[BaseException], BaseException, TracebackType] | tuple[None, None, None]) -> None:
    """An unhandled exception, by its type and the request's keys only: its message and traceback can quote the
    values it failed on (a SQL statement's parameters, the row that broke a constraint)."""
    kind = exc_info[0].__name__ if exc_info[0] is not None else "unknown error"
    logger.error("%s failed: %s", _context(), kind)


def init_app(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_log_response)
