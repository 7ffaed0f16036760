"""Rows of the core tables as Python values and back: the one place that knows how a
`Sentence` and a link are laid out in a row (JSON lists of sentence ids, of note markers)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from workbench.segment import Sentence
from workbench.status import Status

SENTENCE_COLUMNS = ("id", "document_id", "side", "position", "paragraph", "text", "kind",
                    "notes")
LINK_COLUMNS = ("id", "document_id", "position", "source_ids", "target_ids", "score", "status",
                "created", "updated", "updated_by")


def sentence_row(document_id: int, side: str, position: int, sentence: Sentence) -> dict:
    """A `Sentence` as its row in `sentences` (without an id: the database gives one)."""
    return {
        "document_id": document_id, "side": side, "position": position,
        "paragraph": sentence.paragraph, "text": sentence.text, "kind": sentence.kind,
        "notes": json.dumps(list(sentence.notes)) if sentence.notes else None,
    }


def row_sentence(row: Mapping) -> Sentence:
    """A row of `sentences` as the `Sentence` it was written from."""
    notes = row.get("notes")
    return Sentence(row["text"], row["paragraph"], row.get("kind") or "text",
                    tuple(json.loads(notes)) if notes else ())


def id_list(ids: Iterable[int]) -> str:
    """Sentence ids as the JSON list a link row holds (what `json.dumps` writes, built
    directly: a document's links are written thousands at a time)."""
    return "[" + ", ".join([str(int(i)) for i in ids]) + "]"


def link_row(document_id: int, position: int, link: Mapping, stamp: str) -> dict:
    """A link (`source_ids`, `target_ids`: sentence row ids; `score`, optional `status`,
    `created`, `updated`, `updated_by`, `id`) as its row in `links`."""
    row = {
        "document_id": document_id, "position": position,
        "source_ids": id_list(link["source_ids"]),
        "target_ids": id_list(link["target_ids"]),
        "score": float(link.get("score") or 0.0),
        "status": str(link.get("status") or Status.AUTO),
        "created": link.get("created") or stamp, "updated": link.get("updated") or stamp,
        "updated_by": link.get("updated_by"),
    }
    if link.get("id") is not None:
        row["id"] = link["id"]
    return row


def decode_link(row: Mapping) -> dict:
    """A row of `links` with its sentence id lists decoded."""
    return {**row, "source_ids": json.loads(row["source_ids"]),
            "target_ids": json.loads(row["target_ids"])}
