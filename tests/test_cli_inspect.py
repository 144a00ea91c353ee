"""The inspecting commands through Click: `w2v embed`, `w2v plot-pca` and `w2v evaluate`."""
from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from reference import make_runner

from w2vcli.cli import main
from w2vcli.evaluate import evaluate_word_analogies, evaluate_word_pairs
from w2vcli.plot import DEFAULT_WORDS
from w2vcli.vectors import WordVectors

matplotlib_image = pytest.importorskip("matplotlib.image")


def run(*args):
    result = make_runner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.stdout + result.stderr
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit), repr(result.exception)  # no uncaught exception
    return result


def error_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("Error:")]


ROYAL = {"king": [1, 1, 1], "queen": [1, -1, 1], "man": [0, 1, 1], "woman": [0, -1, 1]}
ANIMALS = ["cat", "dog", "kitten", "puppy"]


@pytest.fixture(scope="module")
def wv() -> WordVectors:
    """dims 0-2 royalty/gender/person for king, queen, man, woman (so man:king :: woman:queen exactly); the other
    words random in dims 3-9 only; cat/kitten and dog/puppy close pairs."""
    rng = np.random.default_rng(0)
    words = list(ROYAL) + ANIMALS + [w for w in DEFAULT_WORDS if w not in ROYAL] + ["café", "日本"]
    vectors = np.zeros((len(words), 10))
    for i, word in enumerate(words):
        if word in ROYAL:
            vectors[i, :3] = ROYAL[word]
        else:
            vectors[i, 3:] = rng.standard_normal(7)
    index = {w: i for i, w in enumerate(words)}
    vectors[index["kitten"], 3:] = vectors[index["cat"], 3:] + 0.1 * rng.standard_normal(7)
    vectors[index["puppy"], 3:] = vectors[index["dog"], 3:] + 0.1 * rng.standard_normal(7)
    return WordVectors(words, vectors.astype(np.float32))


@pytest.fixture(scope="module")
def vfile(wv, tmp_path_factory):
    path = tmp_path_factory.mktemp("vectors") / "V.txt"
    wv.save(path, binary=False)
    return path


# -- embed ------------------------------------------------------------------------------------------------------


def test_embed_prints_vectors(wv, vfile):
    result = run("embed", vfile, "cat", "日本", "queen")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split(" ")[0] for line in lines] == ["cat", "日本", "queen"]
    for line in lines:
        word, *values = line.split(" ")
        assert len(values) == wv.dim
        assert all(len(v.split(".")[1]) == 6 for v in values)  # six decimals
        assert np.allclose(np.array(values, dtype=float), wv.vector(word), atol=5.1e-7, rtol=0)


def test_embed_reads_binary_too(wv, vfile, tmp_path):
    wv.save(tmp_path / "V.bin", binary=True)
    text = run("embed", vfile, "dog", "--json")
    binary = run("embed", tmp_path / "V.bin", "dog", "--json")
    assert binary.exit_code == 0 and binary.stdout == text.stdout


def test_embed_neighbors(wv, vfile):
    result = run("embed", vfile, "cat", "king", "--neighbors", "3")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "cat:" and lines[4] == "king:" and len(lines) == 8
    for header, block in [("cat", lines[1:4]), ("king", lines[5:8])]:
        expected = wv.most_similar([header], topn=3)
        assert [line.split()[0] for line in block] == [w for w, _ in expected]
        assert [float(line.split()[1]) for line in block] == pytest.approx([c for _, c in expected], abs=5e-5)
        assert all(line.startswith("  ") for line in block)
    assert lines[1].split()[0] == "kitten"
    assert [line.split()[0] for line in lines[5:8]] == ["man", "queen", "woman"]


def test_embed_json_vectors_are_exact(wv, vfile):
    result = run("embed", vfile, "cat", "café", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data) == ["cat", "café"]
    for word, values in data.items():
        assert isinstance(values, list) and all(isinstance(v, float) for v in values)
        assert np.array_equal(np.array(values, dtype=np.float32), wv.vector(word))


