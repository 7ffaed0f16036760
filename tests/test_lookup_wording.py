"""Issue 13: "1 pair hold" on the lookup page (plural agreement)."""

import re

import pytest

from tests.termdata import terms_app


@pytest.fixture
def app(db_path, fake_embedder):
    return terms_app(db_path, fake_embedder)


def summary(client, query):
    html = client.get(f"/lookup?q={query}").get_data(as_text=True)
    return " ".join(re.search(r'<p class="summary">(.*?)<q>', html, re.S).group(1).split())


def test_one_pair_holds_two_pairs_hold(client):
    counts = {}
    for query in ("dictature+du+proletariat", "usines", "ouvriers", "hiver"):
        total = client.get(f"/lookup.json?q={query}").get_json()["total"]
        counts.setdefault(total == 1, query)
    assert True in counts and False in counts, counts
    assert summary(client, counts[True]) == "<strong>1</strong> pair holds"
    many = summary(client, counts[False])
    assert many.endswith("pairs hold") and "<strong>1</strong>" not in many
