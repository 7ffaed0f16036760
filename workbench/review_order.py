"""In which order a translator should look at the rows not yet reviewed.

Pure: it sees link rows (dicts with `id`, `status` and `score`), nothing else. The editor's
"least confident" jump and the simulated translator (`workbench eval --simulate-review`)
both follow it, so the figures measure what the editor proposes.
"""

from __future__ import annotations

from collections.abc import Sequence

from workbench.status import Status


def review_order(rows: Sequence[dict]) -> list[int]:
    """The ids of the automatic rows, the one most likely wrong first.

    A row without a score (reshaped without a model) is as doubtful as can be; ties keep
    reading order, so that the translator moves forward through the text.
    """
    automatic = [(position, row) for position, row in enumerate(rows)
                 if row["status"] == Status.AUTO]
    automatic.sort(key=lambda item: (-1.0 if item[1]["score"] is None else item[1]["score"],
                                     item[0]))
    return [row["id"] for _, row in automatic]


def expected_errors(rows: Sequence[dict]) -> float:
    """How many of the automatic rows are likely wrong: the sum of 1 − confidence (a row
    without a score counts as one error)."""
    return sum(1.0 if row["score"] is None else 1.0 - row["score"]
               for row in rows if row["status"] == Status.AUTO)
