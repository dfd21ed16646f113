"""Access control at the HTTP edge: every route declares its rule, every request is authenticated before it runs.

A caller presents a bearer token (``Authorization: Bearer mdm_…``) or, in a browser, the session cookie the login
page opened. A route without a declared rule refuses everyone, so a forgotten rule fails closed. Writes made with
the session cookie must carry the session's CSRF token (form field or ``X-CSRF-Token`` header).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from flask import Flask, Response, current_app, g, request, session
from flask_smorest import Api, Blueprint

from mdm.access import Permission, Principal, require
from mdm.clock import utc_now
from mdm.errors import Forbidden, Unauthenticated
from mdm.tokens import authenticate, principal_of
from mdm.web import session_factory

F = TypeVar("F", bound=Callable[..., Any])
SECURITY_SCHEME = "bearerToken"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
API_PREFIX = "/api/v1/"
# flask-smorest's own documentation routes and static files: the spec describes the API, it holds no client data.
PUBLIC_ENDPOINTS = frozenset({"static", "api-docs.openapi_json", "api-docs.openapi_swagger_ui"})


@dataclass(frozen=True, slots=True)
class AccessRule:
    """What a route demands: nothing (public), or a permission; pages send a browser to the login page."""

    permission: Permission | None
    page: bool = False


PUBLIC = AccessRule(None)


def _problem_doc(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def requires(permission: Permission) -> Callable[[F], F]:
    """Declare the permission an API route needs; documented in the spec as the bearer scheme, with the answers every
    route can give before its view runs: 401 and 403 here, then 422 for a path or query parameter that breaks the
    text rules (``mdm.api.parameters``)."""
    def decorate(view: F) -> F:
        documented = Blueprint.doc(security=[{SECURITY_SCHEME: []}], responses={
            "401": _problem_doc("no valid access token: missing, unknown, revoked or expired"),
            "403": _problem_doc("the token's role (or source system) may not do this"),
            "422": _problem_doc("a parameter or the body breaks a rule; each field and rule is named"),
        })(view)
        documented.access_rule = AccessRule(permission)
        return cast(F, documented)
    return decorate


def page(permission: Permission | None) -> Callable[[F], F]:
    """Declare a page: ``None`` for pages anyone may open (the login page), else the permission it needs."""
    def decorate(view: F) -> F:
        view.access_rule = AccessRule(permission, page=True)  # type: ignore[attr-defined]
        return view
    return decorate


def public(view: F) -> F:
    view.access_rule = PUBLIC  # type: ignore[attr-defined]
    return view


def access_rule_of(endpoint: str) -> AccessRule | None:
    if endpoint in PUBLIC_ENDPOINTS:
        return PUBLIC
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "access_rule", None)


def current_principal() -> Principal:
    """The authenticated caller of this request (only routes with a permission have one)."""
    principal: Principal = g.principal
    return principal


def csrf_token() -> str:
    """The session's CSRF token, made on first use; forms embed it, the login form included."""
    token = session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return token


def check_csrf() -> None:
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD, "")
    expected = session.get(CSRF_FIELD)
    if not isinstance(expected, str) or not secrets.compare_digest(sent.encode(), expected.encode()):
        raise Forbidden("the form's CSRF token is missing or stale: reload the page and try again")


def open_browser_session(principal: Principal) -> None:
    """After a successful login: a fresh session (no fixation) that names the token, and a new CSRF token."""
    session.clear()
    session.permanent = True
    session["token_id"] = principal.token_id
    session[CSRF_FIELD] = secrets.token_urlsafe(32)


def _bearer_secret() -> str | None:
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthenticated("the Authorization header must be 'Bearer <token>'")
    return secret.strip()


def _authenticated_principal() -> tuple[Principal | None, bool]:
    """The caller and whether it came by the session cookie (which makes writes need the CSRF token)."""
    secret = _bearer_secret()
    now = utc_now()
    with session_factory()() as db:
        if secret is not None:
            return authenticate(db, secret, now), False
        token_id = session.get("token_id")
        if not isinstance(token_id, int):
            return None, False
        try:
            return principal_of(db, token_id, now), True
        except Unauthenticated:
            session.clear()  # the token behind the session was revoked or expired: the session ends with it
            raise


class LoginRequired(Unauthenticated):
    """A page asked for by a browser without a session: answered by a redirect to the login page."""


def authenticate_request() -> None:
    if request.method == "OPTIONS":
        return  # a preflight carries no credentials by design
    if request.endpoint is None:
        # A routing error (404 / 405) answers by itself; under the API only to a caller with a valid token, so an
        # anonymous caller learns nothing of the API's resources from the answers, whatever it sends.
        if request.path.startswith(API_PREFIX):
            g.principal = _required_principal(page=False)
        return
    rule = access_rule_of(request.endpoint)
    if rule is None:
        raise Forbidden("this route declares no access rule, so nobody may use it")
    if rule.permission is None:
        if rule.page and request.method not in SAFE_METHODS:
            check_csrf()
        return
    g.principal = principal = _required_principal(page=rule.page)
    require(principal, rule.permission)


def _required_principal(page: bool) -> Principal:
    """The authenticated caller, or 401 (a page: the login page); writes made with the cookie need the CSRF token."""
    try:
        principal, by_cookie = _authenticated_principal()
    except Unauthenticated as refused:
        raise LoginRequired(refused.detail) if page else refused from None
    if principal is None:
        if page:
            raise LoginRequired("sign in to open this page")
        raise Unauthenticated("an access token is required: send 'Authorization: Bearer <token>'")
    if by_cookie and request.method not in SAFE_METHODS:
        check_csrf()
    return principal


def register(api: Api) -> None:
    api.spec.components.security_scheme(SECURITY_SCHEME, {
        "type": "http", "scheme": "bearer",
        "description": "An access token from `python -m mdm token create --role ROLE`; its role decides what it "
                       "may do (source, steward, auditor, admin).",
    })


def _protect_response(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if "principal" in g:  # client data: never kept by a browser or proxy cache
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.before_request(authenticate_request)
    app.after_request(_protect_response)
