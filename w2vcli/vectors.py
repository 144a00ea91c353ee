"""Word vectors: one class with the word2vec text/binary formats and model.npz, cosine neighbours and analogies.

Formats (recognised from the file's bytes, whatever its name):
  text    header `V d`, then V lines `word v1 ... vd`
  binary  header `V d\\n`, then V records: word's UTF-8 bytes, a space, d little-endian float32, and a newline
          in the C tool's layout (gensim writes none; white space before a word is skipped, so both read)
  npz     w2vcli's model.npz: center_vectors, outside_vectors (V, d), words (V,), counts (V,); the final
          checkpoint itself (w2vcli/outputs.py), whose other arrays (history, meta) are not read
"""
from __future__ import annotations

import difflib
import re
import zipfile
from pathlib import Path

import numpy as np

from w2vcli.atomic import atomic_write
from w2vcli.errors import W2VError

MATRICES = ("center", "outside", "sum")  # which vectors of a model.npz to use


class WordVectors:
    """Words in order, an index, a (V, d) float32 matrix, and its unit-normalised copy made once when needed."""

    def __init__(self, words: list[str], vectors: np.ndarray, source: str = "vectors"):
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)  # (V, d)
        if vectors.ndim != 2 or len(words) != len(vectors):
            raise W2VError(f"{source}: {len(words)} words but a vector matrix of shape {vectors.shape}")
        self.words = list(words)
        self.vectors = vectors
        self.source = source
        self.index = {}
        for i, word in enumerate(self.words):
            self.index.setdefault(word, i)  # a repeated word: the first (most frequent) row wins
        self._unit = None

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word) -> bool:
        return word in self.index

    @property
    def dim(self) -> int:
        return self.vectors.shape[1]

    @property
    def unit_vectors(self) -> np.ndarray:
        """Rows scaled to length 1 (a zero row stays zero), (V, d) float32; computed on first use."""
        if self._unit is None:
            norms = np.linalg.norm(self.vectors, axis=1, keepdims=True)  # (V, 1)
            self._unit = self.vectors / np.where(norms == 0, 1, norms)
        return self._unit

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
        return float(self.unit_vectors[self.row(word_a)] @ self.unit_vectors[self.row(word_b)])

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
        to normalise(Σ unit(positive) - Σ unit(negative)) / n, the query rows excluded."""
        rows = list(positive_rows) + list(negative_rows)
        weights = np.array([1.0] * len(positive_rows) + [-1.0] * len(negative_rows), dtype=np.float32)  # (n,)
        mean = weights @ self.unit_vectors[rows] / len(rows)  # (d,)
        norm = np.linalg.norm(mean)
        mean = mean / norm if norm > 0 else mean
        candidates = self.unit_vectors[:restrict_vocab] if restrict_vocab else self.unit_vectors
        cosines = candidates @ mean  # (V',)
        order = np.argsort(-cosines, kind="stable")[: topn + len(rows)]
        excluded = set(rows)
        return [(int(i), float(cosines[i])) for i in order if i not in excluded][:topn]

    def analogy(self, a: str, b: str, c: str, topn: int = 1):
        """Answers to "a is to b as c is to ?" by 3CosAdd: closest to b - a + c, excluding a, b and c."""
        return self.most_similar(positive=[b, c], negative=[a], topn=topn)

    def subset(self, words: list[str]) -> WordVectors:
        """The given words' vectors, in the given order."""
        return WordVectors(words, self.vectors[[self.row(w) for w in words]], self.source)

    # -- files --------------------------------------------------------------------------------------------------

    @classmethod
    def load(cls, path, matrix: str = "center") -> WordVectors:
        """Read word2vec text or binary, or a model.npz (`matrix`: center, outside or their sum)."""
        path = Path(path)
        try:
            with open(path, "rb") as handle:
                head = handle.read(4)
        except FileNotFoundError:
            raise W2VError(f"vector file {path} does not exist") from None
        except IsADirectoryError:
            raise W2VError(f"vector file {path} is a folder; give vectors.txt, vectors.bin or model.npz") from None
        except OSError as err:
            raise W2VError(f"vector file {path} cannot be read: {err.strerror}") from None
        if not head:
            raise W2VError(f"vector file {path} is empty")
        if head == b"PK\x03\x04":
            return _load_npz(path, matrix)
        return _load_word2vec(path)

    def save(self, path, binary: bool | None = None) -> None:
        """Write word2vec format: binary when `binary` is True (or None and the name ends in .bin), else text."""
        if binary is None:
            binary = str(path).endswith(".bin")
        (save_word2vec_binary if binary else save_word2vec_text)(path, self.words, self.vectors)


