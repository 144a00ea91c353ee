"""Vectors in the wild: every format and compression read as gensim's KeyedVectors.load_word2vec_format reads the
same file (words, vectors bit for bit, neighbours), limit and unicode_errors as gensim's, the folder format,
streaming across block boundaries, malformed files, and collapsed spaces (collapse_score, --center)."""
from __future__ import annotations

import bz2
import gzip
import lzma
import struct

import numpy as np
import pytest
from reference import make_runner, same_bits

import w2vcli.vector_formats as vector_formats
import w2vcli.vectors as vectors_module
from w2vcli.cli import main
from w2vcli.errors import W2VError
from w2vcli.vectors import WordVectors, load_vectors, save_vectors

KeyedVectors = pytest.importorskip("gensim.models").KeyedVectors

WORDS = ["the", "café", "naïve", "日本", "Straße", "emoji🙂"] + [f"w{i}" for i in range(54)]
DIM = 7
COMPRESSORS = {"none": (open, ""), "gzip": (gzip.open, ".gz"), "bz2": (bz2.open, ".bz2"), "xz": (lzma.open, ".xz")}
QUERIES = [(["the"], []), (["日本", "w7"], []), (["w1", "w2"], ["w3"]), ([], ["café"])]


@pytest.fixture(scope="module")
def matrix() -> np.ndarray:
    return np.random.default_rng(12).standard_normal((len(WORDS), DIM)).astype(np.float32)  # (V, d)


def gensim_kv(words, matrix) -> KeyedVectors:
    kv = KeyedVectors(matrix.shape[1])
    kv.add_vectors(list(words), matrix)
    return kv


def c_binary(words, matrix) -> bytes:
    """word2vec.c's layout: `V d\\n`, then per word `word ` + d little-endian float32 + `\\n` (numpy-made)."""
    records = [w.encode() + b" " + np.asarray(row, dtype="<f4").tobytes() + b"\n" for w, row in zip(words, matrix)]
    return f"{len(words)} {matrix.shape[1]}\n".encode() + b"".join(records)


def format_bytes(fmt: str, words, matrix, tmp_path) -> bytes:
    """A file of format fmt as the tool that makes it writes it: gensim for word2vec text/binary and GloVe
    (text without header), numpy for the C tool's binary and fastText's .vec (a space after the last value)."""
    if fmt == "c-binary":
        return c_binary(words, matrix)
    if fmt == "fasttext-vec":
        lines = [w + " " + " ".join(str(v) for v in row) + " \n" for w, row in zip(words, matrix)]
        return (f"{len(words)} {matrix.shape[1]}\n" + "".join(lines)).encode()
    path = tmp_path / f"gensim-{fmt}"
    gensim_kv(words, matrix).save_word2vec_format(str(path), binary=fmt == "gensim-binary", write_header=fmt != "glove")
    return path.read_bytes()


FORMATS = ["gensim-text", "gensim-binary", "c-binary", "fasttext-vec", "glove"]


def write_file(tmp_path, fmt, compression, data: bytes, name=None):
    """The file, compressed; named with the compression's suffix (gensim picks its decompressor by the name)."""
    opener, suffix = COMPRESSORS[compression]
    path = tmp_path / (name or f"{fmt}.vec{suffix}")
    with opener(path, "wb") as handle:
        handle.write(data)
    return path


def gensim_load(path, fmt, **options) -> KeyedVectors:
    return KeyedVectors.load_word2vec_format(str(path), binary=fmt.endswith("binary"), no_header=fmt == "glove",
                                             **options)


def assert_same_as_gensim(mine: WordVectors, theirs: KeyedVectors):
    assert mine.words == list(theirs.index_to_key)
    assert same_bits(mine.vectors, theirs.vectors)
    for positive, negative in QUERIES:
        if all(w in mine for w in positive + negative):
            got = mine.most_similar(positive, negative, topn=8)
            want = theirs.most_similar(positive=positive, negative=negative, topn=8)
            assert [w for w, _ in got] == [w for w, _ in want]
            assert np.allclose([c for _, c in got], [c for _, c in want], atol=1e-6, rtol=0)


