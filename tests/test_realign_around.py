"""After a correction, only the automatic rows next to it are re-aligned (`realign_around`)."""

from workbench import review, store

from .conftest import sentences
from .test_review import check_undo_redo, link_ids, shape, state, statuses

WORDS = ("le chat dort", "le chien court", "la pluie tombe", "le soleil brille",
         "la mer monte", "le vent souffle")


def badly_aligned(db, *, reviewed_at: int | None = None,
                  name: str = "doc") -> tuple[int, list[dict], list[dict]]:
    """Six identical sentences a side, linked 1-1 except rows 1-2 and 4-5, which are wrongly
    merged 2-1 and 1-2; the row at `reviewed_at` (by new position) is confirmed."""
    doc = store.create_document(db, name, sentences(*WORDS), sentences(*WORDS))
    src = store.sentences(db, doc, store.SOURCE)
    tgt = store.sentences(db, doc, store.TARGET)
    rows = [
        {"source_ids": [src[0]["id"]], "target_ids": [tgt[0]["id"]]},
        {"source_ids": [src[1]["id"], src[2]["id"]], "target_ids": [tgt[1]["id"]]},
        {"source_ids": [src[3]["id"]], "target_ids": [tgt[2]["id"], tgt[3]["id"]]},
        {"source_ids": [src[4]["id"]], "target_ids": [tgt[4]["id"], tgt[5]["id"]]},
        {"source_ids": [src[5]["id"]], "target_ids": []},
    ]
    if reviewed_at is not None:
        rows[reviewed_at]["status"] = "confirmed"
    store.replace_links(db, doc, rows)
    return doc, src, tgt


def test_the_automatic_rows_up_to_the_nearest_reviewed_ones_are_realigned(db, fake_embedder):
    doc, _, _ = badly_aligned(db, reviewed_at=3)
    confirmed = store.links(db, doc)[3]
    change = review.realign_around(db, doc, [link_ids(db, doc)[0]], fake_embedder, user="ana")
    # rows 0-2 (automatic, before the confirmed row) are repaired; the confirmed row and
    # what follows it are not touched
    assert shape(db, doc)[:4] == [([t], [t]) for t in WORDS[:4]]
    assert store.links(db, doc)[4] == dict(confirmed, position=4)  # one row more before it
    assert shape(db, doc)[5:] == [([WORDS[5]], [])]
    new = set(link_ids(db, doc)) - {confirmed["id"]}
    assert set(change.changed_links) <= new and len(change.changed_links) == 3
    assert statuses(db, doc) == ["auto", "auto", "auto", "auto", "confirmed", "auto"]


def test_a_reviewed_row_repairs_the_runs_on_both_sides(db, fake_embedder):
    doc, _, _ = badly_aligned(db, reviewed_at=0)
    before = state(db, doc)
    confirmed = link_ids(db, doc)[0]
    change = review.realign_around(db, doc, [confirmed], fake_embedder, user="ana")
    assert shape(db, doc) == [([t], [t]) for t in WORDS]
    assert change.op == "realign_around" and change.seq is not None
    check_undo_redo(db, doc, before)


def test_nothing_to_realign_next_to_reviewed_rows_records_no_step(db, fake_embedder):
    doc = store.create_document(db, "doc", sentences(*WORDS[:2]), sentences(*WORDS[:2]))
    src = store.sentences(db, doc, store.SOURCE)
    tgt = store.sentences(db, doc, store.TARGET)
    store.replace_links(db, doc, [
        {"source_ids": [s["id"]], "target_ids": [t["id"]], "status": "confirmed"}
        for s, t in zip(src, tgt, strict=True)])
    version = store.get_document(db, "doc")["version"]
    change = review.realign_around(db, doc, link_ids(db, doc)[:1], fake_embedder)
    assert change.seq is None and change.changed_links == ()
    assert store.get_document(db, "doc")["version"] == version
    assert review.history(db, doc) == []
