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
from workbench.embed import Embedder, ModelLoadError, with_cache
from workbench.reshaped import DocumentSide, Row, row_confidence


class StoredRowScorer:
    """The editor's scorer: `score_links` gives reshaped rows the aligner's confidence.

    The model loads lazily, on the first text it has to embed; a document the aligner
    embedded needs it only for new text (a corrected sentence, a newly joined group).
    """

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def score_links(self, db: sqlite_utils.Database, document_id: int,
                    link_ids: Sequence[int]) -> dict[int, float | None]:
        """Each link's confidence in the document as stored now (None: no model to say)."""
        wanted = set(link_ids)
        links = store.links(db, document_id)
        source = store.sentences(db, document_id, store.SOURCE)
        target = store.sentences(db, document_id, store.TARGET)
        source_at = {row["id"]: k for k, row in enumerate(source)}
        target_at = {row["id"]: k for k, row in enumerate(target)}
        rows = [Row(tuple(source_at[i] for i in link["source_ids"]),
                    tuple(target_at[i] for i in link["target_ids"])) for link in links]
        chosen = [k for k, link in enumerate(links) if link["id"] in wanted]
        sides: tuple[DocumentSide, DocumentSide] | None = None
        encode = with_cache(self.embedder, store.SqliteEmbeddingCache(db)).encode
        scores: dict[int, float | None] = {}
        for k in chosen:
            if not rows[k].alone and sides is None:
                try:
                    sides = (_side(source, encode), _side(target, encode))
                except ModelLoadError:
                    return {links[k]["id"]: None for k in chosen}
            scores[links[k]["id"]] = row_confidence(*(sides or _no_sides()), rows, k, encode)
        return scores


def _side(sentences: list[dict], encode) -> DocumentSide:
    texts = [row["text"] for row in sentences]
    return DocumentSide.build(texts, np.asarray(encode(texts), dtype=np.float32))


def _no_sides() -> tuple[DocumentSide, DocumentSide]:
    """Sides for rows that need no vector (1-0 and 0-1 rows are scored by shape alone)."""
    empty = DocumentSide.build([], np.zeros((0, 1), np.float32))
    return empty, empty
