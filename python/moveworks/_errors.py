"""The exception classes of the SDK: one per error kind of the core.

Every exception carries the same fields in every language binding (kind,
status, code, message, request_id, retry_after, ...); the ``kind`` strings are
the core's stable names.
"""

from __future__ import annotations

# Not `from typing import TYPE_CHECKING`: importing typing costs milliseconds of
# `import moveworks`, and every annotation here is a string (see the __future__ import).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Optional, Type

    from ._moveworks import Response


class MoveworksError(Exception):
    """Base class of every error raised by this SDK."""

    kind: str = "unknown"
    """The core's stable kind string, e.g. ``"not_found"``."""

    def __init__(
        self,
        display: str,
        *,
        kind: Optional[str] = None,
        message: Optional[str] = None,
        status: Optional[int] = None,
        code: Optional[str] = None,
        request_id: Optional[str] = None,
        retry_after: Optional[float] = None,
        argument: Optional[str] = None,
        response_id: Optional[str] = None,
        last_status: Optional[str] = None,
        response: Optional[Response] = None,
        body_excerpt: Optional[str] = None,
        http_headers: Optional[Dict[str, str]] = None,
        is_transient: bool = False,
    ) -> None:
        super().__init__(display)
        if kind is not None:
            self.kind = kind
        self.message: str = message if message is not None else display
        """Human-readable description (for API errors, the server's message)."""
        self.status: Optional[int] = status
        """HTTP status, for API and token-endpoint errors."""
        self.code: Optional[str] = code
        """The API's ``error.code`` (e.g. ``"NOT_FOUND"``), when the body carried one."""
        self.request_id: Optional[str] = request_id
        """The ``x-moveworks-root-uuid`` of the failing request: quote it to support."""
        self.http_headers: Optional[Dict[str, str]] = http_headers
        """The headers of the failing HTTP answer (names lowercase), when one arrived."""
        self.retry_after: Optional[float] = retry_after
        """Seconds the server asked us to wait, when it said so."""
        self.argument: Optional[str] = argument
        """For invalid arguments: which argument was rejected."""
        self.response_id: Optional[str] = response_id
        """For every error of a wait once the response exists (also a 5xx or timeout
        while polling): the response id, to resume with ``wait_for_response``."""
        self.last_status: Optional[str] = last_status
        """For errors of a wait: the status of the last response seen, if any."""
        self.response: Optional[Response] = response
        """For errors of a wait: the last response seen, if any."""
        self.body_excerpt: Optional[str] = body_excerpt
        """For decode errors: the start of the offending body."""
        self.is_transient: bool = is_transient
        """True when retrying later might succeed: connection trouble, timeouts, HTTP
        408, 429, 500, 502, 503, 504 (exactly what the client retries itself)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.args[0]!r}, kind={self.kind!r}, status={self.status!r})"


class InvalidArgumentError(MoveworksError, ValueError):
    """An argument was rejected before any request was sent."""

    kind = "invalid_argument"


class APIConnectionError(MoveworksError):
    """The connection could not be made or broke."""

    kind = "connection"


class APITimeoutError(APIConnectionError):
    """An attempt or the overall deadline of a call ran out.

    A kind of ``APIConnectionError`` (as in OpenAI's and Anthropic's SDKs, and in
    every binding of this one): one ``except`` handles "no answer came".
    """

    kind = "timeout"


class DecodeError(MoveworksError):
    """The server answered something that is not the documented JSON."""

    kind = "decode"


class OAuthError(MoveworksError):
    """The OAuth token endpoint refused or failed to issue a token."""

    kind = "oauth"


class APIStatusError(MoveworksError):
    """The API answered with an error status (base of the per-status classes)."""

    kind = "api_status"


class BadRequestError(APIStatusError):
    """HTTP 400."""

    kind = "bad_request"


class AuthenticationError(APIStatusError):
    """HTTP 401."""

    kind = "authentication"


class PermissionDeniedError(APIStatusError):
    """HTTP 403."""

    kind = "permission_denied"


class NotFoundError(APIStatusError):
    """HTTP 404."""

    kind = "not_found"


class RateLimitError(APIStatusError):
    """HTTP 429 (after the retries the policy allows)."""

    kind = "rate_limit"


class InternalServerError(APIStatusError):
    """HTTP 5xx."""

    kind = "internal_server"


class ResponseFailedError(MoveworksError):
    """A polled response reached status FAILED; ``response`` holds it."""

    kind = "response_failed"


class PollTimeoutError(MoveworksError):
    """A polled response was not terminal before the wait's deadline."""

    kind = "poll_timeout"


class WaitCancelledError(MoveworksError):
    """A wait was cancelled (CancelToken, or on_update returned False).

    Named apart from ``asyncio.CancelledError``, which still means task cancellation.
    """

    kind = "cancelled"


_CLASSES: Dict[str, Type[MoveworksError]] = {
    cls.kind: cls
    for cls in (
        InvalidArgumentError,
        APIConnectionError,
        APITimeoutError,
        DecodeError,
        OAuthError,
        APIStatusError,
        BadRequestError,
        AuthenticationError,
        PermissionDeniedError,
        NotFoundError,
        RateLimitError,
        InternalServerError,
        ResponseFailedError,
        PollTimeoutError,
        WaitCancelledError,
    )
}


def error_class(kind: str) -> Type[MoveworksError]:
    """The exception class for a core kind string (``MoveworksError`` for an unknown kind)."""
    return _CLASSES.get(kind, MoveworksError)


def _from_core(display: str, **fields: Any) -> MoveworksError:
    """Called by the extension module to turn a core error (the core's ErrorDetails
    record, as keywords) into an exception."""
    # The parent kind is this class's base class in Python.
    fields.pop("parent_kind", None)
    return error_class(fields["kind"])(display, **fields)
