"""WordVectors files: text, binary and model.npz both ways (w2vcli <-> gensim), format sniffing from the bytes,
malformed files (library and CLI), and neighbours / analogies / similarity against hand-made answers and gensim."""
from __future__ import annotations

import inspect
import json
import struct

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from w2vcli.cli import main
from w2vcli.errors import W2VError
from w2vcli.vectors import WordVectors

gensim_models = pytest.importorskip("gensim.models")
KeyedVectors = gensim_models.KeyedVectors

UNICODE_WORDS = ["café", "naïve", "日本", "the", "Ünïcödé", "emoji🙂", "a"]


def make_runner() -> CliRunner:
    """stdout and stderr apart (Click 8.1 needs mix_stderr=False; 8.2+ always keeps result.stderr)."""
    if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters:
        return CliRunner(mix_stderr=False)
    return CliRunner()


def random_vectors(words, dim=6, seed=0, spread=True) -> WordVectors:
    """Seeded float32 vectors; with spread, magnitudes from 1e-6 to 1e6 so decimal printing is exercised."""
    rng = np.random.default_rng(seed)
    values = rng.standard_normal((len(words), dim))
    if spread:
        values *= 10.0 ** rng.uniform(-6, 6, size=(len(words), dim))
    return WordVectors(list(words), values.astype(np.float32))


def gensim_kv(words, vectors) -> KeyedVectors:
    kv = KeyedVectors(vectors.shape[1])
    kv.add_vectors(list(words), np.asarray(vectors, dtype=np.float32))
    return kv


def assert_same(loaded: WordVectors, words, vectors):
    assert loaded.words == list(words)
    assert loaded.vectors.dtype == np.float32
    assert loaded.vectors.shape == np.asarray(vectors).shape
    assert np.array_equal(loaded.vectors, np.asarray(vectors, dtype=np.float32))


def gensim_load(path, binary):
    return KeyedVectors.load_word2vec_format(str(path), binary=binary)


def write_npz(path, words, center, outside):
    """A model.npz as w2vcli's trainer writes it; through a handle so that numpy keeps the given name."""
    with open(path, "wb") as handle:
        np.savez(handle, center_vectors=center, outside_vectors=outside, words=np.array(words),
                 counts=np.arange(len(words), 0, -1))


# -- round trips ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("binary, name", [(False, "v.txt"), (True, "v.bin")])
def test_w2vcli_round_trip_is_bit_for_bit(tmp_path, binary, name):
    wv = random_vectors(UNICODE_WORDS + [f"w{i}" for i in range(40)], dim=7)
    path = tmp_path / name
    wv.save(path, binary=binary)
    assert_same(WordVectors.load(path), wv.words, wv.vectors)


@pytest.mark.parametrize("binary, name", [(False, "v.txt"), (True, "v.bin")])
def test_save_binary_follows_the_name_when_not_given(tmp_path, binary, name):
    wv = random_vectors(["cat", "dog"], dim=3)
    wv.save(tmp_path / name)
    data = (tmp_path / name).read_bytes()
    if binary:
        assert data == b"2 3\n" + b"".join(w.encode() + b" " + wv.vector(w).astype("<f4").tobytes() + b"\n"
                                           for w in wv.words)
    else:
        assert data.decode("utf-8").splitlines()[0] == "2 3"
        assert data.decode("utf-8").splitlines()[1].split(" ")[0] == "cat"
        assert len(data.decode("utf-8").splitlines()[1].split(" ")) == 4


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=arrays(np.float32, (3, 4), elements=st.floats(width=32, allow_nan=False, allow_infinity=False)))
def test_text_round_trip_of_any_finite_float32(tmp_path, values):
    path = tmp_path / "h.txt"
    WordVectors(["x", "y", "z"], values).save(path, binary=False)
    loaded = WordVectors.load(path)
    assert np.array_equal(loaded.vectors, values)
    # signs of zero survive too
    assert np.array_equal(np.signbit(loaded.vectors), np.signbit(values))