def unknown_word_message(word: str, words: list[str], source: str) -> str:
    """`'wrod' is not in the vocabulary of SOURCE (did you mean 'word'?)`, the hint only where cheap to find."""
    pool = [w for w in words[:200_000] if abs(len(w) - len(word)) <= 2 and w[:1] == word[:1]]
    close = difflib.get_close_matches(word, pool, n=3, cutoff=0.75) if len(pool) < 20_000 else []
    hint = f" (did you mean {', '.join(map(repr, close))}?)" if close else ""
    return f"{word!r} is not in the vocabulary of {source}{hint}"


# -- readers ----------------------------------------------------------------------------------------------------


def _parse_header(line: bytes, path) -> tuple[int, int]:
    parts = line.split()
    try:
        count, dim = int(parts[0]), int(parts[1])
        if len(parts) != 2 or count < 0 or dim < 1:
            raise ValueError
    except (ValueError, IndexError):
        shown = line[:60].decode("utf-8", errors="replace").strip()
        raise W2VError(f"{path}: line 1 should be the header `<words> <dimensions>`, found {shown!r}") from None
    return count, dim


def _load_word2vec(path: Path) -> WordVectors:
    data = path.read_bytes()
    newline = data.find(b"\n")
    if newline < 0:
        raise W2VError(f"{path}: no header line `<words> <dimensions>`")
    count, dim = _parse_header(data[:newline], path)
    body = data[newline + 1:]
    if _looks_like_text(body, dim):
        return _parse_text(body, count, dim, path)
    return _parse_binary(body, count, dim, path)


_NUMBER_CHARS = frozenset("0123456789.+-eEinfaINFA")  # what printed numbers are made of


def _looks_like_text(body: bytes, dim: int) -> bool:
    """True when the first record reads as a text line: UTF-8 with no control characters, a word, then either
    d values or only number-like tokens. Raw float32 bytes essentially never pass, and a text file with a
    malformed first row is still read (and reported) as text."""
    try:
        first = body.split(b"\n", 1)[0].decode("utf-8")
    except UnicodeDecodeError:
        return False
    if any(ch < " " and ch not in "\t\r" for ch in first):
        return False
    values = first.split()[1:]
    return bool(values) and (len(values) == dim or all(set(v) <= _NUMBER_CHARS for v in values))


def _parse_text(body: bytes, count: int, dim: int, path) -> WordVectors:
    lines = body.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    if len(lines) != count:
        more_or_fewer = "fewer" if len(lines) < count else "more"
        raise W2VError(f"{path}: the header says {count} words but the file has {len(lines)} ({more_or_fewer} lines)")
    words, rows = [], []  # rows gathered as read: a header's dimension is not trusted with an allocation
    for i, raw in enumerate(lines):
        line_number = i + 2
        try:
            parts = raw.decode("utf-8").rstrip("\r").split(" ")
        except UnicodeDecodeError:
            raise W2VError(f"{path}:{line_number}: bytes that are not UTF-8") from None
        parts = [p for p in parts if p]
        if len(parts) != dim + 1:
            raise W2VError(f"{path}:{line_number}: expected a word and {dim} values, found {len(parts) - 1} values")
        try:
            rows.append(np.array(parts[1:], dtype=np.float32))
        except ValueError:
            raise W2VError(f"{path}:{line_number}: a value of {parts[0]!r} is not a number") from None
        words.append(parts[0])
    vectors = np.array(rows, dtype=np.float32).reshape(count, dim)  # (V, d)
    return WordVectors(words, vectors, str(path))