def test_embed_json_neighbors(wv, vfile):
    result = run("embed", vfile, "dog", "woman", "--neighbors", "2", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data) == ["dog", "woman"]
    for word, pairs in data.items():
        expected = wv.most_similar([word], topn=2)
        assert [p[0] for p in pairs] == [w for w, _ in expected]
        assert [p[1] for p in pairs] == pytest.approx([c for _, c in expected], abs=1e-9)
        assert all(len(p) == 2 for p in pairs)
    assert data["dog"][0][0] == "puppy"


def test_embed_analogy(wv, vfile):
    result = run("embed", vfile, "--analogy", "man", "king", "woman", "--topn", "3")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "man is to king as woman is to:"
    assert len(lines) == 4
    answers = [line.split() for line in lines[1:]]
    assert answers[0][0] == "queen" and float(answers[0][1]) == pytest.approx(0.9834, abs=1e-4)
    assert [a[0] for a in answers] == [w for w, _ in wv.analogy("man", "king", "woman", topn=3)]
    assert not {"man", "king", "woman"} & {a[0] for a in answers}
    default = run("embed", vfile, "--analogy", "king", "queen", "man")
    assert default.stdout.splitlines()[1].split()[0] == "woman"
    assert len(default.stdout.splitlines()) == 1 + 5  # --topn defaults to 5


