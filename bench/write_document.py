"""Time to write one imported document: 2 x 5,000 sentences and their 5,000 links.

    python bench/write_document.py
    python bench/write_document.py --sentences 20000 --runs 5

What is timed is `write_document` inside one transaction, as an import runs it once the
alignment is computed: the document row, both sides' sentences and the links. The
yardstick, measured in the same run on the same kind of database, is a bare
`insert_all` of the same sentence rows alone; their ratio holds on a busy machine
even when the seconds do not. Each run writes into a fresh database file (WAL, as
the workbench opens it); the best of the runs is reported.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workbench import store  # noqa: E402
from workbench.align import Link  # noqa: E402
from workbench.importing import write_document  # noqa: E402
from workbench.segment import Sentence  # noqa: E402
from workbench.store.rows import sentence_row  # noqa: E402


def sides(count: int) -> tuple[list[Sentence], list[Sentence]]:
    source = [Sentence(f"Phrase numéro {i}, assez longue pour ressembler à une vraie.",
                       i // 8) for i in range(count)]
    target = [Sentence(f"Sentence number {i}, long enough to look like a real one.", i // 8)
              for i in range(count)]
    return source, target


def time_write(folder: Path, run: int, source, target, links) -> float:
    db = store.open_db(folder / f"write-{run}.db")
    try:
        started = time.perf_counter()
        with db.atomic():
            write_document(db, "bench", source, target, links, source_lang="fr",
                           target_lang="en", source_path="fr.txt", target_path="en.txt")
        return time.perf_counter() - started
    finally:
        db.close()


def time_bare_insert(folder: Path, run: int, source, target) -> float:
    """The same sentence rows through one `insert_all`: no document, no links."""
    db = store.open_db(folder / f"bare-{run}.db")
    try:
        document_id = db["documents"].insert({"name": "bench", "source_lang": "fr",
                                              "target_lang": "en"}).last_pk
        rows = [sentence_row(document_id, side, position, sentence)
                for side, sentences in ((store.SOURCE, source), (store.TARGET, target))
                for position, sentence in enumerate(sentences)]
        started = time.perf_counter()
        with db.atomic():
            db["sentences"].insert_all(rows)
        return time.perf_counter() - started
    finally:
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=5000, help="per side")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    source, target = sides(args.sentences)
    links = [Link((i,), (i,), 0.9) for i in range(args.sentences)]
    with tempfile.TemporaryDirectory() as folder:
        written = min(time_write(Path(folder), run, source, target, links)
                      for run in range(args.runs))
        bare = min(time_bare_insert(Path(folder), run, source, target)
                   for run in range(args.runs))
    print(f"write_document, 2 x {args.sentences:,} sentences and {len(links):,} links: "
          f"{written:.3f} s (best of {args.runs})")
    print(f"bare insert_all of the same sentences: {bare:.3f} s")
    print(f"ratio: {written / bare:.1f}x")


if __name__ == "__main__":
    main()
