"""Bad input through the command line: every case is one `Error:` line naming the culprit, the right exit code
(2 usage: options, config keys, types and values, YAML; 1 data), no traceback, and no partial output files."""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from reference import make_runner

from w2vcli.cli import main
from w2vcli.vectors import save_word2vec_binary, save_word2vec_text

TINY = ["--quiet", "--dim", "4", "--epochs", "1", "--min-count", "1"]
TRAIN_OUTPUTS = ("vectors.txt", "vectors.bin", "model.npz", "vocab.txt", "pca.png", "loss.png", "loss.csv",
                 "explore.html")
CORPUS = "the cat sat on the mat\nthe dog sat on the log\na cat and a dog\n"


# -- helpers ----------------------------------------------------------------------------------------------------


def run(*args):
    """Invoke `w2v ARGS`; the run must end by SystemExit (Click's own exit), never an escaped exception."""
    result = make_runner().invoke(main, [str(a) for a in args])
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit), repr(result.exception)
    for text in (result.stdout, result.stderr, result.output):
        assert "Traceback" not in text, text
    return result


def assert_error(result, exit_code: int, *names: str) -> str:
    """Exit code as given, exactly one `Error:` line (on stderr, none on stdout), naming every one of `names`
    (a tuple among them means any one of its spellings). Returns that line."""
    assert result.exit_code == exit_code, (result.exit_code, result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, result.stderr
    assert not any(line.startswith("Error:") for line in result.stdout.splitlines()), result.stdout
    for name in names:
        spellings = name if isinstance(name, tuple) else (name,)
        assert any(s in lines[0] for s in spellings), (spellings, lines[0])
    return lines[0]


def tmp_leftovers(folder: Path) -> list[str]:
    return [os.path.join(root, f) for root, _, files in os.walk(folder) for f in files if f.endswith(".tmp")]


def assert_no_train_outputs(out: Path) -> None:
    """After a failed `w2v train --out OUT`: none of the result files, no temporary files anywhere in OUT, and
    no encoded corpus."""
    present = [name for name in TRAIN_OUTPUTS if (out / name).exists()]
    assert not present, present
    if out.is_dir():
        assert not tmp_leftovers(out)
        assert not list(out.glob(".encoded-*"))


def assert_not_written(path: Path) -> None:
    """After a failed `--out FILE`: no FILE and no temporary file beside it."""
    assert not path.exists()
    assert not tmp_leftovers(path.parent)


def train(tmp_path: Path, *args, out: Path | None = None):
    out = out if out is not None else tmp_path / "run"
    return run("train", "--out", out, *TINY, *args), out


def write(path: Path, data: str | bytes) -> Path:
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return path


# -- the corpus -------------------------------------------------------------------------------------------------


def test_missing_corpus(tmp_path):
    missing = tmp_path / "nowhere.txt"
    result, out = train(tmp_path, "--corpus", missing)
    assert_error(result, 1, str(missing), "does not exist")
    assert_no_train_outputs(out)


@pytest.mark.parametrize("content", ["", "  \n\n\t\n"], ids=["empty", "blank-lines"])
def test_empty_corpus_file(tmp_path, content):
    corpus = write(tmp_path / "empty.txt", content)
    result, out = train(tmp_path, "--corpus", corpus)
    assert_error(result, 1, str(corpus), "no words")
    assert_no_train_outputs(out)


def test_corpus_folder_with_no_txt_files(tmp_path):
    folder = tmp_path / "texts"
    folder.mkdir()
    write(folder / "notes.md", CORPUS)
    write(folder / "data.csv", "a,b\n")
    (folder / "sub.txt").mkdir()  # a folder named .txt is not a text file
    result, out = train(tmp_path, "--corpus", folder)
    assert_error(result, 1, str(folder), "no .txt files")
    assert_no_train_outputs(out)


def test_unreadable_corpus(tmp_path):
    corpus = write(tmp_path / "secret.txt", CORPUS)
    corpus.chmod(0)
    try:
        if os.access(corpus, os.R_OK):
            pytest.skip("running as root: a chmod 000 file is still readable")
        result, out = train(tmp_path, "--corpus", corpus)
        assert_error(result, 1, str(corpus), "not readable")
        assert_no_train_outputs(out)
    finally:
        corpus.chmod(0o644)


def test_binary_corpus(tmp_path):
    corpus = write(tmp_path / "program.txt", b"\x7fELF\x02\x01\x01\x00\x00\x00\x00 some text\n\x00\x00\x01\x02\n")
    result, out = train(tmp_path, "--corpus", corpus)
    assert_error(result, 1, f"{corpus}:1", "binary")
    assert_no_train_outputs(out)


def test_non_utf8_corpus_names_file_and_line_and_suggests_iconv(tmp_path):
    corpus = write(tmp_path / "latin1.txt", "le chat\nle chien\nun caf\xe9 noir\n".encode("latin-1"))
    result, out = train(tmp_path, "--corpus", corpus)
    assert_error(result, 1, f"{corpus}:3", "UTF-8", "iconv")
    assert_no_train_outputs(out)


def test_non_utf8_file_in_a_corpus_folder_is_named(tmp_path):
    folder = tmp_path / "texts"
    folder.mkdir()
    write(folder / "a.txt", CORPUS)
    bad = write(folder / "b.txt", b"fine line\n\xff\xfe broken\n")
    result, out = train(tmp_path, "--corpus", folder)
    assert_error(result, 1, f"{bad}:2", "iconv")
    assert_no_train_outputs(out)


def test_every_word_below_min_count(tmp_path):
    corpus = write(tmp_path / "rare.txt", CORPUS)
    result, out = train(tmp_path, "--corpus", corpus, "--min-count", "50")  # the last --min-count wins
    assert_error(result, 1, "--min-count", "50")
    assert_no_train_outputs(out)


def test_corpus_of_one_token_is_a_clean_error(tmp_path):
    corpus = write(tmp_path / "one.txt", "hello\n")
    result, out = train(tmp_path, "--corpus", corpus)
    assert_error(result, 1, "corpus", "two in-vocabulary words")
    assert_no_train_outputs(out)


def test_corpus_of_one_token_error_names_the_file(tmp_path):
    corpus = write(tmp_path / "one.txt", "hello\n")
    result, out = train(tmp_path, "--corpus", corpus)
    assert_error(result, 1, str(corpus))
    assert_no_train_outputs(out)


@pytest.mark.parametrize("model", ["skipgram", "cbow"])
def test_corpus_with_no_window_that_has_a_context_word(tmp_path, model):
    corpus = write(tmp_path / "singles.txt", "alpha\nbeta\ngamma\nalpha\n")  # one word per sentence
    result, out = train(tmp_path, "--corpus", corpus, "--model", model)
    assert_error(result, 1, str(corpus))
    assert_no_train_outputs(out)


@pytest.fixture(scope="module")
def long_lines(tmp_path_factory) -> dict[str, Path]:
    """20 MB on one line with no newline: one word repeated, and ten words repeated."""
    folder = tmp_path_factory.mktemp("long")
    size = 20_000_000
    one = b"word "
    ten = b"alpha beta gamma delta epsilon zeta eta theta iota kappa "
    return {
        "one-word": write(folder / "one-word.txt", one * (size // len(one))),
        "ten-words": write(folder / "ten-words.txt", ten * (size // len(ten))),
    }


LONG_LINE_OPTIONS = ["--max-vocab", "3", "--batch-size", "100000", "--sample", "1e-5", "--checkpoint-every", "0",
                     "--save", "txt,bin"]  # every output, vectors.txt too


def test_20_mb_line_without_newline_trains(tmp_path, long_lines):
    result, out = train(tmp_path, "--corpus", long_lines["ten-words"], *LONG_LINE_OPTIONS)
    assert result.exit_code == 0, result.stderr
    assert not [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    for name in TRAIN_OUTPUTS:
        assert (out / name).is_file(), name
    assert (out / "vectors.txt").read_text().splitlines()[0] == "3 4"  # --max-vocab 3
    assert not tmp_leftovers(out)


def test_20_mb_line_of_one_repeated_word_trains_or_errors_cleanly(tmp_path, long_lines):
    result, out = train(tmp_path, "--corpus", long_lines["one-word"], *LONG_LINE_OPTIONS)
    if result.exit_code == 0:
        assert (out / "vectors.txt").read_text().splitlines()[0] == "1 4"
    else:  # today: a vocabulary of one word leaves negative sampling nothing to draw
        assert_error(result, 1, "2 words")
        assert_no_train_outputs(out)


# -- the configuration: file and command line --------------------------------------------------------------------


def test_invalid_yaml_config(tmp_path):
    config = write(tmp_path / "bad.yaml", "dim: [4, 8\nwindow: 2\n")
    result, out = train(tmp_path, "--config", config, "--corpus", write(tmp_path / "c.txt", CORPUS))
    assert_error(result, 2, str(config), "YAML")
    assert not out.exists()


def test_config_that_is_not_a_mapping(tmp_path):
    config = write(tmp_path / "list.yaml", "- dim\n- 4\n")
    result, out = train(tmp_path, "--config", config, "--corpus", write(tmp_path / "c.txt", CORPUS))
    assert_error(result, 2, str(config), "mapping")
    assert not out.exists()


def test_missing_config_file(tmp_path):
    config = tmp_path / "nowhere.yaml"
    result, out = train(tmp_path, "--config", config)
    assert_error(result, 2, str(config), "does not exist")
    assert not out.exists()


def test_config_file_that_is_not_utf8(tmp_path):
    config = write(tmp_path / "latin1.yaml", "corpus: caf\xe9.txt\n".encode("latin-1"))
    result, out = train(tmp_path, "--config", config)
    assert_error(result, 2, str(config))
    assert not out.exists()


def test_config_file_that_is_a_folder(tmp_path):
    config = tmp_path / "configs"
    config.mkdir()
    result, out = train(tmp_path, "--config", config)
    assert_error(result, 2, "'--config'", "directory")
    assert not out.exists()


def test_unknown_config_key_suggests_the_close_one(tmp_path):
    config = write(tmp_path / "typo.yaml", "dim: 4\nwindwo: 2\n")
    result, out = train(tmp_path, "--config", config, "--corpus", write(tmp_path / "c.txt", CORPUS))
    assert_error(result, 2, str(config), "'windwo'", "did you mean 'window'")
    assert not out.exists()


@pytest.mark.parametrize("line, key", [("dim: ten", "dim"), ("lr: fast", "lr"), ("lowercase: 3", "lowercase"),
                                        ("model: word2vec", "model"), ("epochs: 1.5", "epochs")])
def test_wrong_type_in_config(tmp_path, line, key):
    config = write(tmp_path / "typed.yaml", line + "\n")
    corpus = write(tmp_path / "c.txt", CORPUS)
    result = run("train", "--config", config, "--out", tmp_path / "run", "--quiet", "--corpus", corpus)
    assert_error(result, 2, key)
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("args, option", [(["--dim", "ten"], "--dim"), (["--lr", "fast"], "--lr"),
                                          (["--model", "word2vec"], "--model"), (["--epochs", "1.5"], "--epochs")])
def test_wrong_type_on_the_command_line_is_clicks_usage_error(tmp_path, args, option):
    result = run("train", "--out", tmp_path / "run", "--quiet", *args)
    assert_error(result, 2, f"'{option}'", "Invalid value")
    assert "Usage:" in result.stderr
    assert not (tmp_path / "run").exists()


def test_unknown_option_on_the_command_line_suggests_the_close_one(tmp_path):
    result = run("train", "--out", tmp_path / "run", "--quiet", "--windwo", "2")
    assert_error(result, 2, "--windwo", "--window")
    assert not (tmp_path / "run").exists()


IMPOSSIBLE = [  # (key, value): each one alone, with otherwise tiny, valid settings
    ("dim", 0), ("window", 0), ("lr", 0), ("lr", -1), ("negative", 0), ("batch_size", 0), ("epochs", 0),
    ("min_count", -1), ("max_vocab", 1), ("iterations", 0), ("sample", -0.5),
]


@pytest.mark.parametrize("key, value", IMPOSSIBLE, ids=[f"{k}={v}" for k, v in IMPOSSIBLE])
def test_impossible_value_in_config(tmp_path, key, value):
    config = write(tmp_path / "impossible.yaml", f"dim: 4\nepochs: 1\nmin_count: 1\n{key}: {value}\n")
    corpus = write(tmp_path / "c.txt", CORPUS)
    result = run("train", "--config", config, "--out", tmp_path / "run", "--quiet", "--corpus", corpus)
    assert_error(result, 2, key)
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("key, value", IMPOSSIBLE, ids=[f"{k}={v}" for k, v in IMPOSSIBLE])
def test_impossible_value_on_the_command_line(tmp_path, key, value):
    flag = "--" + key.replace("_", "-")
    corpus = write(tmp_path / "c.txt", CORPUS)
    result, out = train(tmp_path, "--corpus", corpus, flag, value)  # after TINY: the last one wins
    assert_error(result, 2, (key, flag))
    assert not out.exists()


def test_min_lr_above_lr_in_config(tmp_path):
    config = write(tmp_path / "lr.yaml", "lr: 0.1\nmin_lr: 0.5\n")
    result, out = train(tmp_path, "--config", config, "--corpus", write(tmp_path / "c.txt", CORPUS))
    assert_error(result, 2, "min_lr", "0.5")
    assert not out.exists()


def test_min_lr_above_lr_on_the_command_line(tmp_path):
    result, out = train(tmp_path, "--corpus", write(tmp_path / "c.txt", CORPUS), "--lr", "0.1", "--min-lr", "0.5")
    assert_error(result, 2, ("min_lr", "--min-lr"), "0.5")
    assert not out.exists()


# -- the output folder and --resume ------------------------------------------------------------------------------


def test_out_is_an_existing_file(tmp_path):
    out = write(tmp_path / "result", "keep me\n")
    result, _ = train(tmp_path, "--corpus", write(tmp_path / "c.txt", CORPUS), out=out)
    assert_error(result, 1, str(out), "is a file")
    assert out.read_text() == "keep me\n"  # untouched
    assert not tmp_leftovers(tmp_path)


def test_out_inside_a_read_only_folder(tmp_path):
    parent = tmp_path / "locked"
    parent.mkdir()
    corpus = write(tmp_path / "c.txt", CORPUS)
    parent.chmod(0o555)
    try:
        if os.access(parent, os.W_OK):
            pytest.skip("running as root: a chmod 555 folder is still writable")
        out = parent / "run"
        result, _ = train(tmp_path, "--corpus", corpus, out=out)
        assert_error(result, 1, str(out))
        assert not out.exists()
    finally:
        parent.chmod(0o755)


def test_resume_without_out_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing may appear under runs/
    result = run("train", "--resume", "--quiet")
    assert_error(result, 2, "--resume", "--out")
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("layout", ["missing", "empty", "empty-checkpoints"])
def test_resume_a_folder_with_no_checkpoint(tmp_path, layout):
    out = tmp_path / "run"
    if layout != "missing":
        out.mkdir()
    if layout == "empty-checkpoints":
        (out / "checkpoints").mkdir()
    result = run("train", "--out", out, "--resume", "--quiet")
    assert_error(result, 1, str(out), "nothing to resume")
    assert_no_train_outputs(out)


# -- vector files: embed, plot-pca, evaluate ---------------------------------------------------------------------

WORDS = ["king", "queen", "man", "woman", "cat", "dog"]


@pytest.fixture()
def good_vectors(tmp_path) -> dict[str, Path]:
    vectors = np.random.default_rng(0).standard_normal((len(WORDS), 4)).astype(np.float32)
    text, binary = tmp_path / "good.txt", tmp_path / "good.bin"
    save_word2vec_text(text, WORDS, vectors)
    save_word2vec_binary(binary, WORDS, vectors)
    return {"text": text, "binary": binary}


def bad_vector_file(kind: str, tmp_path: Path, good: dict[str, Path]) -> tuple[Path, list[str]]:
    """(path, what the error must name besides the path) of one kind of broken vector file."""
    path = tmp_path / f"bad-{kind}.vec"
    text_lines = good["text"].read_text().splitlines()
    if kind == "missing":
        return path, ["does not exist"]
    if kind == "empty":
        return write(path, b""), ["empty"]
    if kind == "truncated-binary":
        return write(path, good["binary"].read_bytes()[:-7]), ["truncated"]
    if kind == "binary-header-lies-huge":  # must not try to allocate 16 TB first
        return write(path, b"1000000000000 4\n" + good["binary"].read_bytes().split(b"\n", 1)[1]), ["truncated"]
    if kind == "text-fewer-rows-than-header":
        return write(path, "\n".join(["9 4"] + text_lines[1:]) + "\n"), ["9 words", "fewer"]
    if kind == "text-header-dim-lies-huge":
        return write(path, "\n".join([f"{len(WORDS)} 99999999999"] + text_lines[1:]) + "\n"), [":2:"]
    if kind == "garbage":
        return write(path, bytes(np.random.default_rng(1).integers(0, 256, 400, dtype=np.uint8))), ["header"]
    if kind == "garbage-after-header":
        return write(path, b"3 4\n" + bytes(np.random.default_rng(2).integers(0, 256, 300, dtype=np.uint8))), []
    if kind == "fake-zip":
        return write(path, b"PK\x03\x04 this is no zip archive"), ["model.npz"]
    if kind == "folder":
        path.mkdir()
        return path, ["folder"]
    raise AssertionError(kind)


BAD_VECTOR_FILES = ["missing", "empty", "truncated-binary", "binary-header-lies-huge", "text-fewer-rows-than-header",
                    "text-header-dim-lies-huge", "garbage", "garbage-after-header", "fake-zip", "folder"]


def inspect_command(command: str, vectors: Path, tmp_path: Path) -> tuple[list, Path | None]:
    """(arguments, output file that must not appear) of a run of command that would succeed on good vectors."""
    if command == "embed":
        target = tmp_path / "picked.txt"
        return ["embed", vectors, "king", "queen", "--out", target], target
    if command == "plot-pca":
        target = tmp_path / "plot.png"
        return ["plot-pca", vectors, "--words", "king,queen,man,woman", "--out", target], target
    pairs = write(tmp_path / "pairs.tsv", "king\tqueen\t8\nman\twoman\t7\ncat\tdog\t5\n")
    return ["evaluate", vectors, "--pairs", pairs], None


@pytest.mark.parametrize("command", ["embed", "plot-pca", "evaluate"])
def test_commands_succeed_on_good_vectors(tmp_path, good_vectors, command):
    """The control for the bad-file cases below: the same arguments work on good files."""
    for path in good_vectors.values():
        args, target = inspect_command(command, path, tmp_path)
        result = run(*args)
        assert result.exit_code == 0, result.stderr
        if target is not None:
            assert target.is_file()
            target.unlink()


@pytest.mark.parametrize("kind", BAD_VECTOR_FILES)
@pytest.mark.parametrize("command", ["embed", "plot-pca", "evaluate"])
def test_bad_vector_file(tmp_path, good_vectors, command, kind):
    assert_refused_vector_file(command, *bad_vector_file(kind, tmp_path, good_vectors), tmp_path)


def assert_refused_vector_file(command: str, path: Path, names: list[str], tmp_path: Path) -> None:
    """`w2v command` on the bad vector file path: one error line naming it (and names), nothing on stdout, and
    no output file written."""
    args, target = inspect_command(command, path, tmp_path)
    result = run(*args)
    assert_error(result, 1, str(path), *names)
    assert result.stdout == ""
    if target is not None:
        assert_not_written(target)


# -- unknown words and evaluation files --------------------------------------------------------------------------


@pytest.mark.parametrize("args, word, suggestion", [
    (["kng"], "'kng'", "'king'"),
    (["queen", "womn"], "'womn'", "'woman'"),
    (["--neighbors", "2", "dgo"], "'dgo'", None),
    (["--analogy", "king", "queen", "mann"], "'mann'", "'man'"),
])
def test_embed_unknown_word_is_named_with_close_spellings(tmp_path, good_vectors, args, word, suggestion):
    target = tmp_path / "picked.txt"
    result = run("embed", good_vectors["text"], *args, "--out", target)
    line = assert_error(result, 1, word, str(good_vectors["text"]))
    if suggestion:
        assert "did you mean" in line and suggestion in line, line
    assert result.stdout == ""  # nothing printed before the error
    assert_not_written(target)


def test_embed_with_neither_words_nor_analogy(tmp_path, good_vectors):
    target = tmp_path / "picked.txt"
    result = run("embed", good_vectors["text"], "--out", target)
    assert_error(result, 2, "WORD", "--analogy")
    assert_not_written(target)


@pytest.mark.parametrize("words", ["kingg,zzz", "king,zzz", "king,king"])
def test_plot_pca_with_fewer_than_two_known_words(tmp_path, good_vectors, words):
    target = tmp_path / "plot.png"
    result = run("plot-pca", good_vectors["binary"], "--words", words, "--out", target)
    assert_error(result, 1, "two words")
    if "zzz" in words:
        assert any(line.startswith("Warning:") and "zzz" in line for line in result.stderr.splitlines())
    assert_not_written(target)


def test_plot_pca_with_some_unknown_words_warns_and_succeeds(tmp_path, good_vectors):
    target = tmp_path / "plot.png"
    result = run("plot-pca", good_vectors["text"], "--words", "king,queen,zzz,man,qqq", "--out", target)
    assert result.exit_code == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning:")]
    assert len(warnings) == 1 and "zzz" in warnings[0] and "qqq" in warnings[0], result.stderr
    assert "Error:" not in result.stderr
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "(3 words)" in result.stdout


def test_evaluate_pairs_all_out_of_vocabulary(tmp_path, good_vectors):
    pairs = write(tmp_path / "oov.tsv", "apple\tpear\t5\nsun\tmoon\t6\nking\tzzz\t3\n")
    result = run("evaluate", good_vectors["text"], "--pairs", pairs)
    assert_error(result, 1, str(pairs))
    assert result.stdout == ""


def test_evaluate_with_neither_pairs_nor_analogies(good_vectors):
    result = run("evaluate", good_vectors["text"])
    assert_error(result, 2, "--pairs", "--analogies")


@pytest.mark.parametrize("option", ["--pairs", "--analogies"])
def test_evaluate_missing_evaluation_file(tmp_path, good_vectors, option):
    missing = tmp_path / "nowhere.tsv"
    result = run("evaluate", good_vectors["text"], option, missing)
    assert_error(result, 1, str(missing), "does not exist")


def test_evaluate_pairs_skips_and_counts_malformed_lines(tmp_path, good_vectors):
    pairs = write(tmp_path / "pairs.tsv", "\n".join([
        "# a comment is not malformed",
        "king\tqueen\t8",
        "man\twoman",  # two fields
        "cat\tdog\tvery",  # score not a number
        "man\twoman\t7",
        "king queen 8",  # spaces, not tabs
        "cat\tdog\t5\textra",  # four fields
        "cat\tdog\t5",
    ]) + "\n")
    result = run("evaluate", good_vectors["text"], "--pairs", pairs, "--json")
    assert result.exit_code == 0, result.stderr
    assert "Error:" not in result.stderr
    report = json.loads(result.stdout)["pairs"]
    assert report["skipped_lines"] == 4
    assert report["pairs_used"] == 3


def test_evaluate_analogies_skips_and_counts_malformed_lines(tmp_path, good_vectors):
    analogies = write(tmp_path / "questions.txt", "\n".join([
        ": royalty",
        "king queen man woman",
        "king queen man",  # three words
        "man woman king queen extra",  # five words
        ": animals",
        "cat dog king",  # three words
        "dog cat queen king",
    ]) + "\n")
    result = run("evaluate", good_vectors["text"], "--analogies", analogies, "--json")
    assert result.exit_code == 0, result.stderr
    assert "Error:" not in result.stderr
    report = json.loads(result.stdout)["analogies"]
    assert report["skipped_lines"] == 3
    assert report["total"] == 2
    assert [s["section"] for s in report["sections"]] == ["royalty", "animals"]


# -- vector files in the wild: compressed, GloVe, the folder format ------------------------------------------------


def gzipped(data: bytes) -> bytes:
    import gzip

    return gzip.compress(data, mtime=0)


def wild_vector_file(kind: str, tmp_path: Path, good: dict[str, Path]) -> tuple[Path, list[str]]:
    """(path, what the error must name besides the path) of one kind of broken vector file from another tool."""
    import bz2
    import lzma

    binary, text = good["binary"].read_bytes(), good["text"].read_bytes()
    glove = text.split(b"\n", 1)[1]
    suffix = {"gz": ".gz", "gzip": ".gz", "bz2": ".bz2", "xz": ".xz"}.get(kind.split("-")[0], "")
    path = tmp_path / f"wild-{kind}.vec{suffix}"
    if kind == "gz-that-is-not-gzip":  # named .gz, plain garbage inside
        return write(path, bytes(np.random.default_rng(3).integers(0, 256, 300, dtype=np.uint8))), [
            "line 1", "the name says gzip but the bytes are not gzip data"]
    if kind == "gzip-magic-then-garbage":
        return write(path, b"\x1f\x8b" + bytes(np.random.default_rng(4).integers(0, 256, 300, dtype=np.uint8))), [
            "gzip data is corrupt or cut short"]
    if kind == "gzip-cut-short":
        return write(path, gzipped(binary)[:-60]), ["gzip data is corrupt or cut short", "near the start"]
    if kind == "gzip-truncated-record":  # a whole gzip stream whose last record is cut
        return write(path, gzipped(binary[:-7])), ["record 6 of 6", "truncated"]
    if kind == "bz2-header-lies-fewer":
        return write(path, bz2.compress(text.replace(b"6 4\n", b"8 4\n", 1))), ["8 words", "has 6", "fewer"]
    if kind == "xz-header-lies-more":
        return write(path, lzma.compress(text.replace(b"6 4\n", b"5 4\n", 1))), ["5 words", "has 6", "more"]
    if kind == "gzip-header-lies-huge":  # no size to check it against: must not allocate first
        return write(path, gzipped(b"1000000000000 400000000\n" + binary.split(b"\n", 1)[1])), ["record 1 of"]
    if kind == "xz-binary-garbage":
        return write(path, lzma.compress(b"6 4\n" + bytes(range(128, 256)) * 3)), ["record 1"]
    if kind == "glove-bad-row":
        return write(path, gzipped(glove.replace(b"\n", b" 0.5\n", 3))), [":4:", "expected a word and 5 values"]
    if kind == "glove-not-a-number":
        lines = glove.split(b"\n")
        lines[2] = lines[2].rsplit(b" ", 1)[0] + b" 1.2.3"
        return write(path, b"\n".join(lines)), [":3:", "not a number"]
    folder = tmp_path / f"wild-{kind}"
    folder.mkdir()
    np.save(folder / "vectors.npy", np.ones((len(WORDS), 4), dtype=np.float32))
    write(folder / "vocab.txt", "".join(f"{w} 1\n" for w in WORDS))
    if kind == "folder-vocab-too-short":
        write(folder / "vocab.txt", "".join(f"{w} 1\n" for w in WORDS[:-1]))
        return folder, ["vocab.txt", "5 lines", "6 rows"]
    if kind == "folder-vocab-bad-line":
        write(folder / "vocab.txt", "".join(f"{w} 1\n" for w in WORDS).replace("man 1", "man one"))
        return folder, ["vocab.txt:3:", "expected `word count`"]
    if kind == "folder-float64":
        np.save(folder / "vectors.npy", np.ones((len(WORDS), 4)))
        return folder, ["vectors.npy", "float32"]
    if kind == "folder-npy-garbage":
        write(folder / "vectors.npy", b"\x93NUMPY garbage")
        return folder, ["vectors.npy", "not a NumPy .npy matrix"]
    if kind == "folder-without-vocab":
        (folder / "vocab.txt").unlink()
        return folder, ["is a folder without vectors.npy and vocab.txt"]
    raise AssertionError(kind)


WILD_VECTOR_FILES = ["gz-that-is-not-gzip", "gzip-magic-then-garbage", "gzip-cut-short", "gzip-truncated-record",
                     "bz2-header-lies-fewer", "xz-header-lies-more", "gzip-header-lies-huge", "xz-binary-garbage",
                     "glove-bad-row", "glove-not-a-number", "folder-vocab-too-short", "folder-vocab-bad-line",
                     "folder-float64", "folder-npy-garbage", "folder-without-vocab"]


@pytest.mark.parametrize("kind", WILD_VECTOR_FILES)
@pytest.mark.parametrize("command", ["embed", "plot-pca", "evaluate"])
def test_bad_wild_vector_file(tmp_path, good_vectors, command, kind):
    assert_refused_vector_file(command, *wild_vector_file(kind, tmp_path, good_vectors), tmp_path)


def test_wild_vector_files_read_when_whole(tmp_path, good_vectors):
    """The control for the cases above: the same files, unbroken, work."""
    binary, text = good_vectors["binary"].read_bytes(), good_vectors["text"].read_bytes()
    for name, data in [("ok.bin.gz", gzipped(binary)), ("ok.glove", text.split(b"\n", 1)[1])]:
        result = run(*inspect_command("embed", write(tmp_path / name, data), tmp_path)[0])
        assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize("args, option", [(["--limit", "0"], "--limit"), (["--limit", "x"], "--limit"),
                                          (["--unicode-errors", "lenient"], "--unicode-errors")])
def test_impossible_vector_options_are_usage_errors(good_vectors, args, option):
    result = run("embed", good_vectors["binary"], "king", *args)
    assert_error(result, 2, option)
