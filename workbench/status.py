"""The review status of a link, in one place for the store, the editor and the exports."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Where a link stands in review.

    `excluded` is material with no counterpart by design (an introduction, captions,
    boilerplate of a compilation): not for translation, so neither counted in the
    review progress nor exported.
    """

    AUTO = "auto"
    CONFIRMED = "confirmed"
    EDITED = "edited"
    EXCLUDED = "excluded"


REVIEWED = frozenset({Status.CONFIRMED, Status.EDITED})
"""Looked at by a person and kept: an edited pair is as checked as a confirmed one."""

NOT_EXPORTED = frozenset({Status.EXCLUDED})
"""Kept in the document for context, left out of every export."""


def sql_list(statuses: frozenset[Status]) -> str:
    """The statuses as an SQL list literal, e.g. "('confirmed', 'edited')" (fixed values)."""
    return "(" + ", ".join(f"'{status.value}'" for status in sorted(statuses)) + ")"