@pytest.mark.parametrize("binary, name", [(False, "v.txt"), (True, "v.bin")])
def test_gensim_reads_what_w2vcli_writes(tmp_path, binary, name):
    wv = random_vectors(UNICODE_WORDS + [f"w{i}" for i in range(30)], dim=5, seed=1)
    path = tmp_path / name
    wv.save(path, binary=binary)
    kv = gensim_load(path, binary)
    assert list(kv.index_to_key) == wv.words
    assert kv.vectors.dtype == np.float32
    assert np.array_equal(kv.vectors, wv.vectors)


@pytest.mark.parametrize("binary, name", [(False, "g.txt"), (True, "g.bin")])
def test_w2vcli_reads_what_gensim_writes(tmp_path, binary, name):
    words = UNICODE_WORDS + [f"w{i}" for i in range(30)]
    values = random_vectors(words, dim=5, seed=2).vectors
    path = tmp_path / name
    gensim_kv(words, values).save_word2vec_format(str(path), binary=binary)
    if binary:
        # gensim writes no newline after a vector: the record after the first word starts right after its floats
        first = words[0].encode() + b" " + values[0].astype("<f4").tobytes()
        assert path.read_bytes().startswith(b"%d 5\n" % len(words) + first + words[1].encode() + b" ")
    assert_same(WordVectors.load(path), words, values)


def c_tool_binary(words, vectors) -> bytes:
    """word2vec.c's layout: header, then per word `word ` + d float32 + `\\n`."""
    out = [f"{len(words)} {vectors.shape[1]}\n".encode()]
    for word, row in zip(words, vectors):
        out.append(word.encode("utf-8") + b" " + struct.pack(f"<{len(row)}f", *row) + b"\n")
    return b"".join(out)


def gensim_binary(words, vectors) -> bytes:
    """gensim's layout: as the C tool's but no newline after a vector."""
    out = [f"{len(words)} {vectors.shape[1]}\n".encode()]
    for word, row in zip(words, vectors):
        out.append(word.encode("utf-8") + b" " + np.asarray(row, dtype="<f4").tobytes())
    return b"".join(out)


@pytest.mark.parametrize("layout", [c_tool_binary, gensim_binary])
def test_hand_written_binary_layouts_load(tmp_path, layout):
    words = ["cat", "日本", "naïve", "dog"]
    # include values whose float32 bytes are `\n` and ` ` (0x0a, 0x20) so that a reader that scans for them breaks
    values = np.array([[1.0, -2.5, 3e-3], [struct.unpack("<f", b"\n\n\n\n")[0], 0.0, -0.0],
                       [struct.unpack("<f", b"    ")[0], 7.0, 8.0], [1e30, -1e-30, 0.5]], dtype=np.float32)
    path = tmp_path / "hand.bin"
    path.write_bytes(layout(words, values))
    assert_same(WordVectors.load(path), words, values)
    kv = gensim_load(path, True)  # and gensim agrees
    assert list(kv.index_to_key) == words and np.array_equal(kv.vectors, values)


def test_format_is_recognised_from_bytes_not_name(tmp_path):
    words = ["café", "naïve", "日本", "dog"]
    wv = random_vectors(words, dim=4, seed=3)
    wv.save(tmp_path / "x.txt", binary=True)
    wv.save(tmp_path / "y.bin", binary=False)
    assert (tmp_path / "x.txt").read_bytes()[4:].count(b"\n") == 4  # really binary (C layout): 4 records
    assert (tmp_path / "y.bin").read_text(encoding="utf-8").splitlines()[1].startswith("café ")
    assert_same(WordVectors.load(tmp_path / "x.txt"), words, wv.vectors)
    assert_same(WordVectors.load(tmp_path / "y.bin"), words, wv.vectors)
    center = wv.vectors
    outside = random_vectors(words, dim=4, seed=4).vectors
    write_npz(tmp_path / "z.dat", words, center, outside)
    assert_same(WordVectors.load(tmp_path / "z.dat"), words, center)


