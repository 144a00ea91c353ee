"""Tests of w2vcli.vectors: the word2vec text and binary formats, byte for byte (against the plain Python
writers they replace, and float_text against Python's '%.9g'), and gensim can read both."""
from __future__ import annotations

import struct

import numpy as np
import pytest
from reference import read_binary_vectors, read_text_vectors, same_bits

from w2vcli.errors import W2VError
from w2vcli.float_text import format_rows, text_of
from w2vcli.vectors import ROWS_PER_BLOCK, save_word2vec_binary, save_word2vec_text

# float32 values that are easy to get wrong: not exact in decimal, tiny, subnormal, huge, negative zero
HARD_VALUES = np.array(
    [[0.1, 1 / 3, -2.5, 1e-45], [3.4028235e38, -0.0, 123456.789, -1.1754944e-38], [7.0, -7e-8, 0.3, 2.0 / 3]],
    dtype=np.float32,
)
WORDS = ["the", "café", "naïve"]
PRINTF = "%.9g"  # how the text format has always printed a value


def test_binary_layout_byte_for_byte(tmp_path):
    vectors = np.array([[1.0, -2.0, 0.5], [0.25, 3.0, -0.125]])  # float64 in, float32 out
    path = tmp_path / "v.bin"
    save_word2vec_binary(path, ["hello", "wörld"], vectors)
    want = (
        b"2 3\n"
        + b"hello " + struct.pack("<3f", 1.0, -2.0, 0.5) + b"\n"
        + "wörld".encode() + b" " + struct.pack("<3f", 0.25, 3.0, -0.125) + b"\n"
    )
    assert path.read_bytes() == want


def test_text_layout(tmp_path):
    path = tmp_path / "v.txt"
    save_word2vec_text(path, ["a", "b"], np.array([[1.0, -0.5], [0.1, 2.0]]))
    assert path.read_text(encoding="utf-8") == "2 2\na 1 -0.5\nb 0.100000001 2\n"


def test_text_and_binary_round_trip_bit_for_bit(tmp_path):
    save_word2vec_text(tmp_path / "v.txt", WORDS, HARD_VALUES)
    save_word2vec_binary(tmp_path / "v.bin", WORDS, HARD_VALUES)
    for reader, name in ((read_text_vectors, "v.txt"), (read_binary_vectors, "v.bin")):
        words, vectors = reader(tmp_path / name)
        assert words == WORDS
        assert same_bits(vectors, HARD_VALUES), name


def test_gensim_reads_both_formats(tmp_path):
    from gensim.models import KeyedVectors

    save_word2vec_text(tmp_path / "v.txt", WORDS, HARD_VALUES)
    save_word2vec_binary(tmp_path / "v.bin", WORDS, HARD_VALUES)
    for name, binary in (("v.txt", False), ("v.bin", True)):
        kv = KeyedVectors.load_word2vec_format(str(tmp_path / name), binary=binary)
        assert list(kv.index_to_key) == WORDS
        assert same_bits(kv.vectors, HARD_VALUES), name


@pytest.mark.parametrize("bad", ["new york", "tab\there", "line\nbreak", "", "nbsp\u00a0word"])
@pytest.mark.parametrize("save", [save_word2vec_text, save_word2vec_binary])
def test_word_with_white_space_is_refused_and_nothing_written(tmp_path, save, bad):
    path = tmp_path / "v.out"
    with pytest.raises(W2VError) as info:
        save(path, ["ok", bad, "fine"], np.zeros((3, 2)))
    assert repr(bad) in str(info.value)
    assert "white space" in str(info.value)
    assert list(tmp_path.iterdir()) == []  # neither the file nor a temporary file


def test_saving_replaces_an_existing_file_atomically(tmp_path):
    path = tmp_path / "v.txt"
    save_word2vec_text(path, ["a"], np.ones((1, 2)))
    save_word2vec_text(path, ["b", "c"], np.zeros((2, 2)))
    assert path.read_text(encoding="utf-8").splitlines()[0] == "2 2"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.txt"]


def test_word_vectors_load_reads_what_the_writers_wrote(tmp_path):
    from w2vcli.vectors import WordVectors

    save_word2vec_text(tmp_path / "v.txt", WORDS, HARD_VALUES)
    save_word2vec_binary(tmp_path / "v.bin", WORDS, HARD_VALUES)
    for name in ("v.txt", "v.bin"):
        loaded = WordVectors.load(tmp_path / name)
        assert loaded.words == WORDS, name
        assert same_bits(loaded.vectors, HARD_VALUES), name


def test_word_vectors_load_reads_gensim_binary_without_newlines(tmp_path):
    from gensim.models import KeyedVectors

    from w2vcli.vectors import WordVectors

    kv = KeyedVectors(vector_size=HARD_VALUES.shape[1])
    kv.add_vectors(WORDS, HARD_VALUES)
    kv.save_word2vec_format(str(tmp_path / "g.bin"), binary=True)
    loaded = WordVectors.load(tmp_path / "g.bin")
    assert loaded.words == WORDS
    assert same_bits(loaded.vectors, HARD_VALUES)


# -- the block-wise writers against the plain Python ones they replace ---------------------------------------------


def python_text(words, vectors) -> bytes:
    """The text format as the writer printed it before, one Python '%.9g' per value."""
    vectors = np.asarray(vectors, dtype=np.float32)
    row_format = " ".join([PRINTF] * vectors.shape[1])
    lines = [f"{word} {row_format % tuple(row)}\n" for word, row in zip(words, vectors.tolist())]
    return (f"{len(words)} {vectors.shape[1]}\n" + "".join(lines)).encode("utf-8")


