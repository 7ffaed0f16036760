"""How the search scales: 1k, 10k and 50k sentences a side, embeddings already cached.

    python bench/scaling.py                  # 1000 10000 50000
    python bench/scaling.py --sizes 2000 4000

Each size runs in its own process so that its peak memory (max RSS) is its own.
The documents are synthetic: random unit vectors for the source, the target made
of noisy copies with some sentences split, merged, dropped and added; an
embedder that looks vectors up (so the model costs nothing) stands in for the
cache. The figures to compare are seconds per 1,000 sentences across sizes
(flat = linear) and the accuracy on the synthetic truth.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workbench.align import AlignSettings, align  # noqa: E402
from workbench.evaluate import count_links  # noqa: E402

DIMENSION = 512


class LookupEmbedder:
    """Vectors of known sentences; a group of sentences gets their normalised sum."""

    name = "lookup"

    def __init__(self, vectors: dict[str, np.ndarray]) -> None:
        self.vectors = vectors

    def encode(self, texts):
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.split(" "):
                out[row] += self.vectors[word]
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def synthetic_document(size: int, seed: int = 7):
    """(source texts, target texts, embedder, true links) with realistic link types."""
    rng = np.random.default_rng(seed)
    meaning = rng.normal(size=(size, DIMENSION)).astype(np.float32)
    vectors: dict[str, np.ndarray] = {}
    source, target, truth = [], [], []

    def add(side: list[str], prefix: str, vector: np.ndarray, length: int) -> int:
        name = f"{prefix}{len(side)}" + "x" * length
        noisy = vector + rng.normal(scale=0.8, size=DIMENSION) * np.linalg.norm(vector) / 22
        vectors[name] = (noisy / np.linalg.norm(noisy)).astype(np.float32)
        side.append(name)
        return len(side) - 1

    for index in range(size):
        length = int(rng.integers(20, 200))
        kind = rng.random()
        i = add(source, "s", meaning[index], length)
        if kind < 0.08:  # split in two
            halves = meaning[index] + rng.normal(size=(2, DIMENSION)).astype(np.float32) * 0.7
            j1 = add(target, "t", halves[0], length // 2)
            j2 = add(target, "t", halves[1], length // 2)
            truth.append(((i,), (j1, j2)))
        elif kind < 0.10:  # dropped
            truth.append(((i,), ()))
        elif kind < 0.12:  # an addition follows
            j = add(target, "t", meaning[index], length)
            truth.append(((i,), (j,)))
            extra = add(target, "t", rng.normal(size=DIMENSION).astype(np.float32), 40)
            truth.append(((), (extra,)))
        else:
            j = add(target, "t", meaning[index], length)
            truth.append(((i,), (j,)))
    return source, target, LookupEmbedder(vectors), truth


def run_one(size: int) -> dict:
    source, target, embedder, truth = synthetic_document(size)
    started = time.perf_counter()
    links = align(source, target, embedder, AlignSettings())
    seconds = time.perf_counter() - started
    scores = count_links([(link.source, link.target) for link in links], truth).scores()
    return {
        "sentences": [len(source), len(target)],
        "seconds": round(seconds, 2),
        "seconds_per_1000": round(1000 * seconds / len(source), 3),
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "strict_f1": round(scores["strict"].f1, 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one)))
        return
    run_one(200)  # compile the numba kernels before timing anything (cached on disk after)
    print(f"{'sentences':>16} {'seconds':>8} {'s/1000':>7} {'peak MB':>8} {'strict F1':>9}")
    for size in args.sizes:
        output = subprocess.run([sys.executable, __file__, "--one", str(size)],
                                capture_output=True, text=True, check=True).stdout
        row = json.loads(output.strip().splitlines()[-1])
        print(f"{row['sentences'][0]:>7} x {row['sentences'][1]:<6} {row['seconds']:>8.2f} "
              f"{row['seconds_per_1000']:>7.3f} {row['peak_memory_mb']:>8} "
              f"{row['strict_f1']:>9.4f}")


if __name__ == "__main__":
    main()