@pytest.mark.parametrize("compression", list(COMPRESSORS))
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_and_compression_reads_as_gensim_reads_it(tmp_path, matrix, fmt, compression):
    path = write_file(tmp_path, fmt, compression, format_bytes(fmt, WORDS, matrix, tmp_path))
    mine = load_vectors(path)
    assert_same_as_gensim(mine, gensim_load(path, fmt))
    assert same_bits(mine.vectors, matrix)  # every format holds the float32 values exactly
    assert mine.counts is None


@pytest.mark.parametrize("compression", ["gzip", "bz2", "xz"])
def test_compression_is_recognised_from_the_bytes_not_the_name(tmp_path, matrix, compression):
    path = write_file(tmp_path, "c-binary", compression, c_binary(WORDS, matrix), name="vectors.txt")
    assert path.read_bytes()[:2] != b"60"  # really compressed
    loaded = load_vectors(path)
    assert loaded.words == WORDS and same_bits(loaded.vectors, matrix)


@pytest.mark.parametrize("limit", [1, 5, len(WORDS), len(WORDS) + 10])
@pytest.mark.parametrize("compression", ["none", "gzip"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_limit_reads_the_first_words_as_gensim(tmp_path, matrix, fmt, compression, limit):
    path = write_file(tmp_path, fmt, compression, format_bytes(fmt, WORDS, matrix, tmp_path))
    mine = load_vectors(path, limit=limit)
    theirs = gensim_load(path, fmt, limit=limit)
    assert mine.words == list(theirs.index_to_key) == WORDS[:limit]
    assert same_bits(mine.vectors, theirs.vectors)


def test_limit_does_not_read_past_the_words_it_keeps(tmp_path, matrix):
    """Lines after the limit are not parsed: bad bytes, a bad row, even a lying header's missing rows."""
    good = format_bytes("gensim-text", WORDS[:3], matrix[:3], tmp_path).replace(b"3 7\n", b"9 7\n")
    path = write_file(tmp_path, "text", "none", good + b"bad\xff 1 2\nnot numbers at all\n")
    loaded = load_vectors(path, limit=3)
    assert loaded.words == WORDS[:3] and same_bits(loaded.vectors, matrix[:3])
    with pytest.raises(W2VError, match=":5: bytes that are not UTF-8"):
        load_vectors(path, limit=4)


def broken_words():
    """Words as the C tool cuts them (inside a multi-byte character) and a stray byte: not UTF-8."""
    return [b"ok", "café".encode()[:-1], b"na\xffve", "日本".encode()[:4], b"end"]


@pytest.mark.parametrize("binary", [False, True])
@pytest.mark.parametrize("errors", ["replace", "ignore"])
def test_unicode_errors_decode_words_as_gensim(tmp_path, matrix, binary, errors):
    words = broken_words()
    if binary:
        data = f"{len(words)} {DIM}\n".encode() + b"".join(w + b" " + r.astype("<f4").tobytes() + b"\n"
                                                          for w, r in zip(words, matrix))
    else:
        data = f"{len(words)} {DIM}\n".encode() + b"".join(w + b" " + " ".join(str(v) for v in r).encode() + b"\n"
                                                          for w, r in zip(words, matrix))
    path = write_file(tmp_path, "broken", "none", data)
    mine = load_vectors(path, unicode_errors=errors)
    theirs = KeyedVectors.load_word2vec_format(str(path), binary=binary, unicode_errors=errors)
    assert mine.words == list(theirs.index_to_key)
    assert mine.words[1] == {"replace": "caf\ufffd", "ignore": "caf"}[errors]
    assert same_bits(mine.vectors, theirs.vectors)


@pytest.mark.parametrize("binary, place", [(False, ":3:"), (True, "record 2")])
def test_strict_unicode_error_names_the_record_and_suggests_replace(tmp_path, matrix, binary, place):
    words = broken_words()
    if binary:
        data = c_binary(["x"] * len(words), matrix[:len(words)])
        for word in words:
            data = data.replace(b"x ", word + b" ", 1)
    else:
        data = f"{len(words)} {DIM}\n".encode() + b"".join(w + b" 1 2 3 4 5 6 7\n" for w in words)
    path = write_file(tmp_path, "strict", "none", data)
    with pytest.raises(W2VError) as info:
        load_vectors(path)
    message = str(info.value)
    assert str(path) in message and place in message and "--unicode-errors replace" in message


@pytest.mark.parametrize("fmt", FORMATS)
def test_records_across_block_boundaries(tmp_path, matrix, fmt, monkeypatch):
    """Blocks of 64 bytes: every record straddles one (a binary record of 28+ bytes is longer than half the
    buffer, words are split between reads), and the buffer grows for a record longer than itself."""
    monkeypatch.setattr(vector_formats, "BLOCK_BYTES", 64)
    long_words = WORDS[:-1] + ["x" * 150]
    for compression in ("none", "gzip"):
        path = write_file(tmp_path, fmt, compression, format_bytes(fmt, long_words, matrix, tmp_path))
        loaded = load_vectors(path)
        assert loaded.words == long_words and same_bits(loaded.vectors, matrix)


def test_matrix_grows_without_a_size_to_go_by(tmp_path, matrix, monkeypatch):
    """A compressed GloVe file: no count anywhere, so the matrix grows as rows arrive, then is cut to size."""
    monkeypatch.setattr(vector_formats, "BLOCK_BYTES", 100)
    path = write_file(tmp_path, "glove", "xz", format_bytes("glove", WORDS, matrix, tmp_path))
    loaded = load_vectors(path)
    assert loaded.vectors.shape == (len(WORDS), DIM) and loaded.vectors.flags.owndata
    assert same_bits(loaded.vectors, matrix)


def test_binary_reads_into_one_matrix_of_the_right_size(tmp_path, matrix):
    path = write_file(tmp_path, "c", "none", c_binary(WORDS, matrix))
    loaded = load_vectors(path)
    assert loaded.vectors.flags.owndata and loaded.vectors.base is None  # no copy of a bigger matrix
    assert loaded.vectors.shape == matrix.shape


# -- the folder format ---------------------------------------------------------------------------------------------


def test_folder_round_trip_memory_maps_the_matrix(tmp_path, matrix):
    source = WordVectors(WORDS, matrix, counts=np.arange(len(WORDS), 0, -1) * 10)
    save_vectors(tmp_path / "vecs", source, "folder")
    assert sorted(p.name for p in (tmp_path / "vecs").iterdir()) == ["vectors.npy", "vocab.txt"]
    vocab = (tmp_path / "vecs" / "vocab.txt").read_text(encoding="utf-8").splitlines()
    assert vocab[:2] == ["the 600", "café 590"] and len(vocab) == len(WORDS)
    assert same_bits(np.load(tmp_path / "vecs" / "vectors.npy"), matrix)
    loaded = load_vectors(tmp_path / "vecs")
    assert isinstance(loaded.vectors, np.memmap) and not loaded.vectors.flags.writeable
    assert loaded.words == WORDS and same_bits(np.asarray(loaded.vectors), matrix)
    assert loaded.counts.tolist() == source.counts.tolist()
    assert loaded.most_similar(["the"], topn=5) == source.most_similar(["the"], topn=5)
    assert load_vectors(tmp_path / "vecs" / "vectors.npy").words == WORDS  # the .npy names its folder
    limited = load_vectors(tmp_path / "vecs", limit=4)
    assert limited.words == WORDS[:4] and same_bits(np.asarray(limited.vectors), matrix[:4])
    assert limited.counts.tolist() == [600, 590, 580, 570]


def test_folder_of_vectors_without_counts_writes_zero(tmp_path, matrix):
    path = write_file(tmp_path, "c", "none", c_binary(WORDS, matrix))
    save_vectors(tmp_path / "vecs", load_vectors(path), "folder")
    assert (tmp_path / "vecs" / "vocab.txt").read_text(encoding="utf-8").splitlines()[:2] == ["the 0", "café 0"]
    assert load_vectors(tmp_path / "vecs").counts is None


def test_folder_is_replaced_whole_and_nothing_else_is(tmp_path, matrix):
    save_vectors(tmp_path / "vecs", WordVectors(WORDS, matrix), "folder")
    save_vectors(tmp_path / "vecs", WordVectors(WORDS[:2], matrix[:2]), "folder")
    assert load_vectors(tmp_path / "vecs").words == WORDS[:2]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vecs"]  # no temporary folder left
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(W2VError, match="other exists and is not a vector folder"):
        save_vectors(tmp_path / "other", WordVectors(WORDS, matrix), "folder")
    assert [p.name for p in (tmp_path / "other").iterdir()] == ["notes.txt"]
    with pytest.raises(W2VError, match="unknown vector format 'csv'"):
        save_vectors(tmp_path / "x", WordVectors(WORDS, matrix), "csv")


def test_model_npz_counts_and_limit(tmp_path, matrix):
    with open(tmp_path / "model.npz", "wb") as handle:
        np.savez(handle, center_vectors=matrix, outside_vectors=-matrix, words=np.array(WORDS),
                 counts=np.arange(len(WORDS), 0, -1))
    loaded = load_vectors(tmp_path / "model.npz", limit=3, matrix="outside")
    assert loaded.words == WORDS[:3] and same_bits(loaded.vectors, -matrix[:3])
    assert loaded.counts.tolist() == [len(WORDS), len(WORDS) - 1, len(WORDS) - 2]


# -- neighbours a block at a time -------------------------------------------------------------------------------


def test_neighbours_in_blocks_equal_one_block(matrix, monkeypatch):
    whole = WordVectors(WORDS, matrix)
    expected = [whole.most_similar(p, n, topn=20, restrict_vocab=r) for p, n in QUERIES for r in (None, 33)]
    monkeypatch.setattr(vectors_module, "BLOCK_VALUES", 3 * DIM)  # 3 rows a block
    blocked = WordVectors(WORDS, matrix)
    got = [blocked.most_similar(p, n, topn=20, restrict_vocab=r) for p, n in QUERIES for r in (None, 33)]
    for mine, want in zip(got, expected):  # BLAS may round a row's dot product differently in another block size
        assert [w for w, _ in mine] == [w for w, _ in want]
        assert np.allclose([c for _, c in mine], [c for _, c in want], atol=1e-6, rtol=0)


def test_top_in_order_is_a_stable_argsort():
    rng = np.random.default_rng(3)
    for _ in range(200):
        values = rng.integers(0, 5, size=rng.integers(1, 40)).astype(np.float32)  # many ties
        k = int(rng.integers(1, 45))
        want = np.argsort(-values, kind="stable")[:k]
        assert vectors_module._top_in_order(values, k).tolist() == want.tolist()
    with_nan = np.float32([0.5, np.nan, 0.9, 0.1])
    assert vectors_module._top_in_order(with_nan, 2).tolist() == [2, 0]


def test_duplicate_words_the_first_row_wins(tmp_path, matrix):
    words = ["a", "b", "a", "c"]
    loaded = load_vectors(write_file(tmp_path, "c", "none", c_binary(words, matrix[:4])))
    assert loaded.row("a") == 0 and np.array_equal(loaded.vector("a"), matrix[0])


# -- collapsed spaces -------------------------------------------------------------------------------------------


def collapsed(matrix) -> np.ndarray:
    """Rows that share one long direction: a constant vector plus small noise (as the assignment's SST vectors)."""
    return (matrix * 0.05 + np.linspace(1, 2, DIM, dtype=np.float32)).astype(np.float32)


def test_collapse_score_worked_example():
    assert WordVectors(["x", "y"], np.float32([[1, 0], [0, 1]])).collapse_score() == pytest.approx(0.5 ** 0.5)
    assert WordVectors(["x", "y"], np.float32([[1, 0], [-1, 0]])).collapse_score() == 0.0  # mean vector 0


def test_collapsed_space_is_flagged_and_centering_fixes_it(matrix):
    spread = WordVectors(WORDS, matrix)
    squashed = WordVectors(WORDS, collapsed(matrix))
    assert spread.collapse_score() < 0.2 and spread.collapse_warning() is None
    assert squashed.collapse_score() > 0.99
    assert "share one direction" in squashed.collapse_warning() and "--center" in squashed.collapse_warning()
    centered = squashed.centered()
    assert abs(centered.collapse_score()) < 0.05
    mean = collapsed(matrix).astype(np.float64).mean(axis=0)
    assert np.allclose(centered.vectors, collapsed(matrix) - mean, atol=1e-6)
    theirs = gensim_kv(WORDS, centered.vectors)
    assert_same_as_gensim(centered, theirs)
    assert squashed.most_similar(["the"], topn=3)[0][1] > 0.99  # before: every neighbour at cosine ~1


def test_collapse_score_samples_big_files(matrix):
    big = WordVectors([f"w{i}" for i in range(1000)], np.tile(collapsed(matrix), (17, 1))[:1000])
    assert big.collapse_score(sample=50) == pytest.approx(big.collapse_score(), abs=0.01)


def test_load_with_center_in_place_and_for_a_folder(tmp_path, matrix):
    data = collapsed(matrix)
    path = write_file(tmp_path, "c", "none", c_binary(WORDS, data))
    expected = WordVectors(WORDS, data).centered().vectors
    in_place = load_vectors(path, center=True)
    assert same_bits(in_place.vectors, expected)
    save_vectors(tmp_path / "vecs", WordVectors(WORDS, data), "folder")
    from_folder = load_vectors(tmp_path / "vecs", center=True)
    assert same_bits(from_folder.vectors, expected)
    assert same_bits(np.load(tmp_path / "vecs" / "vectors.npy"), data)  # the file is not touched


# -- the command line ---------------------------------------------------------------------------------------------


def run(*args):
    result = make_runner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.stdout + result.stderr
    return result


def test_cli_warns_about_a_collapsed_space_and_center_answers_it(tmp_path, matrix):
    path = write_file(tmp_path, "c", "gzip", c_binary(WORDS, collapsed(matrix)))
    plain = run("embed", path, "the", "--neighbors", "3", "--json")
    assert plain.exit_code == 0, plain.stderr
    warnings = [line for line in plain.stderr.splitlines() if line.startswith("Warning:")]
    assert len(warnings) == 1 and "--center" in warnings[0] and str(path) in warnings[0]
    centered = run("embed", path, "the", "--neighbors", "3", "--json", "--center")
    assert centered.exit_code == 0 and "Warning" not in centered.stderr
    want = gensim_kv(WORDS, WordVectors(WORDS, collapsed(matrix)).centered().vectors).most_similar("the", topn=3)
    import json

    got = json.loads(centered.stdout)["the"]
    assert [w for w, _ in got] == [w for w, _ in want]
    assert np.allclose([c for _, c in got], [c for _, c in want], atol=1e-6)


def test_cli_limit_and_unicode_errors(tmp_path, matrix):
    words = broken_words()
    data = f"{len(words)} {DIM}\n".encode() + b"".join(w + b" " + r.astype("<f4").tobytes() for w, r in
                                                      zip(words, matrix))
    path = write_file(tmp_path, "broken", "bz2", data)
    strict = run("embed", path, "ok")
    assert strict.exit_code == 1 and "record 2" in strict.stderr and "--unicode-errors replace" in strict.stderr
    replaced = run("embed", path, "caf\ufffd", "--unicode-errors", "replace", "--json")
    assert replaced.exit_code == 0, replaced.stderr
    import json

    assert np.array_equal(np.float32(json.loads(replaced.stdout)["caf\ufffd"]), matrix[1])
    assert run("embed", path, "ok", "--limit", "1").exit_code == 0  # the broken word is past the limit
    beyond = run("embed", path, "end", "--limit", "4", "--unicode-errors", "ignore")
    assert beyond.exit_code == 1 and "'end' is not in the vocabulary" in beyond.stderr


@pytest.mark.parametrize("command", ["plot-pca", "evaluate"])
def test_cli_vector_options_on_plot_pca_and_evaluate(tmp_path, matrix, command):
    save_vectors(tmp_path / "vecs", WordVectors(WORDS, collapsed(matrix)), "folder")
    if command == "plot-pca":
        args = ["plot-pca", tmp_path / "vecs", "--words", "the,café,w1,w2", "--out", tmp_path / "p.png"]
    else:
        (tmp_path / "pairs.tsv").write_text("the\tcafé\t3\nw1\tw2\t2\nw0\tw3\t1\n", encoding="utf-8")
        args = ["evaluate", tmp_path / "vecs", "--pairs", tmp_path / "pairs.tsv", "--json"]
    assert "Warning:" in run(*args).stderr
    result = run(*args, "--center", "--limit", "10", "--unicode-errors", "ignore")
    assert result.exit_code == 0, result.stderr
    assert "Warning" not in result.stderr
    if command == "evaluate":
        import json

        centered = WordVectors(WORDS, collapsed(matrix)).subset(WORDS[:10])
        pairs = [("the", "café"), ("w1", "w2"), ("w0", "w3")]
        from scipy import stats

        cosines = [centered.centered().similarity(a, b) for a, b in pairs]
        assert json.loads(result.stdout)["pairs"]["spearman"] == pytest.approx(stats.spearmanr([3, 2, 1], cosines)[0])


def test_cli_rejects_impossible_options(tmp_path, matrix):
    path = write_file(tmp_path, "c", "none", c_binary(WORDS, matrix))
    for args in (["--limit", "0"], ["--unicode-errors", "loose"]):
        result = run("embed", path, "the", *args)
        assert result.exit_code == 2 and args[0] in result.stderr


def test_struct_layout_of_the_c_binary_helper(matrix):
    """The test's own writer is the C tool's layout (checked with struct, independent of numpy)."""
    data = c_binary(["ab"], matrix[:1])
    assert data == b"1 7\nab " + struct.pack("<7f", *matrix[0].tolist()) + b"\n"


@pytest.mark.parametrize("fmt", ["gensim-text", "glove"])
def test_blank_lines_at_the_end_are_ignored_and_among_rows_named(tmp_path, matrix, fmt, monkeypatch):
    monkeypatch.setattr(vector_formats, "BLOCK_BYTES", 50)  # blank lines at block edges too
    data = format_bytes(fmt, WORDS, matrix, tmp_path)
    loaded = load_vectors(write_file(tmp_path, fmt, "none", data + b"\n\n \n"))
    assert loaded.words == WORDS and same_bits(loaded.vectors, matrix)
    lines = data.split(b"\n")
    blank_at = 5 if fmt == "glove" else 6  # a blank line before what was line 5 (GloVe) / 6 (header + 4 rows)
    broken = b"\n".join(lines[:blank_at - 1] + [b"", b""] + lines[blank_at - 1:])
    with pytest.raises(W2VError, match=rf"{fmt}\.vec:{blank_at}: a blank line among the vectors"):
        load_vectors(write_file(tmp_path, fmt, "none", broken))
    limited = load_vectors(write_file(tmp_path, fmt, "none", broken), limit=4)  # the blank line is past the limit
    assert limited.words == WORDS[:4]


@pytest.mark.parametrize("line, shown", [("word", "'word'"), ("a b 3", "'a b 3'"), (" 5", "' 5'"), ("word ", "'word '"),
                                         ("word 1.5", "'word 1.5'"), ("word " + "9" * 30, "'word 999"),
                                         ("two  3", "'two  3'")])
def test_folder_vocab_line_errors_name_the_line(tmp_path, matrix, line, shown):
    save_vectors(tmp_path / "vecs", WordVectors(WORDS[:5], matrix[:5]), "folder")
    vocab = tmp_path / "vecs" / "vocab.txt"
    lines = vocab.read_text(encoding="utf-8").splitlines()
    lines[3] = line
    vocab.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(W2VError, match=r"vocab\.txt:4: expected `word count`, found " + shown.replace("(", r"\(")):
        load_vectors(tmp_path / "vecs")
    assert load_vectors(tmp_path / "vecs", limit=3).words == WORDS[:3]  # lines past the limit are not checked


def test_folder_vocab_unicode_errors(tmp_path, matrix):
    save_vectors(tmp_path / "vecs", WordVectors(["a", "b", "c"], matrix[:3]), "folder")
    (tmp_path / "vecs" / "vocab.txt").write_bytes(b"a 3\ncaf\xc3 2\nc 1\n")  # no newline at the end is fine too
    with pytest.raises(W2VError, match=r"vocab\.txt:2: bytes that are not UTF-8 \(--unicode-errors replace"):
        load_vectors(tmp_path / "vecs")
    loaded = load_vectors(tmp_path / "vecs", unicode_errors="replace")
    assert loaded.words == ["a", "caf\ufffd", "c"] and loaded.counts.tolist() == [3, 2, 1]
    (tmp_path / "vecs" / "vocab.txt").write_bytes(b"a 3\nb 2\nc 1")
    assert load_vectors(tmp_path / "vecs").words == ["a", "b", "c"]


def test_a_lone_npy_matrix_needs_its_folder(tmp_path, matrix):
    np.save(tmp_path / "embeddings.npy", matrix)
    with pytest.raises(W2VError, match=r"embeddings\.npy is a NumPy matrix without its words"):
        load_vectors(tmp_path / "embeddings.npy")