def test_model_npz_matrices(tmp_path):
    words = ["the", "café", "日本", "of", "and"]
    rng = np.random.default_rng(5)
    center = rng.standard_normal((5, 3)).astype(np.float32)
    outside = rng.standard_normal((5, 3)).astype(np.float32)
    path = tmp_path / "model.npz"
    write_npz(path, words, center, outside)
    assert_same(WordVectors.load(path), words, center)  # center is the default
    assert_same(WordVectors.load(path, matrix="center"), words, center)
    assert_same(WordVectors.load(path, matrix="outside"), words, outside)
    summed = WordVectors.load(path, matrix="sum")
    assert_same(summed, words, center + outside)
    assert not np.array_equal(summed.vectors, center)
    with pytest.raises(W2VError, match="unknown matrix 'both'"):
        WordVectors.load(path, matrix="both")


def test_a_checkpoint_reads_as_model_npz(tmp_path):
    """model.npz is the final checkpoint (w2vcli/outputs.py): its history and meta are not read, and float64
    matrices (the NumPy engine's) give what vectors.txt/.bin hold, their sum the sum of the float32 matrices."""
    words = ["the", "café", "日本"]
    rng = np.random.default_rng(6)
    center, outside = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))  # float64
    path = tmp_path / "step-000000075.npz"
    with open(path, "wb") as handle:
        np.savez(handle, center_vectors=center, outside_vectors=outside, history=np.zeros((2, 5)),
                 meta=np.array('{"step": 75}'), words=np.array(words), counts=np.array([3, 2, 1]))
    assert_same(WordVectors.load(path), words, center.astype(np.float32))
    assert_same(WordVectors.load(path, matrix="outside"), words, outside.astype(np.float32))
    assert_same(WordVectors.load(path, matrix="sum"), words, center.astype(np.float32) + outside.astype(np.float32))


def test_a_checkpoint_without_words_is_named_as_such(tmp_path):
    path = tmp_path / "step-000000075.npz"
    with open(path, "wb") as handle:
        np.savez(handle, center_vectors=np.zeros((2, 2)), outside_vectors=np.zeros((2, 2)), meta=np.array("{}"))
    with pytest.raises(W2VError, match=r"step-000000075.npz: a checkpoint without its words \(no 'words'\)"):
        WordVectors.load(path)
    np.savez(tmp_path / "other.npz", center_vectors=np.zeros((2, 2)))
    with pytest.raises(W2VError, match=r"other.npz: not a w2vcli model.npz \(no 'words'\)"):
        WordVectors.load(tmp_path / "other.npz")


def test_model_npz_through_cli_matrix(tmp_path):
    words = ["cat", "dog"]
    center = np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32)
    outside = np.array([[0.5, 0.25], [-1.0, 10.0]], dtype=np.float32)
    write_npz(tmp_path / "m.npz", words, center, outside)
    runner = make_runner()
    for matrix, expected in [("center", center), ("outside", outside), ("sum", center + outside)]:
        result = runner.invoke(main, ["embed", str(tmp_path / "m.npz"), "cat", "dog", "--json", "--matrix", matrix])
        assert result.exit_code == 0, result.stderr
        got = json.loads(result.stdout)
        assert np.array_equal(np.array([got["cat"], got["dog"]], dtype=np.float32), expected)


@pytest.mark.parametrize("binary", [False, True])
def test_unicode_words_round_trip(tmp_path, binary):
    words = ["café", "naïve", "日本", "Straße", "ελληνικά", "😀"]
    wv = random_vectors(words, dim=3, seed=6, spread=False)
    path = tmp_path / ("u.bin" if binary else "u.txt")
    wv.save(path, binary=binary)
    loaded = WordVectors.load(path)
    assert_same(loaded, words, wv.vectors)
    assert "日本" in loaded and np.array_equal(loaded.vector("naïve"), wv.vector("naïve"))
    assert "日本".encode() in path.read_bytes()  # stored as UTF-8


# -- malformed files --------------------------------------------------------------------------------------------

TEXT_OK = "3 4\ncat 0.1 0.2 0.3 0.4\ndog 1 2 3 4\nemu 5 6 7 8\n"


