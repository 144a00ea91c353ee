"""Word vectors on disk: the word2vec text and binary formats (as the C tool and gensim write them)."""
from __future__ import annotations

import numpy as np

from w2vcli.atomic import atomic_write
from w2vcli.errors import W2VError


def _check_words(words) -> None:
    for word in words:
        if not word or any(ch.isspace() for ch in word):
            raise W2VError(f"the word {word!r} contains white space and cannot be written in word2vec format")


def save_word2vec_text(path, words: list[str], vectors: np.ndarray) -> None:
    """Text format: a header `V d`, then one line per word: `word v1 ... vd`.

    Values are float32 printed with 9 significant digits, enough to read back the identical float32.
    """
    _check_words(words)
    vectors = np.asarray(vectors, dtype=np.float32)  # (V, d)
    row_format = " ".join(["%.9g"] * vectors.shape[1])
    with atomic_write(path, "w", encoding="utf-8") as handle:
        handle.write(f"{len(words)} {vectors.shape[1]}\n")
        for word, row in zip(words, vectors.tolist()):
            handle.write(word + " " + row_format % tuple(row) + "\n")


def save_word2vec_binary(path, words: list[str], vectors: np.ndarray) -> None:
    """Binary format: a header `V d\\n`, then per word its UTF-8 bytes, a space, d little-endian float32, and
    a newline (as the C tool writes it; readers that expect none skip it as leading white space)."""
    _check_words(words)
    vectors = np.asarray(vectors, dtype="<f4")  # (V, d)
    with atomic_write(path) as handle:
        handle.write(f"{len(words)} {vectors.shape[1]}\n".encode())
        for word, row in zip(words, vectors):
            handle.write(word.encode("utf-8") + b" " + row.tobytes() + b"\n")