def test_embed_analogy_json(vfile):
    result = run("embed", vfile, "--analogy", "man", "king", "woman", "--topn", "2", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    data = data.get("analogy", data)  # alone, the analogy section may be printed bare
    assert data["question"] == ["man", "king", "woman"]
    assert [a[0] for a in data["answers"]][0] == "queen"
    assert len(data["answers"]) == 2
    both = json.loads(run("embed", vfile, "cat", "--analogy", "man", "king", "woman", "--json").stdout)
    assert set(both) == {"vectors", "analogy"} and list(both["vectors"]) == ["cat"]


@pytest.mark.parametrize("name, binary", [("sub.bin", True), ("sub.txt", False)])
def test_embed_out_writes_word2vec_that_gensim_reads(wv, vfile, tmp_path, name, binary):
    KeyedVectors = pytest.importorskip("gensim.models").KeyedVectors
    out = tmp_path / name
    result = run("embed", vfile, "queen", "日本", "cat", "queen", "--out", out)
    assert result.exit_code == 0, result.stderr
    assert "wrote 3 vectors" in result.stderr
    data = out.read_bytes()
    assert data.startswith(b"3 10\n")
    if binary:
        assert data[5:11] == b"queen " and data[11:51] == wv.vector("queen").astype("<f4").tobytes()
    else:
        assert data.decode("utf-8").splitlines()[1].startswith("queen ")
    kv = KeyedVectors.load_word2vec_format(str(out), binary=binary)
    assert list(kv.index_to_key) == ["queen", "日本", "cat"]
    assert np.array_equal(kv.vectors, wv.vectors[[wv.row(w) for w in ["queen", "日本", "cat"]]])
    assert np.array_equal(WordVectors.load(out).vectors, kv.vectors)


def test_embed_unknown_word(vfile, tmp_path):
    result = run("embed", vfile, "cat", "kiten", "--out", tmp_path / "o.txt")
    assert result.exit_code == 1
    assert result.stdout == ""  # nothing printed for cat before the error
    assert error_lines(result) == [result.stderr.strip()]
    assert "'kiten'" in result.stderr and "did you mean 'kitten'" in result.stderr
    assert not (tmp_path / "o.txt").exists()
    analogy = run("embed", vfile, "--analogy", "man", "king", "zebra")
    assert analogy.exit_code == 1 and "'zebra'" in error_lines(analogy)[0]


def test_embed_needs_a_word_or_an_analogy(vfile):
    result = run("embed", vfile)
    assert result.exit_code == 2 and error_lines(result)


# -- plot-pca ---------------------------------------------------------------------------------------------------

TAB10 = {"blue": (0.122, 0.467, 0.706), "orange": (1.0, 0.498, 0.055), "green": (0.173, 0.627, 0.173)}


def read_png(path) -> np.ndarray:
    image = matplotlib_image.imread(str(path))
    assert image.ndim == 3 and image.shape[0] >= 480 and image.shape[1] >= 640
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return image


def colour_pixels(image, rgb) -> int:
    return int((np.abs(image[..., :3] - np.array(rgb)).max(axis=2) < 0.03).sum())


def test_plot_default_words(vfile, tmp_path):
    out = tmp_path / "p.png"
    result = run("plot-pca", vfile, "--out", out)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == f"wrote {out} ({len(DEFAULT_WORDS)} words)"
    assert result.stderr == ""  # no unknown words to warn about
    image = read_png(out)
    assert image.shape[:2] == (600, 800)
    assert colour_pixels(image, TAB10["blue"]) > 0 and colour_pixels(image, TAB10["orange"]) == 0


def test_plot_words_option_skips_unknown_with_warning(vfile, tmp_path):
    out = tmp_path / "w.png"
    result = run("plot-pca", vfile, "--words", "cat, dog,zebra,kitten,,unicorn", "--out", out)
    assert result.exit_code == 0, result.stderr
    assert "(3 words)" in result.stdout
    assert "Warning: skipped 2 word(s) not in the vocabulary: zebra, unicorn" in result.stderr
    read_png(out)


def test_plot_words_file(vfile, tmp_path):
    words = tmp_path / "words.txt"
    words.write_text("# animals\ncat\n\n  dog  \nkitten\nqueen\nnotaword\n", encoding="utf-8")
    out = tmp_path / "f.png"
    result = run("plot-pca", vfile, "--words-file", words, "--words", "king", "--out", out)
    assert result.exit_code == 0, result.stderr
    assert "(5 words)" in result.stdout and "notaword" in result.stderr
    read_png(out)


def test_plot_groups_get_their_own_colours(vfile, tmp_path):
    groups = tmp_path / "groups.yaml"
    groups.write_text("royal: [king, queen]\nanimals: [cat, dog, kitten, puppy]\ndrinks: [coffee, tea, beer]\n",
                      encoding="utf-8")
    out = tmp_path / "g.png"
    result = run("plot-pca", vfile, "--groups", groups, "--out", out)
    assert result.exit_code == 0, result.stderr
    assert "(8 words)" in result.stdout and "beer" in result.stderr
    image = read_png(out)
    for colour in ("blue", "orange", "green"):
        assert colour_pixels(image, TAB10[colour]) > 10, colour
    plain = tmp_path / "plain.png"
    run("plot-pca", vfile, "--words", "king,queen,cat,dog,kitten,puppy,coffee,tea", "--out", plain)
    image = read_png(plain)
    assert colour_pixels(image, TAB10["blue"]) > 10
    assert colour_pixels(image, TAB10["orange"]) == 0 and colour_pixels(image, TAB10["green"]) == 0


def test_plot_tsne(vfile, tmp_path):
    out = tmp_path / "t.png"
    result = run("plot-pca", vfile, "--method", "tsne", "--words", "cat,dog,kitten,puppy,king,queen,man", "--out", out)
    assert result.exit_code == 0, result.stderr
    assert "(7 words)" in result.stdout
    read_png(out)


@pytest.mark.parametrize("words", ["cat,zebra", "zebra,unicorn"])
def test_plot_fewer_than_two_known_words(vfile, tmp_path, words):
    out = tmp_path / "none.png"
    result = run("plot-pca", vfile, "--words", words, "--out", out)
    assert result.exit_code == 1
    assert len(error_lines(result)) == 1 and "at least two words" in error_lines(result)[0]
    assert not out.exists()


# -- evaluate ---------------------------------------------------------------------------------------------------


@pytest.fixture
def eval_files(tmp_path):
    pairs = tmp_path / "pairs.txt"
    pairs.write_text(
        "# w1\tw2\tscore\nking\tqueen\t8\ncat\tkitten\t9\ndog\tpuppy\t9.5\nCat\tdog\t6\ncoffee\ttea\t7\n"
        "king\tzebra\t3\nman\twoman\t7.5\nrain\tsnow\t6.5\nbad\tgreat\t1\n",
        encoding="utf-8",
    )
    analogies = tmp_path / "analogies.txt"
    analogies.write_text(": royal\nman king woman queen\nMAN KING WOMAN QUEEN\nking man queen woman\n"
                         "man woman cat zebra\n: animals\ncat kitten dog puppy\ndog puppy cat kitten\n",
                         encoding="utf-8")
    return pairs, analogies


def test_evaluate_json(wv, vfile, eval_files):
    pairs, analogies = eval_files
    result = run("evaluate", vfile, "--pairs", pairs, "--analogies", analogies, "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report) == {"pairs", "analogies"}
    assert {"spearman", "pearson", "oov_ratio", "pairs_used"} <= set(report["pairs"])
    assert {"accuracy", "correct", "total", "sections"} <= set(report["analogies"])
    expected_pairs = evaluate_word_pairs(wv, pairs)
    assert report["pairs"]["pairs_used"] == 8 == expected_pairs["pairs_used"]
    assert report["pairs"]["oov_ratio"] == pytest.approx(100 / 9)
    assert report["pairs"]["spearman"] == pytest.approx(expected_pairs["spearman"], abs=1e-9)
    assert report["pairs"]["pearson"] == pytest.approx(expected_pairs["pearson"], abs=1e-9)
    expected_analogies = evaluate_word_analogies(wv, analogies)
    assert report["analogies"]["total"] == 5 and report["analogies"]["correct"] == expected_analogies["correct"]
    assert report["analogies"]["accuracy"] == pytest.approx(expected_analogies["accuracy"])
    sections = report["analogies"]["sections"]
    assert [(s["section"], s["total"]) for s in sections] == [("royal", 3), ("animals", 2)]
    assert sections[0]["correct"] == 3  # exact offsets in dims 0-2


def test_evaluate_pairs_only_json(vfile, eval_files):
    pairs, _ = eval_files
    result = run("evaluate", vfile, "--pairs", pairs, "--json")
    assert result.exit_code == 0, result.stderr
    assert list(json.loads(result.stdout)) == ["pairs"]


def test_evaluate_text_output(vfile, eval_files):
    pairs, analogies = eval_files
    result = run("evaluate", vfile, "--pairs", pairs, "--analogies", analogies)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"pairs {pairs}: spearman ")
    assert "(8 pairs used, 0 lines skipped)" in lines[0]
    assert "royal" in lines[2] and "(3/3)" in lines[2]


def test_evaluate_needs_pairs_or_analogies(vfile):
    result = run("evaluate", vfile)
    assert result.exit_code == 2
    assert error_lines(result) and "--pairs" in error_lines(result)[0]


def test_evaluate_missing_pairs_file(vfile, tmp_path):
    result = run("evaluate", vfile, "--pairs", tmp_path / "nope.txt")
    assert result.exit_code == 1 and "nope.txt does not exist" in error_lines(result)[0]


def test_unwritable_out_is_one_error_line_naming_the_file(tmp_path):
    vectors = tmp_path / "v.txt"
    vectors.write_text("2 2\ncat 1 0\ndog 0 1\n", encoding="utf-8")
    target = tmp_path / "no-such-folder" / "sub.bin"
    result = CliRunner().invoke(main, ["embed", str(vectors), "cat", "--out", str(target)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"Error: cannot write {target}" in result.output


def test_an_unexpected_exception_is_one_line_and_debug_shows_it(tmp_path, monkeypatch):
    import w2vcli.vectors

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(w2vcli.vectors.WordVectors, "load", classmethod(broken))
    result = CliRunner().invoke(main, ["embed", "x.txt", "cat"])
    assert result.exit_code == 1
    assert "Error: unexpected RuntimeError: boom (run `w2v --debug ...` for the traceback)" in result.output
    debug = CliRunner().invoke(main, ["--debug", "embed", "x.txt", "cat"])
    assert isinstance(debug.exception, RuntimeError)
