"""The order in which the rows not yet reviewed are proposed, and the errors to expect."""

import pytest

from workbench.review_order import expected_errors, review_order


def row(id_, score, status="auto"):
    return {"id": id_, "score": score, "status": status}


def test_least_confident_first_and_reviewed_rows_left_out():
    rows = [row(1, 0.9), row(2, 0.2), row(3, 0.05, "confirmed"), row(4, 0.5)]
    assert review_order(rows) == [2, 4, 1]


def test_unscored_rows_first_and_ties_in_reading_order():
    rows = [row(1, 0.5), row(2, None), row(3, 0.5), row(4, 0.4)]
    assert review_order(rows) == [2, 4, 1, 3]


def test_expected_errors_sum_the_doubt_of_automatic_rows():
    rows = [row(1, 0.9), row(2, 0.6), row(3, 0.0, "edited"), row(4, None)]
    assert expected_errors(rows) == pytest.approx(0.1 + 0.4 + 1.0)
