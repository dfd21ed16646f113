"""The hub's own pages: sign in with an access token (opening a session cookie), the home page, sign out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from mdm.access import Permission
from mdm.api.access import LoginRequired, access_rule_of, csrf_token, current_principal, open_browser_session, page
from mdm.api.problems import handle_domain_error
from mdm.clock import utc_now
from mdm.errors import Forbidden, Unauthenticated
from mdm.tokens import authenticate
from mdm.web import session_factory

blp = Blueprint("pages", __name__)


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
    return render_template("home.html", principal=current_principal(), csrf_token=csrf_token())


def _login_redirect(_error: LoginRequired) -> ResponseReturnValue:
    return redirect(url_for("pages.login_form", next=request.full_path.rstrip("?")), code=303)


def _forbidden(error: Forbidden) -> ResponseReturnValue:
    rule = access_rule_of(request.endpoint) if request.endpoint else None
    if rule is not None and rule.page:
        return Response(render_template("forbidden.html", detail=error.detail), status=403, mimetype="text/html")
    return handle_domain_error(error)


def init_app(app: Flask) -> None:
    app.register_blueprint(blp)
    app.register_error_handler(LoginRequired, _login_redirect)
    app.register_error_handler(Forbidden, _forbidden)
