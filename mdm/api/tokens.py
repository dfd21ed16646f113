"""REST adapter for access tokens (administrators only): issue, list, revoke."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import current_app
from flask_smorest import Blueprint

from mdm.access import Permission
from mdm.api.access import current_principal, requires
from mdm.api.problems import BODY_PROBLEMS, PROBLEM_JSON, problem_answers
from mdm.clock import utc_now
from mdm.tokens import TokenView, issue_token, list_tokens, parse_lifetime, revoke_token
from mdm.web import unit_of_work
from schemas import INTEGER_MAX
from schemas.problems import ProblemSchema
from schemas.tokens import IssuedTokenSchema, TokenRequestSchema, TokenSchema

blp = Blueprint("tokens", __name__, url_prefix="/tokens", description="Access tokens and their roles")


def _shown(token: TokenView) -> dict[str, Any]:
    return {**asdict(token), "status": token.status(utc_now())}


@blp.get("")
@requires(Permission.ADMINISTER)
@blp.response(200, TokenSchema(many=True))
def list_all() -> Any:
    """Every token ever issued, with its status; secrets are never shown again."""
    with unit_of_work() as session:
        return [_shown(token) for token in list_tokens(session)]


@blp.post("")
@requires(Permission.ADMINISTER)
@blp.arguments(TokenRequestSchema)
@blp.response(201, IssuedTokenSchema)
@problem_answers(blp, *BODY_PROBLEMS, 422)
def create(request: dict[str, Any]) -> Any:
    """Issue a token; the answer holds its secret, shown this once."""
    lifetime = parse_lifetime(request["expires_in"])
    with unit_of_work() as session:
        issued = issue_token(session, request["role"], request.get("source_system"), request.get("name"), lifetime,
                             current_app.config["SOURCE_SYSTEMS"], current_principal().actor, utc_now())
    return {**_shown(issued.token), "token": issued.secret}


@blp.delete(f"/<int(max={INTEGER_MAX}):token_id>")
@requires(Permission.ADMINISTER)
@blp.response(200, TokenSchema)
@blp.alt_response(404, schema=ProblemSchema, content_type=PROBLEM_JSON)
def revoke(token_id: int) -> Any:
    """Revoke a token at once (its browser sessions end with it); revoking twice changes nothing."""
    with unit_of_work() as session:
        return _shown(revoke_token(session, token_id, current_principal().actor, utc_now()))