def python_binary(words, vectors) -> bytes:
    vectors = np.asarray(vectors, dtype="<f4")
    records = [w.encode("utf-8") + b" " + row.tobytes() + b"\n" for w, row in zip(words, vectors)]
    return f"{len(words)} {vectors.shape[1]}\n".encode() + b"".join(records)


def awkward_matrix(rows: int, dim: int, seed: int) -> np.ndarray:
    """float32 of every kind: signs, magnitudes from subnormal to huge, -0.0, and random bit patterns."""
    rng = np.random.default_rng(seed)
    scales = 10.0 ** rng.integers(-45, 38, size=(rows, dim))
    vectors = (rng.standard_normal((rows, dim)) * scales).astype(np.float32)  # (rows, dim)
    bits = rng.integers(0, 2**32, size=(rows, dim), dtype=np.uint64).astype(np.uint32).view(np.float32)
    finite_bits = np.where(np.isfinite(bits), bits, np.float32(1.5))
    vectors[::3] = finite_bits[::3]
    special = np.float32([-0.0, 0.0, 1e-45, -3.4028235e38, 1250000.125, -0.704101562, 0.1])  # ties: see float_text
    flat = vectors.ravel()
    flat[1:1 + len(special)] = special[:len(flat) - 1]
    return vectors


@pytest.mark.parametrize("rows, dim", [(1, 1), (1, 9), (7, 5), (ROWS_PER_BLOCK + 3, 3), (2 * ROWS_PER_BLOCK, 2)])
def test_block_writers_are_byte_identical_to_the_python_writers(tmp_path, rows, dim):
    vectors = awkward_matrix(rows, dim, seed=rows)
    words = [["the", "café", "naïve", "日本語", "a\u0301", "ß"][i % 6] + str(i) for i in range(rows)]
    save_word2vec_text(tmp_path / "v.txt", words, vectors)
    save_word2vec_binary(tmp_path / "v.bin", words, vectors)
    assert (tmp_path / "v.txt").read_bytes() == python_text(words, vectors)
    assert (tmp_path / "v.bin").read_bytes() == python_binary(words, vectors)


def test_float64_input_is_written_as_its_float32(tmp_path):
    vectors = np.random.default_rng(0).standard_normal((5, 4))  # float64, as the NumPy engine's state
    words = list("abcde")
    save_word2vec_text(tmp_path / "v.txt", words, vectors)
    save_word2vec_binary(tmp_path / "v.bin", words, vectors)
    assert (tmp_path / "v.txt").read_bytes() == python_text(words, vectors)
    assert (tmp_path / "v.bin").read_bytes() == python_binary(words, vectors)


@pytest.mark.parametrize("shape", [(2, 3), (3, 0), (3,)])
@pytest.mark.parametrize("save", [save_word2vec_text, save_word2vec_binary])
def test_a_matrix_that_does_not_fit_the_words_is_refused(tmp_path, save, shape):
    with pytest.raises(W2VError, match="3 words but a vector matrix of shape"):
        save(tmp_path / "v", ["a", "b", "c"], np.zeros(shape))
    assert list(tmp_path.iterdir()) == []


def test_float_text_prints_as_python_does_on_random_bit_patterns():
    rng = np.random.default_rng(11)
    values = rng.integers(0, 2**32, size=300_000, dtype=np.uint64).astype(np.uint32).view(np.float32)
    assert text_of(values) == [(PRINTF % v).encode() for v in values.tolist()]  # inf and nan included


def test_float_text_at_powers_of_ten_ties_and_extremes():
    powers = np.array([float(f"1e{k}") for k in range(-45, 39)], dtype=np.float32)
    below, above = np.nextafter(powers, np.float32(0)), np.nextafter(powers, np.float32(np.inf))
    ties = (np.arange(2**20 + 1, 2**24, 9973) / 8).astype(np.float32)  # x.125, x.375...: a 10th digit of 5
    extremes = np.float32([0.0, -0.0, 1e-45, -1e-45, 1.1754944e-38, 3.4028235e38, 123456789, 999999999, 1e-4,
                           9.9999997e-5, 1e-5, 12345.5, 0.5, 100])
    values = np.concatenate([powers, below, above, -powers, ties, extremes])
    assert text_of(values) == [(PRINTF % v).encode() for v in values.tolist()]


def test_format_rows_worked_example():
    assert format_rows(np.float32([[1, -0.5], [0.1, 2]])) == (b"1 -0.5\n0.100000001 2\n", [7, 21])
    assert text_of(np.float32([0.1, -0.0, 1e-45, 1e-5, 123456789, 1e9])) == [
        b"0.100000001", b"-0", b"1.40129846e-45", b"9.99999975e-06", b"123456792", b"1e+09"]


@pytest.mark.parametrize("save", [save_word2vec_text, save_word2vec_binary])
def test_every_white_space_character_is_refused(tmp_path, save):
    white = [chr(c) for c in range(0x110000) if chr(c).isspace()]  # 29, from \t to the ideographic space
    assert len(white) > 20
    for ch in white:
        with pytest.raises(W2VError, match="contains white space"):
            save(tmp_path / "v", ["ok", f"a{ch}b"], np.zeros((2, 2)))
    save(tmp_path / "v", ["ok", "a\x00b", "\u200bzero-width"], np.zeros((3, 2)))  # not white space: written
