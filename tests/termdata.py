"""A small bilingual corpus for the terminology tests, aligned one to one.

Written for these tests: each French sentence is followed by its English
translation. The terms recur in different inflections and translations, so the
lookup has something to rank.
"""

from __future__ import annotations

from workbench import store
from workbench.segment import Sentence
from workbench.status import Status

PAIRS = [
    ("Les deux pays ont signé un accord de paix.",
     "The two countries signed a peace agreement."),
    ("Ces accords ont été rompus dès l'hiver suivant.",
     "These agreements were broken the following winter."),
    ("Marx parle de la dictature du prolétariat dans une lettre.",
     "Marx speaks of the dictatorship of the proletariat in a letter."),
    ("Pour Lénine, la dictature du prolétariat était une étape nécessaire.",
     "For Lenin, the dictatorship of the proletariat was a necessary stage."),
    ("Les critiques de la dictature du prolétariat furent nombreuses.",
     "Criticisms of the proletarian dictatorship were many."),
    ("La lutte des classes traverse toute l'histoire.",
     "The class struggle runs through all of history."),
    ("Il décrit la lutte des classes comme un moteur.",
     "He describes class struggle as an engine."),
    ("Le traité fut ratifié par l'Assemblée.",
     "The treaty was ratified by the Assembly."),
    ("Un nouveau traité remplaça l'ancien.",
     "A new treaty replaced the old one."),
    ("L'Assemblée vota la loi après un long débat.",
     "The Assembly passed the law after a long debate."),
    ("Le débat sur la loi dura trois jours.",
     "The debate on the law lasted three days."),
    ("Les ouvriers occupèrent les usines pendant l'été.",
     "The workers occupied the factories during the summer."),
]


def add_corpus(db, name: str = "histoire", pairs=PAIRS, statuses=None) -> int:
    """Store the pairs as a document aligned one to one; return its id."""
    source = [Sentence(fr, 0) for fr, _ in pairs]
    target = [Sentence(en, 0) for _, en in pairs]
    document_id = store.create_document(db, name, source, target)
    source_rows = store.sentences(db, document_id, store.SOURCE)
    target_rows = store.sentences(db, document_id, store.TARGET)
    statuses = statuses or [Status.AUTO] * len(pairs)
    store.replace_links(
        db,
        document_id,
        [
            {"source_ids": [s["id"]], "target_ids": [t["id"]], "score": 0.9, "status": status}
            for s, t, status in zip(source_rows, target_rows, statuses, strict=True)
        ],
    )
    return document_id


def terms_app(db_path, embedder):
    """An app over a database holding the small terminology corpus."""
    from workbench.web import create_app

    db = store.open_db(db_path)
    add_corpus(db)
    db.close()
    config = {"EMBEDDER": embedder} if embedder else {"TERMS_EMBEDDER": False}
    return create_app({"TESTING": True, "DATABASE": str(db_path), **config})
