"""The domain errors services raise; the API renders each kind once, with its status code."""

from __future__ import annotations


class DomainError(Exception):
    """A failure a caller can act on: `detail` says what, `field` names the input at fault."""

    kind = "error"
    status_code = 400

    def __init__(self, detail: str, field: str | None = None) -> None:
        super().__init__(f"{field}: {detail}" if field else detail)
        self.detail = detail
        self.field = field


class NotFound(DomainError):
    """The record does not exist, or is not the caller's to see (so existence does not leak)."""

    kind = "not_found"
    status_code = 404


class Conflict(DomainError):
    """The request clashes with stored state (a duplicate, a carer already on another crew)."""

    kind = "conflict"
    status_code = 409


class Invalid(DomainError):
    """A value breaks a rule; `field` names it in the caller's terms."""

    kind = "invalid"
    status_code = 422


class Forbidden(DomainError):
    """The caller is known but their role may not do this."""

    kind = "forbidden"
    status_code = 403


class Unauthorized(DomainError):
    """No valid sign-in: a wrong password, or a missing, unknown or expired token."""

    kind = "unauthorized"
    status_code = 401


class TooManyAttempts(DomainError):
    """Too many failed sign-ins: the account is locked for `retry_after` more seconds."""

    kind = "too_many_attempts"
    status_code = 429

    def __init__(self, detail: str, field: str | None = None, *, retry_after: int = 0) -> None:
        super().__init__(detail, field)
        self.retry_after = retry_after
