"""Property tests: arbitrary bytes given to a reader give a result or the clean W2VError, nothing else."""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from w2vcli.config import read_config_file, resolve_config
from w2vcli.corpus import Corpus
from w2vcli.errors import ConfigError, W2VError
from w2vcli.vectors import WordVectors

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# bytes that look a little like each format, so the readers get past their first checks often
text_like = st.lists(
    st.sampled_from([b"3 2\n", b"2 3\n", b"cat ", b"dog ", b"0.5 ", b"-1e3 ", b"nan ", b"x ", b"\n", b"\t", b" ",
                     b"\xff", b"\x00", b"\xc3\xa9", b"sentence_index\tsentence\n", b"1\t", b"PK\x03\x04"]),
    max_size=40,
).map(b"".join)
any_bytes = st.one_of(st.binary(max_size=400), text_like)


def write(data: bytes) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="w2v-prop-"))
    path = folder / "input"
    path.write_bytes(data)
    return path


@SETTINGS
@given(data=any_bytes, fmt=st.sampled_from(["auto", "text", "sst"]), lowercase=st.booleans())
def test_corpus_reader_gives_sentences_or_a_clean_error(data, fmt, lowercase):
    path = write(data)
    try:
        sentences = list(Corpus(path, format=fmt, lowercase=lowercase))
    except W2VError as err:
        assert str(path) in str(err)
        return
    for sentence in sentences:
        assert sentence and all(isinstance(t, str) and t and not any(c.isspace() for c in t) for t in sentence)


@SETTINGS
@given(data=any_bytes)
def test_vector_reader_gives_vectors_or_a_clean_error(data):
    path = write(data)
    try:
        vectors = WordVectors.load(path)
    except W2VError as err:
        assert str(path) in str(err)
        return
    assert vectors.vectors.dtype == np.float32
    assert vectors.vectors.shape == (len(vectors.words), vectors.dim)


@SETTINGS
@given(
    header_count=st.integers(0, 5),
    dim=st.integers(1, 4),
    rows=st.lists(st.tuples(st.text(min_size=1, max_size=5), st.lists(st.floats(width=32), max_size=5)), max_size=5),
)
def test_vector_reader_on_text_shaped_files(header_count, dim, rows):
    lines = [f"{header_count} {dim}"] + [word + " " + " ".join(map(str, values)) for word, values in rows]
    path = write(("\n".join(lines) + "\n").encode("utf-8", errors="surrogatepass"))
    try:
        vectors = WordVectors.load(path)
    except W2VError:
        return
    assert len(vectors) == header_count and vectors.dim == dim


yaml_like = st.lists(
    st.sampled_from(["dim: 10\n", "dim: ten\n", "lr: 0.1\n", "lr: -1\n", "window: 0\n", "unknown: 1\n", "- a\n",
                     "model: cbow\n", "model: rnn\n", "lowercase: yes\n", "sample: 1e-5\n", "iterations: null\n",
                     ": :\n", "[\n", "\t", "dim: 2.5\n", "corpus: 5\n", "max_vocab: true\n", "lr: .nan\n"]),
    max_size=8,
).map("".join)


@SETTINGS
@given(text=st.one_of(yaml_like, st.text(max_size=200)))
def test_config_loader_gives_a_config_or_a_config_error(text):
    path = write(text.encode("utf-8", errors="surrogatepass"))
    try:
        config = resolve_config(read_config_file(path))
    except ConfigError:
        return
    assert config.dim >= 1 and config.window >= 1 and 0 < config.effective_lr < float("inf")