def binary_of(n_words=3, dim=4, seed=0) -> bytes:
    rng = np.random.default_rng(seed)
    return c_tool_binary([f"w{i}" for i in range(n_words)], rng.standard_normal((n_words, dim)).astype(np.float32))


MALFORMED = {
    # name: (bytes, pieces the message must contain besides the file name)
    "empty": (b"", ["empty"]),
    "header_words": (b"three four\ncat 1 2 3 4\n", ["line 1", "header"]),
    "header_one_number": (b"3\ncat 1 2 3 4\n", ["line 1", "header"]),
    "header_three_numbers": (b"1 4 5\ncat 1 2 3 4\n", ["line 1", "header"]),
    "header_negative": (b"-1 4\n", ["line 1", "header"]),
    "header_zero_dim": (b"1 0\ncat\n", ["line 1", "header"]),
    "no_newline": (b"3 4", ["header"]),
    "text_fewer_rows": (b"3 4\ncat 0.1 0.2 0.3 0.4\ndog 1 2 3 4\n", ["3 words", "has 2", "fewer"]),
    "text_more_rows": (TEXT_OK.encode() + b"fox 1 2 3 4\n", ["3 words", "has 4", "more"]),
    "text_row_too_short": (b"3 4\ncat 0.1 0.2 0.3 0.4\ndog 1 2 3\nemu 5 6 7 8\n", [":3:", "4 values", "found 3"]),
    "text_row_too_long": (b"3 4\ncat 0.1 0.2 0.3 0.4\ndog 1 2 3 4\nemu 5 6 7 8 9\n", [":4:", "found 5"]),
    "text_not_a_number": (b"3 4\ncat 0.1 0.2 0.3 0.4\ndog 1 2 x 4\nemu 5 6 7 8\n", [":3:", "not a number", "dog"]),
    "binary_fewer_records": (binary_of(3).replace(b"3 4\n", b"4 4\n", 1), ["record 4 of 4", "truncated"]),
    "binary_header_only": (b"3 4\n", ["record 1 of 3", "truncated"]),
    "binary_more_records": (binary_of(4).replace(b"4 4\n", b"3 4\n", 1), ["after the 3 records"]),
    "binary_truncated_record": (binary_of(3)[:-3], ["record 3 of 3", "truncated"]),
    "binary_garbage": (b"3 4\n" + np.random.default_rng(0).bytes(200), ["record"]),
    "binary_garbage_ascii_free": (b"2 4\n" + bytes(range(0x80, 0xC0)), ["record 1"]),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_file_is_a_w2verror_naming_file_and_place(tmp_path, case):
    data, pieces = MALFORMED[case]
    path = tmp_path / f"bad_{case}.vec"
    path.write_bytes(data)
    with pytest.raises(W2VError) as info:
        WordVectors.load(path)
    message = str(info.value)
    assert f"bad_{case}.vec" in message
    for piece in pieces:
        assert piece in message, (piece, message)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(W2VError, match=r"nowhere\.txt does not exist"):
        WordVectors.load(tmp_path / "nowhere.txt")
    (tmp_path / "adir").mkdir()
    with pytest.raises(W2VError, match=r"adir is a folder"):
        WordVectors.load(tmp_path / "adir")


@pytest.mark.parametrize("case", ["first_row_too_short", "first_row_too_long", "first_row_not_a_number"])
def test_malformed_first_text_row_names_line_2(tmp_path, case):
    """A bad first row must not make the file look binary (the error would then name no line)."""
    body = {"first_row_too_short": b"cat 0.1 0.2 0.3\n", "first_row_too_long": b"cat 0.1 0.2 0.3 0.4 0.5\n",
            "first_row_not_a_number": b"cat 0.1 0.2 x 0.4\n"}[case]
    path = tmp_path / "first.txt"
    path.write_bytes(b"3 4\n" + body + b"dog 1 2 3 4\nemu 5 6 7 8\n")
    with pytest.raises(W2VError, match=r"first\.txt:2:"):
        WordVectors.load(path)


def test_malformed_text_never_loads_silently_as_binary(tmp_path):
    path = tmp_path / "silent.txt"
    path.write_bytes(b"1 2\ncat 1 2 3 4\n")  # 2 values too many, but exactly the 8 bytes of a binary record
    with pytest.raises(W2VError, match=r"silent\.txt:2: expected a word and 2 values, found 4"):
        WordVectors.load(path)


@pytest.mark.parametrize("binary", [False, True])
@pytest.mark.parametrize("bad", ["two words", "tab\there", "new\nline", ""])
def test_saving_a_word_with_white_space_names_it(tmp_path, binary, bad):
    path = tmp_path / ("o.bin" if binary else "o.txt")
    wv = WordVectors(["ok", bad], np.ones((2, 2), dtype=np.float32))
    with pytest.raises(W2VError) as info:
        wv.save(path, binary=binary)
    assert repr(bad) in str(info.value)
    assert not path.exists()  # nothing half-written
    assert list(tmp_path.iterdir()) == []


def cli_error_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("Error:")]


