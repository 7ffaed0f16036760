"""Server time of a terminology lookup over 100,000 pairs (target: under 200 ms).

A synthetic corpus: French and English sentences drawn from a made-up
lexicon with Zipf-like word frequencies, in which a few real terms are planted
at known rates. The time measured is what the server spends on a lookup:
search, translation spans of every hit (up to 5,000) and the ranked variants.
The embedder's re-ranking of the displayed page is left out (it depends on the
model and its cache, not on corpus size).

    python bench/lookup.py              # 100,000 pairs
    python bench/lookup.py --pairs 20000
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workbench import store, termindex  # noqa: E402
from workbench.segment import Sentence  # noqa: E402

# (French term, English translation, share of pairs holding it)
PLANTED = [
    ("lutte des classes", "class struggle", 0.05),
    ("accord", "agreement", 0.01),
    ("dictature du prolétariat", "dictatorship of the proletariat", 0.002),
    ("armistice", "armistice", 0.0001),
]
SYLLABLES = ["ba", "cor", "di", "fen", "gal", "hu", "jor", "ka", "lem", "mo", "nar", "pi", "qua",
             "ros", "sel", "tur", "vi", "zan"]


def lexicon(size: int, rng: random.Random) -> list[tuple[str, str]]:
    words: set[str] = set()
    while len(words) < size * 2:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    ordered = sorted(words)
    rng.shuffle(ordered)
    return list(zip(ordered[:size], ordered[size:], strict=True))


def synthetic_pairs(count: int, seed: int = 1) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    words = lexicon(8000, rng)
    weights = [1 / (rank + 1) for rank in range(len(words))]
    pairs = []
    for _ in range(count):
        chosen = rng.choices(words, weights, k=rng.randint(8, 25))
        fr = [w[0] for w in chosen]
        en = [w[1] for w in chosen]
        for term, translation, share in PLANTED:
            if rng.random() < share:
                at = rng.randrange(len(fr))
                fr.insert(at, term)
                en.insert(min(len(en), at + rng.randint(-1, 1)), translation)
        pairs.append((" ".join(fr).capitalize() + ".", " ".join(en).capitalize() + "."))
    return pairs


def build(db, pairs: list[tuple[str, str]], per_document: int = 10_000) -> None:
    from tqdm import tqdm

    for number, start in enumerate(tqdm(range(0, len(pairs), per_document), desc="Storing",
                                        unit="doc", disable=None)):
        chunk = pairs[start : start + per_document]
        document_id = store.create_document(
            db, f"synthetic-{number:02d}", [Sentence(fr, 0) for fr, _ in chunk],
            [Sentence(en, 0) for _, en in chunk],
        )
        source = store.sentences(db, document_id, store.SOURCE)
        target = store.sentences(db, document_id, store.TARGET)
        store.replace_links(
            db, document_id,
            [{"source_ids": [s["id"]], "target_ids": [t["id"]], "score": 1.0}
             for s, t in zip(source, target, strict=True)],
        )
    with tqdm(total=termindex.pending(db), desc="Indexing", unit="sentence",
              disable=None) as bar:
        termindex.sync(db, progress=bar.update)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = store.open_db(Path(folder) / "bench.db")
        started = time.perf_counter()
        build(db, synthetic_pairs(args.pairs))
        print(f"{args.pairs:,} pairs stored and indexed in {time.perf_counter() - started:.0f} s")
        print(f"{'term':<28} {'hits':>6} {'median ms':>10} {'max ms':>8}  top translation")
        worst = 0.0
        for term, _, _ in PLANTED:
            times = []
            for _ in range(args.repeat):
                result = termindex.lookup(db, term)
                times.append(result.search_ms)
            top = result.variants[0].text if result.variants else "-"
            worst = max(worst, statistics.median(times))
            print(f"{term:<28} {result.total:>6} {statistics.median(times):>10.1f} "
                  f"{max(times):>8.1f}  {top}")
        verdict = "under" if worst < 200 else "OVER"
        print(f"slowest median {worst:.1f} ms: {verdict} the 200 ms target")
        db.close()


if __name__ == "__main__":
    main()
