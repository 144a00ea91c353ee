"""Word vectors: one reader for every format (load_vectors), cosine neighbours and analogies, collapsed spaces.

Formats, recognised from the bytes (details in vector_formats.py): word2vec text and binary (the C tool's layout
and gensim's), fastText .vec, GloVe text without a header, w2vcli's model.npz, and the folder format
(DIR/vectors.npy memory-mapped, DIR/vocab.txt); the files optionally gzip, bz2 or xz compressed.

Memory is the (V, d) float32 matrix, the words, and the rows' lengths (V,): cosines against all rows are computed
a block of rows at a time, cos(q, v_i) = (v_i · q) / |v_i| for a unit query q, so there is no normalised copy.
"""
from __future__ import annotations

import difflib

import numpy as np

from w2vcli.errors import W2VError
from w2vcli.vector_formats import (
    MATRICES,
    ROWS_PER_BLOCK,
    UNICODE_ERRORS,
    read_vectors,
    save_folder,
    save_word2vec_binary,
    save_word2vec_text,
)

__all__ = ["MATRICES", "ROWS_PER_BLOCK", "SAVE_FORMATS", "UNICODE_ERRORS", "WordVectors", "load_vectors",
           "save_vectors", "save_word2vec_binary", "save_word2vec_text", "unknown_word_message"]

SAVE_FORMATS = ("text", "binary", "folder")
BLOCK_VALUES = 1 << 24  # cosines and lengths a block of rows at a time: 16M values (64 MB of float32 scratch)
COLLAPSE_SAMPLE = 20_000  # collapse_score looks at this many rows, evenly spaced (its mean to about ±0.01)
COLLAPSED = 0.9  # a mean cosine to the mean vector above this: the rows share one direction


def load_vectors(path, *, limit: int | None = None, unicode_errors: str = "strict", matrix: str = "center",
                 center: bool = False) -> WordVectors:
    """Read any vector file (see the module docstring), its format found from its bytes.

    limit: only the first N words are read (gensim's `limit`). unicode_errors: how words that are not UTF-8 are
    decoded, "strict" (an error naming the record), "replace" or "ignore" (as bytes.decode; gensim's
    `unicode_errors`). matrix: which vectors of a model.npz (center, outside or their sum). center: subtract the
    mean vector from every row (see WordVectors.centered).
    """
    loaded = read_vectors(path, limit=limit, unicode_errors=unicode_errors, matrix=matrix)
    vectors = WordVectors(loaded.words, loaded.vectors, str(path), counts=loaded.counts)
    if center:
        if vectors.vectors.flags.writeable and vectors.vectors.flags.owndata:
            vectors._subtract(vectors.mean_vector())  # the matrix just read: in place, no second matrix
        else:
            vectors = vectors.centered()
    return vectors


def save_vectors(path, vectors: WordVectors, fmt: str) -> None:
    """Write vectors as fmt: "text" or "binary" (word2vec formats), or "folder" (PATH/vectors.npy and
    PATH/vocab.txt, with the counts where known); each written into a temporary beside PATH and renamed."""
    if fmt == "text":
        save_word2vec_text(path, vectors.words, vectors.vectors)
    elif fmt == "binary":
        save_word2vec_binary(path, vectors.words, vectors.vectors)
    elif fmt == "folder":
        save_folder(path, vectors.words, vectors.vectors, vectors.counts)
    else:
        raise W2VError(f"unknown vector format {fmt!r} (choose from {', '.join(SAVE_FORMATS)})")


def row_lengths(block: np.ndarray) -> np.ndarray:
    """|v| of each row, (B,) float32: sqrt(Σ v_j²) summed as numpy.linalg.norm(axis=1) sums (gensim's norms)."""
    return np.sqrt(np.add.reduce(block * block, axis=-1))


