"""`w2v convert`: round trips through every --to (bit for bit), --limit, the format from OUT's name, and projector
files equal to what gensim's word2vec2tensor writes from the same file."""
from __future__ import annotations

import numpy as np
import pytest
from reference import make_runner, read_binary_vectors, read_text_vectors, same_bits

from w2vcli.cli import main
from w2vcli.convert import infer_format, projector_paths, save_projector
from w2vcli.errors import ConfigError, W2VError
from w2vcli.vectors import WordVectors, load_vectors

gensim_models = pytest.importorskip("gensim.models")
word2vec2tensor = pytest.importorskip("gensim.scripts.word2vec2tensor").word2vec2tensor

WORDS = ["the", "café", "naïve", "日本", "emoji🙂", "-lrb-"] + [f"w{i}" for i in range(34)]  # 40 words


def run(*args):
    result = make_runner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.stdout + result.stderr
    return result


@pytest.fixture(scope="module")
def matrix() -> np.ndarray:
    """(40, 7) float32, magnitudes 1e-6 to 1e6 (so decimal printing is exercised), one -0.0 and one 0."""
    rng = np.random.default_rng(12)
    values = rng.standard_normal((len(WORDS), 7)) * 10.0 ** rng.uniform(-6, 6, size=(len(WORDS), 7))
    values[3, 2], values[4, 5] = -0.0, 0.0
    return values.astype(np.float32)


@pytest.fixture()
def source(tmp_path, matrix):
    """The vectors in word2vec binary as gensim writes it (no newline after a vector): not w2v's own writer."""
    kv = gensim_models.KeyedVectors(matrix.shape[1])
    kv.add_vectors(WORDS, matrix)
    path = tmp_path / "source.bin"
    kv.save_word2vec_format(str(path), binary=True)
    return path


@pytest.mark.parametrize("to, name", [("text", "out.txt"), ("binary", "out.bin"), ("folder", "out")])
@pytest.mark.parametrize("limit", [None, 7])
def test_round_trip_is_bit_for_bit(tmp_path, source, matrix, to, name, limit):
    out = tmp_path / name
    result = run("convert", source, out, "--to", to, *(["--limit", limit] if limit else []))
    assert result.exit_code == 0, result.stderr
    count = limit or len(WORDS)
    assert f"({to}, {count:,} words x 7)" in result.stdout
    words, vectors = WORDS[:count], matrix[:count]
    back = load_vectors(out)
    assert back.words == words and same_bits(np.asarray(back.vectors), vectors)
    if to == "folder":  # the files themselves: float32 V x d, and `word count` lines
        assert same_bits(np.load(out / "vectors.npy"), vectors)
        assert [line.split(" ")[0] for line in (out / "vocab.txt").read_text("utf-8").splitlines()] == words
    else:  # an independent reader, and gensim's, see the same
        own_words, own = (read_text_vectors if to == "text" else read_binary_vectors)(out)
        assert own_words == words and same_bits(own, vectors)
        kv = gensim_models.KeyedVectors.load_word2vec_format(str(out), binary=to == "binary")
        assert kv.index_to_key == words and same_bits(kv.vectors, vectors)
    assert not [p for p in tmp_path.rglob(".*.tmp")]  # no temporary file left behind


def test_binary_folder_binary_gives_the_same_bytes(tmp_path, matrix):
    """w2v's binary -> folder -> binary: the very file it started from."""
    original = tmp_path / "a.bin"
    WordVectors(WORDS, matrix).save(original, binary=True)
    assert run("convert", original, tmp_path / "dir").exit_code == 0
    assert run("convert", tmp_path / "dir", tmp_path / "b.bin").exit_code == 0
    assert (tmp_path / "b.bin").read_bytes() == original.read_bytes()


def test_model_npz_matrix_is_converted(tmp_path, matrix):
    center, outside = matrix, matrix[::-1].copy()
    with open(tmp_path / "model.npz", "wb") as handle:
        np.savez(handle, center_vectors=center, outside_vectors=outside, words=np.array(WORDS),
                 counts=np.arange(len(WORDS), 0, -1))
    assert run("convert", tmp_path / "model.npz", tmp_path / "sum.bin", "--matrix", "sum").exit_code == 0
    words, vectors = read_binary_vectors(tmp_path / "sum.bin")
    assert words == WORDS and same_bits(vectors, center + outside)


@pytest.mark.parametrize("limit", [None, 5])
def test_projector_files_equal_gensims_word2vec2tensor(tmp_path, source, matrix, limit):
    prefix = tmp_path / "mine"
    result = run("convert", source, prefix, "--to", "projector", *(["--limit", limit] if limit else []))
    assert result.exit_code == 0, result.stderr
    count = limit or len(WORDS)
    theirs_source = source
    if limit:  # word2vec2tensor has no limit: give it the first words only
        theirs_source = tmp_path / "first.bin"
        kv = gensim_models.KeyedVectors(7)
        kv.add_vectors(WORDS[:count], matrix[:count])
        kv.save_word2vec_format(str(theirs_source), binary=True)
    word2vec2tensor(str(theirs_source), str(tmp_path / "theirs"), binary=True)
    mine, theirs = projector_paths(prefix), projector_paths(tmp_path / "theirs")
    assert mine == (tmp_path / "mine_tensor.tsv", tmp_path / "mine_metadata.tsv")
    assert mine[1].read_bytes() == theirs[1].read_bytes() == "".join(w + "\n" for w in WORDS[:count]).encode()
    mine_rows = mine[0].read_text("utf-8").splitlines()
    theirs_rows = theirs[0].read_text("utf-8").splitlines()
    assert len(mine_rows) == len(theirs_rows) == count
    mine_values = np.array([row.split("\t") for row in mine_rows], dtype=np.float32)  # (count, 7)
    theirs_values = np.array([row.split("\t") for row in theirs_rows], dtype=np.float32)
    assert same_bits(mine_values, theirs_values) and same_bits(mine_values, matrix[:count])


def test_projector_tensor_text():
    """'%.9g' values, tab-separated, a newline after each row (the docstring's example)."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        tensor, metadata = save_projector(Path(folder) / "p", ["a", "b"], np.float32([[1, -0.5], [0.1, 2]]))
        assert tensor.read_bytes() == b"1\t-0.5\n0.100000001\t2\n"
        assert metadata.read_bytes() == b"a\nb\n"


def test_projector_refuses_a_word_with_a_tab_and_writes_nothing(tmp_path):
    with pytest.raises(W2VError, match="tab or newline"):
        save_projector(tmp_path / "p", ["a", "b\tc"], np.zeros((2, 3), dtype=np.float32))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name, fmt", [("v.bin", "binary"), ("v.BIN", "binary"), ("v.txt", "text"),
                                       ("v.vec", "text"), ("vectors", "folder")])
def test_format_from_the_name(tmp_path, name, fmt):
    assert infer_format(tmp_path / name) == fmt


def test_an_existing_folder_is_a_folder(tmp_path):
    (tmp_path / "glove.6B").mkdir()
    assert infer_format(tmp_path / "glove.6B") == "folder"


def test_a_name_that_says_nothing_needs_to(tmp_path, source):
    with pytest.raises(ConfigError, match="give --to"):
        infer_format(tmp_path / "vectors.txt.gz")
    result = run("convert", source, tmp_path / "vectors.tsv")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: cannot tell the format of") and len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "vectors.tsv").exists()


def test_a_missing_input_is_one_error_line(tmp_path):
    result = run("convert", tmp_path / "nothing.bin", tmp_path / "out.txt")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error:") and "nothing.bin" in result.stderr
    assert not (tmp_path / "out.txt").exists()
