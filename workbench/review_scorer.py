"""Score the rows an edit reshaped, in their stored document, with the aligner's confidence.

The glue between the editor (`workbench.review`), the store and the pure computation of
`workbench.reshaped`: it reads the document as the edit left it, embeds what the embedding
cache does not hold yet (a corrected sentence, the joined text of a merged row) and gives
each reshaped row the calibrated confidence the aligner would give it. Nothing here knows
about Flask.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import sqlite_utils

from workbench import store
from workbench.embed import Embedder, ModelLoadError, each_model, with_cache
from workbench.reshaped import DocumentSide, Row, row_confidence
from workbench.review import NeedsEmbedding
from workbench.store import edits


class StoredRowScorer:
    """The editor's scorer: `score_links` gives reshaped rows the aligner's confidence.

    The model loads lazily, on the first text it has to embed; a document the aligner
    embedded needs it only for new text (a corrected sentence, a newly joined group).
    """

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def score_links(self, db: sqlite_utils.Database, document_id: int,
                    link_ids: Sequence[int]) -> dict[int, float | None]:
        """Each link's confidence in the document as stored now (None: no model to say).

        Reads raw rows (a long document has thousands): every sentence's text, for the
        side's common offset and length ratio, and the links around the ones scored."""
        links = edits.links_around(db, document_id, link_ids)
        if not links:
            return {}
        texts: dict[str, list[str]] = {store.SOURCE: [], store.TARGET: []}
        position_of: dict[int, int] = {}
        for sentence_id, side, text in edits.texts_in_order(db, document_id):
            position_of[sentence_id] = len(texts[side])
            texts[side].append(text)
        rows = [Row(tuple(position_of[i] for i in source), tuple(position_of[i] for i in target))
                for _, source, target in links]
        wanted = set(link_ids)
        chosen = [k for k, (link_id, _, _) in enumerate(links) if link_id in wanted]
        sides: tuple[DocumentSide, DocumentSide] | None = None
        encode = with_cache(each_model(self.embedder, lambda model: _NotInTransaction(model, db)),
                            store.SqliteEmbeddingCache(db)).encode
        scores: dict[int, float | None] = {}
        for k in chosen:
            if not rows[k].alone and sides is None:
                try:
                    sides = (_side(texts[store.SOURCE], encode), _side(texts[store.TARGET], encode))
                except ModelLoadError:
                    return {links[k][0]: None for k in chosen}
            scores[links[k][0]] = row_confidence(*(sides or _no_sides()), rows, k, encode)
        return scores

    def embed(self, db: sqlite_utils.Database, texts: Sequence[str]) -> bool:
        """Embed and cache `texts` (loading the model if need be), outside any transaction;
        False if the model cannot load."""
        try:
            with_cache(self.embedder, store.SqliteEmbeddingCache(db)).encode(list(texts))
        except ModelLoadError:
            return False
        return True


class _NotInTransaction:
    """Under the cache: a text it lacks is not embedded while `db` holds a transaction (the
    write lock), but named in `NeedsEmbedding` for the edit to embed before it retries."""

    def __init__(self, model: Embedder, db: sqlite_utils.Database) -> None:
        self.model, self.db, self.name = model, db, model.name

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if texts and self.db.conn.in_transaction:
            raise NeedsEmbedding(texts)
        return self.model.encode(texts)


def _side(texts: list[str], encode) -> DocumentSide:
    return DocumentSide.build(texts, np.asarray(encode(texts), dtype=np.float32))


def _no_sides() -> tuple[DocumentSide, DocumentSide]:
    """Sides for rows that need no vector (1-0 and 0-1 rows are scored by shape alone)."""
    empty = DocumentSide.build([], np.zeros((0, 1), np.float32))
    return empty, empty