def _parse_binary(body: bytes, count: int, dim: int, path) -> WordVectors:
    words = []
    record_bytes = 4 * dim
    # (V, d), but never more rows than the bytes can hold (a word, a space, the floats): a lying header is a
    # truncation error below, not a huge allocation
    vectors = np.empty((min(count, len(body) // (record_bytes + 2)), dim), dtype=np.float32)
    position = 0
    for i in range(count):
        while position < len(body) and body[position:position + 1] in (b"\n", b" ", b"\r", b"\t"):
            position += 1  # the C tool's newline after each vector
        space = body.find(b" ", position)
        if space < 0 or space + 1 + record_bytes > len(body):
            raise W2VError(f"{path}: record {i + 1} of {count} is truncated (the header says {count} words)")
        try:
            word = body[position:space].decode("utf-8")
        except UnicodeDecodeError:
            raise W2VError(f"{path}: record {i + 1}: the word is not UTF-8 (is this a word2vec file?)") from None
        if not word or len(word) > 1000:
            raise W2VError(f"{path}: record {i + 1} has no proper word (is this a word2vec file?)")
        vectors[i] = np.frombuffer(body, dtype="<f4", count=dim, offset=space + 1)
        words.append(word)
        position = space + 1 + record_bytes
    if body[position:].strip():
        raise W2VError(f"{path}: data after the {count} records the header announces")
    return WordVectors(words, vectors, str(path))


def _load_npz(path: Path, matrix: str) -> WordVectors:
    """model.npz, or a checkpoint that holds the same arrays (its history and meta are not read): the matrices
    as float32 first, so a float64 checkpoint's `sum` is the sum of what vectors.txt/.bin hold."""
    if matrix not in MATRICES:
        raise W2VError(f"unknown matrix {matrix!r} (choose from {', '.join(MATRICES)})")
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [key for key in ("words", "center_vectors", "outside_vectors") if key not in data.files]
            if missing:
                what = "a checkpoint without its words" if "meta" in data.files else "not a w2vcli model.npz"
                raise W2VError(f"{path}: {what} (no {missing[0]!r})")
            words = [str(w) for w in data["words"]]
            center = data["center_vectors"].astype(np.float32, copy=False)  # (V, d)
            outside = data["outside_vectors"].astype(np.float32, copy=False)  # (V, d)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as err:
        raise W2VError(f"{path}: unreadable model.npz ({type(err).__name__})") from None
    if center.shape != outside.shape or center.ndim != 2:
        raise W2VError(f"{path}: center and outside vectors differ in shape")
    vectors = {"center": center, "outside": outside, "sum": center + outside}[matrix]
    return WordVectors(words, vectors, str(path))


# -- writers ----------------------------------------------------------------------------------------------------


_WHITE_SPACE = re.compile(r"\s")  # what str.isspace calls white space (the same Unicode table)


def _check_words(words) -> None:
    """Refuse an empty word or one with white space, naming it: one regex search over all words joined by NUL
    (not white space), and a loop over the words only to find the bad one."""
    if all(words) and not _WHITE_SPACE.search("\0".join(words)):
        return
    for word in words:
        if not word or any(ch.isspace() for ch in word):
            raise W2VError(f"the word {word!r} contains white space and cannot be written in word2vec format")


ROWS_PER_BLOCK = 1024  # rows written at once: a few MB of scratch at d = 300, whatever V is


def save_word2vec_text(path, words: list[str], vectors: np.ndarray) -> None:
    """Text format: a header `V d`, then one line per word: `word v1 ... vd`.

    Values are float32 printed as `'%.9g' % value` (9 significant digits, enough to read back the identical
    float32), a block of rows at a time by float_text.format_rows: no Python per value.
    Example: words ["a", "b"], vectors [[1, -0.5], [0.1, 2]] give "2 2\\na 1 -0.5\\nb 0.100000001 2\\n".
    """
    from w2vcli.float_text import format_rows  # numba: imported by the writer, not by every reader of vectors

    _check_words(words)
    count, dim = _shape(words, vectors)
    with atomic_write(path) as handle:
        handle.write(f"{count} {dim}\n".encode())
        for start in range(0, count, ROWS_PER_BLOCK):
            block = np.asarray(vectors[start:start + ROWS_PER_BLOCK], dtype=np.float32)  # (B, d)
            text, ends = format_rows(block)  # the block's values: `v1 ... vd\n` per row
            handle.write(_prefix_rows(words[start:start + len(block)], text, ends, b" "))


def save_word2vec_binary(path, words: list[str], vectors: np.ndarray) -> None:
    """Binary format: a header `V d\\n`, then per word its UTF-8 bytes, a space, d little-endian float32, and
    a newline (as the C tool writes it; readers that expect none skip it as leading white space)."""
    _check_words(words)
    count, dim = _shape(words, vectors)
    with atomic_write(path) as handle:
        handle.write(f"{count} {dim}\n".encode())
        for start in range(0, count, ROWS_PER_BLOCK):
            block = np.ascontiguousarray(vectors[start:start + ROWS_PER_BLOCK], dtype="<f4")  # (B, d)
            records = np.empty((len(block), 4 * dim + 1), dtype=np.uint8)  # (B, 4d + 1): the floats, a newline
            records[:, :-1] = block.view(np.uint8).reshape(len(block), 4 * dim)
            records[:, -1] = ord("\n")
            ends = range(4 * dim + 1, records.size + 1, 4 * dim + 1)
            handle.write(_prefix_rows(words[start:start + len(block)], records.tobytes(), ends, b" "))


def _shape(words, vectors) -> tuple[int, int]:
    """(V, d) of vectors, which must have one row per word and at least one dimension (as readers require)."""
    shape = np.shape(vectors)
    if len(shape) != 2 or shape[0] != len(words) or shape[1] < 1:
        raise W2VError(f"{len(words)} words but a vector matrix of shape {shape}: cannot write them")
    return shape


def _prefix_rows(words, rows: bytes, ends, separator: bytes) -> bytes:
    """`word separator row` for each word, the rows being rows[previous end:end]: one Python step per row."""
    parts, begin = [], 0
    for word, end in zip(words, ends):
        parts.append(word.encode("utf-8") + separator + rows[begin:end])
        begin = end
    return b"".join(parts)
