"""Tests of w2vcli.vectors: the word2vec text and binary formats, byte for byte, and gensim can read both."""
from __future__ import annotations

import struct

import numpy as np
import pytest
from reference import read_binary_vectors, read_text_vectors, same_bits

from w2vcli.errors import W2VError
from w2vcli.vectors import save_word2vec_binary, save_word2vec_text

# float32 values that are easy to get wrong: not exact in decimal, tiny, subnormal, huge, negative zero
HARD_VALUES = np.array(
    [[0.1, 1 / 3, -2.5, 1e-45], [3.4028235e38, -0.0, 123456.789, -1.1754944e-38], [7.0, -7e-8, 0.3, 2.0 / 3]],
    dtype=np.float32,
)
WORDS = ["the", "café", "naïve"]


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
