"""Sentence-boundary F1 of `workbench segment` against the TransRead gold sentences.

For each TransRead document, segment `src.txt` (French) and `tgt.txt` (English)
with the `workbench segment` command and compare where sentences start with the
gold `src.sent` / `tgt.sent`. Offsets are counted in the text with all
whitespace removed, so spacing differences do not matter; characters our
segmenter takes out (footnote markers) are skipped when mapping back.
The baseline is plain Punkt on blank-line paragraphs, as the workbench did before.

    python bench/segmentation.py [--gold ../shared/gold/transread]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workbench.cli import cli  # noqa: E402
from workbench.segment import sentence_tokenizer  # noqa: E402

DEFAULT_GOLD = next(
    (
        folder / "shared" / "gold" / "transread"
        for folder in ROOT.parents
        if (folder / "shared" / "gold" / "transread").is_dir()
    ),
    ROOT.parent / "shared" / "gold" / "transread",
)
SIDES = (("src", "fr"), ("tgt", "en"))
WHITESPACE = re.compile(r"\s+")


def flat(text: str) -> str:
    return WHITESPACE.sub("", text)


def boundaries(sentences: list[str], original: str) -> set[int]:
    """Start offsets (in whitespace-free `original`) of every sentence but the first."""
    text = flat(original)
    cursor, starts = 0, set()
    for number, sentence in enumerate(sentences):
        chars = flat(sentence)
        if not chars:
            continue
        found = text.find(chars[0], cursor)
        if found < 0:
            raise ValueError(f"sentence not found in the original: {sentence[:60]!r}")
        if number:
            starts.add(found)
        cursor = found
        for char in chars:  # a subsequence match skips removed footnote markers
            position = text.find(char, cursor)
            cursor = (position if position >= 0 else cursor) + 1
    return starts


def f1(predicted: set[int], gold: set[int]) -> tuple[int, int, int]:
    hits = len(predicted & gold)
    return hits, len(predicted) - hits, len(gold) - hits


def score(counts: tuple[int, int, int]) -> float:
    hits, false_positives, misses = counts
    return 2 * hits / (2 * hits + false_positives + misses) if hits else 0.0


def plain_punkt(text: str, lang: str) -> list[str]:
    """The baseline: blank-line paragraphs, then NLTK Punkt with its shipped parameters."""
    import punkt
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    learned = punkt.load_model({"fr": "french", "en": "english"}[lang])
    params = PunktParameters()
    params.abbrev_types = set(learned.abbrev_types)
    params.collocations = set(learned.collocations)
    params.sent_starters = set(learned.sent_starters)
    for word, flags in learned.ortho_context.items():
        params.ortho_context[word] = flags
    tokenizer = PunktSentenceTokenizer(params)
    sentences = []
    for block in re.split(r"\n\s*\n", text):
        paragraph = " ".join(block.split())
        sentences += tokenizer.tokenize(paragraph)
    return sentences


def workbench_segment(path: Path, lang: str) -> list[str]:
    result = CliRunner().invoke(cli, ["segment", str(path), "--lang", lang])
    if result.exit_code != 0:
        raise RuntimeError(f"workbench segment failed on {path}: {result.output}")
    return [line for line in result.output.split("\n") if line.strip()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD)
    args = parser.parse_args()
    if not args.gold.is_dir():
        print(f"no gold data at {args.gold}; nothing to measure")
        return 0
    sentence_tokenizer("fr")
    totals = {"punkt": [0, 0, 0], "workbench": [0, 0, 0]}
    print(f"{'document':<32} {'side':<4} {'gold':>6} {'Punkt F1':>9} {'ours F1':>8}")
    for folder in sorted(p for p in args.gold.iterdir() if p.is_dir()):
        for side, lang in SIDES:
            original = (folder / f"{side}.txt").read_text(encoding="utf-8")
            gold_sentences = [
                line for line in (folder / f"{side}.sent").read_text(encoding="utf-8").split("\n")
                if line.strip()
            ]
            gold = boundaries(gold_sentences, original)
            row = {}
            for system, sentences in (
                ("punkt", plain_punkt(original, lang)),
                ("workbench", workbench_segment(folder / f"{side}.txt", lang)),
            ):
                counts = f1(boundaries(sentences, original), gold)
                totals[system] = [a + b for a, b in zip(totals[system], counts, strict=True)]
                row[system] = score(counts)
            print(
                f"{folder.name:<32} {side}/{lang} {len(gold_sentences):>6} "
                f"{row['punkt']:>9.3f} {row['workbench']:>8.3f}"
            )
    print(
        f"{'overall (micro)':<32} {'':<4} {'':>6} "
        f"{score(tuple(totals['punkt'])):>9.3f} {score(tuple(totals['workbench'])):>8.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