class WordVectors:
    """Words in order, an index, a (V, d) float32 matrix (in memory, or memory-mapped read-only from a folder),
    counts (V,) where the file has them (else None), and the rows' lengths (V,), computed once when needed."""

    def __init__(self, words: list[str], vectors: np.ndarray, source: str = "vectors", counts=None):
        if not isinstance(vectors, np.memmap):
            vectors = np.ascontiguousarray(vectors, dtype=np.float32)  # (V, d)
        if vectors.ndim != 2 or len(words) != len(vectors) or vectors.dtype != np.float32:
            raise W2VError(f"{source}: {len(words)} words but a vector matrix of shape {vectors.shape}")
        self.words = list(words)
        self.vectors = vectors
        self.source = source
        self.counts = None if counts is None else np.asarray(counts, dtype=np.int64)  # (V,)
        self._index = None
        self._norms = None

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word) -> bool:
        return word in self.index

    @property
    def dim(self) -> int:
        return self.vectors.shape[1]

    @property
    def index(self) -> dict[str, int]:
        """word -> row, built on first use (a second or so for millions of words, which `convert` never needs);
        a repeated word: its first (most frequent) row wins, being written last."""
        if self._index is None:
            self._index = dict(zip(reversed(self.words), range(len(self.words) - 1, -1, -1)))
        return self._index

    @property
    def norms(self) -> np.ndarray:
        """|v_i| of every row, (V,) float32; computed on first use, a block of rows at a time."""
        if self._norms is None:
            self._norms = np.empty(len(self), dtype=np.float32)
            for start, block in self._blocks(len(self)):
                self._norms[start:start + len(block)] = row_lengths(block)
        return self._norms

    @property
    def unit_vectors(self) -> UnitRows:
        """The rows scaled to length 1, row by row as indexed (unit_vectors[i], unit_vectors[[i, j]]): no copy."""
        return UnitRows(self)

    def unit_rows(self, rows) -> np.ndarray:
        """vectors[rows] / |vectors[rows]| (a zero row stays zero), float32, as a normalised copy would hold."""
        picked = self.vectors[rows]
        lengths = row_lengths(picked)
        return picked / np.expand_dims(np.where(lengths == 0, 1, lengths), -1)

    def _blocks(self, rows: int):
        """(start, block) over the first `rows` rows, BLOCK_VALUES values at a time."""
        step = max(1, BLOCK_VALUES // self.dim)
        for start in range(0, rows, step):
            yield start, self.vectors[start:min(rows, start + step)]

    # -- looking words up ---------------------------------------------------------------------------------------

    def row(self, word: str) -> int:
        """The row of word; a W2VError naming it (and close spellings) when it is not in the vocabulary."""
        try:
            return self.index[word]
        except KeyError:
            raise W2VError(unknown_word_message(word, self.words, self.source)) from None

    def vector(self, word: str) -> np.ndarray:
        return self.vectors[self.row(word)]  # (d,)

    def similarity(self, word_a: str, word_b: str) -> float:
        """cos(a, b) = a·b / (|a| |b|)."""
        a, b = self.unit_rows([self.row(word_a), self.row(word_b)])
        return float(a @ b)

    def most_similar(self, positive=(), negative=(), topn: int = 10, restrict_vocab: int | None = None):
        """The topn words closest by cosine to the normalised mean of the positive words' unit vectors minus the
        negative words' (3CosAdd for analogies), the query words themselves excluded: [(word, cosine), ...]."""
        positive, negative = list(positive), list(negative)
        if not positive and not negative:
            raise W2VError("most_similar needs at least one word")
        found = self.nearest([self.row(w) for w in positive], [self.row(w) for w in negative], topn, restrict_vocab)
        return [(self.words[i], cosine) for i, cosine in found]

    def nearest(self, positive_rows, negative_rows=(), topn: int = 10, restrict_vocab: int | None = None):
        """most_similar by rows: [(row, cosine), ...] of the topn rows (among the first restrict_vocab) closest
        to q = normalise(Σ unit(positive) - Σ unit(negative)) / n, the query rows excluded; equal cosines in row
        order (as a stable sort of all of them)."""
        rows = list(positive_rows) + list(negative_rows)
        weights = np.array([1.0] * len(positive_rows) + [-1.0] * len(negative_rows), dtype=np.float32)  # (n,)
        query = weights @ self.unit_rows(rows) / len(rows)  # (d,)
        length = np.linalg.norm(query)
        query = query / length if length > 0 else query
        cosines = self.cosines(query, restrict_vocab)  # (V',)
        order = _top_in_order(cosines, topn + len(rows))
        excluded = set(rows)
        return [(int(i), float(cosines[i])) for i in order if i not in excluded][:topn]

    def cosines(self, unit_query: np.ndarray, restrict_vocab: int | None = None) -> np.ndarray:
        """cos(q, v_i) = (v_i · q) / |v_i| for the first restrict_vocab rows (all when None), (V',) float32;
        0 for a zero row."""
        rows = min(len(self), restrict_vocab) if restrict_vocab else len(self)
        result = np.empty(rows, dtype=np.float32)
        for start, block in self._blocks(rows):
            np.matmul(block, unit_query, out=result[start:start + len(block)])
        lengths = self.norms[:rows]
        return np.divide(result, lengths, out=result, where=lengths != 0)

    def analogy(self, a: str, b: str, c: str, topn: int = 1):
        """Answers to "a is to b as c is to ?" by 3CosAdd: closest to b - a + c, excluding a, b and c."""
        return self.most_similar(positive=[b, c], negative=[a], topn=topn)

    def subset(self, words: list[str]) -> WordVectors:
        """The given words' vectors, in the given order."""
        rows = [self.row(w) for w in words]
        return WordVectors(words, self.vectors[rows], self.source, None if self.counts is None else self.counts[rows])

    # -- collapsed spaces: one shared direction -------------------------------------------------------------------

    def mean_vector(self) -> np.ndarray:
        """μ = (1/V) Σ v_i, (d,) float32, summed in float64 a block at a time."""
        total = np.zeros(self.dim)
        for _, block in self._blocks(len(self)):
            total += block.sum(axis=0, dtype=np.float64)
        return (total / max(1, len(self))).astype(np.float32)

    def collapse_score(self, sample: int = COLLAPSE_SAMPLE) -> float:
        """Mean over rows of cos(v_i, μ), μ their mean vector, over at most `sample` evenly spaced rows (all of
        them in a smaller file). Near 0 for vectors spread in every direction; near 1 when the rows share one
        direction, and then every cosine is close to 1 and neighbours by cosine say little."""
        if len(self) == 0:
            return 0.0
        rows = np.unique(np.linspace(0, len(self) - 1, min(sample, len(self))).astype(np.int64))
        picked = self.vectors[rows]  # (n, d)
        mean = picked.mean(axis=0, dtype=np.float64)  # (d,)
        length = np.linalg.norm(mean)
        if length == 0:
            return 0.0
        lengths = row_lengths(picked).astype(np.float64)  # (n,)
        cosines = (picked @ (mean / length)) / np.where(lengths == 0, 1, lengths)  # (n,)
        return float(np.mean(cosines))

    def collapse_warning(self) -> str | None:
        """A sentence saying the space is collapsed (collapse_score above COLLAPSED), or None."""
        score = self.collapse_score()
        if score <= COLLAPSED:
            return None
        return (f"{self.source}: the vectors share one direction (mean cosine to their mean vector {score:.3f}), "
                f"so every cosine is high and neighbours say little; --center subtracts the mean vector first")

    def centered(self) -> WordVectors:
        """The same words with v_i - μ (μ the mean vector): the first step of "all-but-the-top" (Mu and
        Viswanath, 2018), which removes the direction all rows share. A new matrix, built a block at a time."""
        mean = self.mean_vector()
        matrix = np.empty_like(self.vectors, dtype=np.float32, subok=False)  # (V, d)
        for start, block in self._blocks(len(self)):
            np.subtract(block, mean, out=matrix[start:start + len(block)])
        return WordVectors(self.words, matrix, self.source, self.counts)

    def _subtract(self, mean: np.ndarray) -> None:
        """v_i -= mean in place, a block at a time (the matrix must be this object's own)."""
        for _, block in self._blocks(len(self)):
            block -= mean
        self._norms = None

    # -- files --------------------------------------------------------------------------------------------------

    @classmethod
    def load(cls, path, matrix: str = "center", **options) -> WordVectors:
        """load_vectors(path, matrix=matrix, **options): any vector file."""
        return load_vectors(path, matrix=matrix, **options)

    def save(self, path, binary: bool | None = None) -> None:
        """Write word2vec format: binary when `binary` is True (or None and the name ends in .bin), else text."""
        if binary is None:
            binary = str(path).endswith(".bin")
        save_vectors(path, self, "binary" if binary else "text")


class UnitRows:
    """A WordVectors' rows scaled to length 1, computed when indexed: unit[i] (d,), unit[[i, j]] (2, d)."""

    def __init__(self, vectors: WordVectors):
        self._vectors = vectors

    def __len__(self) -> int:
        return len(self._vectors)

    def __getitem__(self, rows) -> np.ndarray:
        return self._vectors.unit_rows(rows)

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        unit = self._vectors.unit_rows(slice(None))  # (V, d): the whole normalised copy, only when asked for
        return unit if dtype is None else unit.astype(dtype)


def _top_in_order(values: np.ndarray, k: int) -> np.ndarray:
    """The indices of the k largest values, largest first, equal values in index order: what
    np.argsort(-values, kind="stable")[:k] gives, in O(V) (a partition, then a sort of those at or above the
    k-th largest)."""
    if k >= len(values) or np.isnan(values).any():
        return np.argsort(-values, kind="stable")[:k]
    kth = np.partition(values, len(values) - k)[len(values) - k]  # the k-th largest value
    candidates = np.flatnonzero(values >= kth)  # in index order: ties at kth included
    return candidates[np.argsort(-values[candidates], kind="stable")][:k]


def unknown_word_message(word: str, words: list[str], source: str) -> str:
    """`'wrod' is not in the vocabulary of SOURCE (did you mean 'word'?)`, the hint only where cheap to find."""
    pool = [w for w in words[:200_000] if abs(len(w) - len(word)) <= 2 and w[:1] == word[:1]]
    close = difflib.get_close_matches(word, pool, n=3, cutoff=0.75) if len(pool) < 20_000 else []
    hint = f" (did you mean {', '.join(map(repr, close))}?)" if close else ""
    return f"{word!r} is not in the vocabulary of {source}{hint}"