@pytest.mark.parametrize("case", sorted(MALFORMED) + ["missing"])
def test_cli_embed_bad_file_is_one_error_line(tmp_path, case):
    path = tmp_path / f"bad_{case}.vec"
    if case != "missing":
        path.write_bytes(MALFORMED[case][0])
    result = make_runner().invoke(main, ["embed", str(path), "word"])
    assert result.exit_code == 1, result.stderr
    assert isinstance(result.exception, SystemExit)  # no uncaught exception
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stdout == ""
    errors = cli_error_lines(result)
    assert len(errors) == 1 and f"bad_{case}.vec" in errors[0]
    assert result.stderr.strip() == errors[0]  # the one line is all there is


def test_cli_embed_folder_is_one_error_line(tmp_path):
    (tmp_path / "adir").mkdir()
    result = make_runner().invoke(main, ["embed", str(tmp_path / "adir"), "word"])
    assert result.exit_code == 1, result.stderr
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.stdout + result.stderr
    errors = cli_error_lines(result)
    assert len(errors) == 1 and "adir is a folder" in errors[0]
    assert result.stderr.strip() == errors[0]


# -- neighbours, analogies, similarity ---------------------------------------------------------------------------

# dims: royalty, male(+)/female(-), person, animal, drink, then 3 noise dimensions
HAND = {
    "king": [1, 1, 1, 0, 0, 0, 0, 0],
    "queen": [1, -1, 1, 0, 0, 0, 0, 0],
    "man": [0, 1, 1, 0, 0, 0, 0, 0],
    "woman": [0, -1, 1, 0, 0, 0, 0, 0],
    "cat": [0, 0, 0, 1, 0, 0.2, 0, 0],
    "kitten": [0, 0, 0, 1, 0, 0.1, 0.3, 0],
    "dog": [0, 0, 0, 1, 0, -0.5, 0, 0.5],
    "coffee": [0, 0, 0, 0, 1, 0, 0, 0.1],
    "tea": [0, 0, 0, 0, 1, 0, 0.2, 0],
}


@pytest.fixture
def hand() -> WordVectors:
    return WordVectors(list(HAND), np.array(list(HAND.values()), dtype=np.float32), source="hand.txt")


def test_analogy_on_hand_made_vectors(hand):
    answers = hand.analogy("man", "king", "woman", topn=3)
    assert answers[0][0] == "queen"
    target = np.array([1, 1, 1]) / 3 ** 0.5 - np.array([0, 1, 1]) / 2 ** 0.5 + np.array([0, -1, 1]) / 2 ** 0.5
    expected = target @ np.array([1, -1, 1]) / 3 ** 0.5 / np.linalg.norm(target)  # cos(queen, 3CosAdd target)
    assert answers[0][1] == pytest.approx(expected, abs=1e-6)
    assert expected == pytest.approx(0.98344, abs=1e-5)
    assert not {"man", "king", "woman"} & {w for w, _ in answers}
    assert hand.analogy("king", "queen", "man")[0][0] == "woman"
    assert hand.analogy("woman", "queen", "man")[0][0] == "king"
    assert len(hand.analogy("man", "king", "woman", topn=100)) == len(HAND) - 3


