"""Domain exceptions; the HTTP layer turns each into an RFC 9457 problem in one place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldError:
    """One broken rule on one field of the input."""

    field: str
    rule: str
    message: str


class MdmError(Exception):
    """Base of every error the hub reports to a caller."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str, errors: tuple[FieldError, ...] = ()) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


class MalformedRequest(MdmError):
    status = 400
    title = "Malformed request"


class InvalidInput(MdmError):
    status = 422
    title = "Invalid input"


class Unauthenticated(MdmError):
    status = 401
    title = "Unauthorized"


class Forbidden(MdmError):
    status = 403
    title = "Forbidden"


class NotFound(MdmError):
    status = 404
    title = "Not found"


class Conflict(MdmError):
    status = 409
    title = "Conflict"
