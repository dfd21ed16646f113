"""The hub's own pages: sign in with an access token (opening a session cookie), the home page, sign out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, current_app, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from mdm.access import Permission
from mdm.api.access import LoginRequired, access_rule_of, csrf_token, current_principal, open_browser_session, page
from mdm.api.problems import handle_domain_error
from mdm.clock import utc_now
from mdm.errors import MdmError, Unauthenticated
from mdm.tokens import authenticate
from mdm.web import session_factory

blp = Blueprint("pages", __name__)
_NAV_LINKS = "mdm.nav_links"


@dataclass(frozen=True, slots=True)
class NavLink:
    """A page of the navigation bar (and of the home page), shown to whoever holds its permission. Packages above
    mdm add theirs (``add_nav_link``): mdm links to pages it does not know by their path."""

    label: str
    path: str
    permission: Permission
    purpose: str  # what the home page says the page is for


def add_nav_link(app: Flask, link: NavLink) -> None:
    app.extensions.setdefault(_NAV_LINKS, []).append(link)


def _page_context() -> dict[str, Any]:
    """What every page's header needs: the signed-in caller (none on the login page), their links, sign-out's
    CSRF token."""
    principal = g.get("principal")
    if principal is None:
        return {"principal": None, "nav_links": ()}
    links = [link for link in current_app.extensions.get(_NAV_LINKS, ()) if principal.may(link.permission)]
    return {"principal": principal, "nav_links": links, "csrf_token": csrf_token()}


def _safe_next(target: str | None) -> str:
    """Only a path of this hub: a login link must not send the browser elsewhere (open redirect)."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@blp.get("/login")
@page(None)
def login_form() -> ResponseReturnValue:
    return render_template("login.html", csrf_token=csrf_token(), next=_safe_next(request.args.get("next")))


@blp.post("/login")
@page(None)
def login() -> ResponseReturnValue:
    target = _safe_next(request.form.get("next"))
    secret = request.form.get("token", "").strip()
    try:
        with session_factory()() as db:
            principal = authenticate(db, secret, utc_now())
    except Unauthenticated as refused:
        return render_template("login.html", csrf_token=csrf_token(), next=target, error=refused.detail), 401
    open_browser_session(principal)
    return redirect(target, code=303)


@blp.post("/logout")
@page(None)
def logout() -> ResponseReturnValue:
    session.clear()
    return redirect(url_for("pages.login_form"), code=303)


@blp.get("/")
@page(Permission.SIGN_IN)
def home() -> ResponseReturnValue:
    return render_template("home.html", principal=current_principal())


def _login_redirect(_error: LoginRequired) -> ResponseReturnValue:
    return redirect(url_for("pages.login_form", next=request.full_path.rstrip("?")), code=303)


def _page_problem(error: MdmError) -> ResponseReturnValue:
    """A page that fails (not allowed, an unknown id, a parameter that breaks a rule) answers a page that says why;
    the API answers problem+json."""
    rule = access_rule_of(request.endpoint) if request.endpoint else None
    if rule is not None and rule.page:
        return Response(render_template("problem.html", problem=error), status=error.status, mimetype="text/html")
    return handle_domain_error(error)


def init_app(app: Flask) -> None:
    app.register_blueprint(blp)
    app.context_processor(_page_context)
    app.register_error_handler(LoginRequired, _login_redirect)
    app.register_error_handler(MdmError, _page_problem)  # replaces the API's handler, which it falls back on
