"""What kind of thing went wrong, for domain errors that the web layer must answer.

The domain says *what* went wrong (a kind); only `workbench.web.errors` turns a kind
into an HTTP status. A command-line caller prints the message and exits 1.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorKind(StrEnum):
    """The few kinds of failure a caller has to tell apart."""

    INVALID = "invalid"  # the input is malformed or breaks a rule (HTTP 400)
    NOT_FOUND = "not-found"  # what it names does not exist (404)
    CONFLICT = "conflict"  # someone changed it meanwhile, or it already exists (409)
    TOO_LARGE = "too-large"  # over a size limit (413)
    UNSUPPORTED = "unsupported"  # a format or media type we do not read (415)
    LOCKED = "locked"  # closed for changes, e.g. a finished document (423)
    REFUSED = "refused"  # wrong credentials (401)
    TOO_MANY_ATTEMPTS = "too-many-attempts"  # wait before trying again (429)
    BUSY = "busy"  # try again shortly (503)


class DomainError(ValueError):
    """A failure the user can act on; `kind` says which, the message says what to do."""

    kind: ErrorKind = ErrorKind.INVALID

    def __init__(self, message: str, *, kind: ErrorKind | None = None) -> None:
        super().__init__(message)
        if kind is not None:
            self.kind = kind