def test_most_similar_on_hand_made_vectors(hand):
    result = hand.most_similar(["king"], topn=3)
    assert [w for w, _ in result] == ["man", "queen", "woman"]
    assert [c for _, c in result] == pytest.approx([2 / 6 ** 0.5, 1 / 3, 0.0], abs=1e-6)
    cat = hand.most_similar(["cat"], topn=2)
    assert [w for w, _ in cat] == ["kitten", "dog"]
    assert hand.most_similar(["coffee"], topn=1)[0][0] == "tea"
    everything = hand.most_similar(["cat", "dog"], topn=100)
    assert len(everything) == len(HAND) - 2 and not {"cat", "dog"} & {w for w, _ in everything}
    cosines = [c for _, c in everything]
    assert cosines == sorted(cosines, reverse=True)


def test_similarity_on_hand_made_vectors(hand):
    assert hand.similarity("king", "queen") == pytest.approx(1 / 3, abs=1e-6)
    assert hand.similarity("man", "woman") == pytest.approx(0.0, abs=1e-6)
    assert hand.similarity("cat", "cat") == pytest.approx(1.0, abs=1e-6)
    assert hand.similarity("coffee", "king") == pytest.approx(0.0, abs=1e-6)


@pytest.fixture(scope="module")
def random_pair():
    rng = np.random.default_rng(42)
    words = [f"word{i}" for i in range(200)]
    vectors = rng.standard_normal((200, 20)).astype(np.float32)
    return WordVectors(words, vectors), gensim_kv(words, vectors)


QUERIES = [
    (["word0"], []),
    (["word17"], []),
    (["word3", "word150"], []),
    (["word1", "word2"], ["word3"]),
    (["word10"], ["word20", "word30"]),
    ([], ["word5"]),
]


@pytest.mark.parametrize("positive, negative", QUERIES)
@pytest.mark.parametrize("restrict", [None, 50])
def test_most_similar_agrees_with_gensim(random_pair, positive, negative, restrict):
    ours, theirs = random_pair
    mine = ours.most_similar(positive, negative, topn=15, restrict_vocab=restrict)
    ref = theirs.most_similar(positive=positive, negative=negative, topn=15, restrict_vocab=restrict)
    assert [w for w, _ in mine] == [w for w, _ in ref]
    assert np.allclose([c for _, c in mine], [c for _, c in ref], atol=1e-6, rtol=0)
    assert len(mine) == 15


def test_analogy_agrees_with_gensim(random_pair):
    ours, theirs = random_pair
    for a, b, c in [("word1", "word2", "word3"), ("word100", "word7", "word199"), ("word50", "word51", "word52")]:
        mine = ours.analogy(a, b, c, topn=5)
        ref = theirs.most_similar(positive=[b, c], negative=[a], topn=5)
        assert [w for w, _ in mine] == [w for w, _ in ref]
        assert np.allclose([x for _, x in mine], [x for _, x in ref], atol=1e-6, rtol=0)


def test_similarity_agrees_with_gensim(random_pair):
    ours, theirs = random_pair
    for a, b in [("word0", "word1"), ("word5", "word199"), ("word42", "word42"), ("word77", "word13")]:
        assert ours.similarity(a, b) == pytest.approx(float(theirs.similarity(a, b)), abs=1e-6)


def test_unknown_word_is_named_with_a_hint(hand):
    with pytest.raises(W2VError) as info:
        hand.vector("qeen")  # one letter missing
    assert "'qeen'" in str(info.value) and "hand.txt" in str(info.value)
    assert "did you mean 'queen'" in str(info.value)
    with pytest.raises(W2VError, match="did you mean 'kitten'"):
        hand.most_similar(["kitteb"])  # one letter wrong
    with pytest.raises(W2VError, match="'wman'"):
        hand.analogy("man", "king", "wman")
    with pytest.raises(W2VError, match="'zebra'") as info:
        hand.similarity("cat", "zebra")
    assert "did you mean" not in str(info.value)
    with pytest.raises(W2VError):
        hand.most_similar([])
