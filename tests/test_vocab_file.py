"""Tests of the vocabulary file (OUT/vocab.txt, `w2v train --read-vocab`) and of `--init-from model.npz`: the
file reads back as the counted vocabulary, a run on it equals a counted run to the bit, an earlier model's rows
start the shared words exactly, and bad input is one `Error:` line."""
from __future__ import annotations

import hashlib
import signal
from pathlib import Path

import numpy as np
import pytest
from reference import hook_engine_reports, make_runner, write_toy_corpus

import w2vcli.train as train_module
from w2vcli.checkpoint import load_checkpoint
from w2vcli.cli import main
from w2vcli.config import TrainConfig
from w2vcli.corpus import Corpus
from w2vcli.engines.base import word2vec_init
from w2vcli.errors import TrainingInterrupted, W2VError
from w2vcli.train import train
from w2vcli.vocab import Vocab, read_vocab_file, vocab_text


def silent(message):
    pass


def small_config(corpus, **options) -> TrainConfig:
    settings = dict(engine="numpy", corpus=str(corpus), dim=8, epochs=1, checkpoint_every=0, quiet=True, threads=1)
    settings.update(options)
    return TrainConfig(**settings)


def model_arrays(path: Path) -> dict[str, np.ndarray]:
    with np.load(path) as data:
        return {name: data[name] for name in ("words", "counts", "center_vectors", "outside_vectors")}


def same_bits(a, b) -> bool:
    """One dtype (float32 or float64), one shape, identical bits (so -0.0 differs from 0.0)."""
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_toy_corpus(tmp_path_factory.mktemp("corpus"), sentences=300)


@pytest.fixture(scope="module")
def counted_runs(corpus, tmp_path_factory):
    """One counted run per engine (fast with --threads 1), each with its vocab.txt."""
    runs = {}
    for engine in ("numpy", "fast"):
        out = tmp_path_factory.mktemp(f"counted-{engine}") / "out"
        runs[engine] = (out, train(small_config(corpus, engine=engine), out, log=silent))
    return runs


# -- reading and writing the file ---------------------------------------------------------------------------------


def test_the_file_reads_back_as_the_counted_vocabulary(corpus, tmp_path):
    counted = Vocab.build(Corpus(corpus), min_count=5)
    path = tmp_path / "vocab.txt"
    path.write_text(vocab_text(counted), encoding="utf-8")
    read = read_vocab_file(path, min_count=5)
    assert read.words == counted.words
    assert read.counts.tolist() == counted.counts.tolist()
    assert read.total == counted.total


def test_reading_sorts_by_count_then_applies_min_count_and_max_vocab(tmp_path):
    """As word2vec's ReadVocab + SortVocab: sorted by count (here stably: ties keep the file's order), words below
    min_count dropped; then the max_vocab most frequent kept."""
    path = tmp_path / "v.txt"
    path.write_text("b 2\na 5\nc 2\nd 1\ne 9\r\n", encoding="utf-8")  # a CRLF line end is white space
    vocab = read_vocab_file(path, min_count=2)
    assert (vocab.words, vocab.counts.tolist()) == (["e", "a", "b", "c"], [9, 5, 2, 2])
    assert (vocab.corpus_tokens, vocab.corpus_types, vocab.corpus_sentences) == (19, 5, 18)
    assert read_vocab_file(path, min_count=1, max_vocab=3).words == ["e", "a", "b"]


@pytest.mark.parametrize("text, message", [
    ("the 5\ncat\n", "line 2: expected `word count`"),
    ("the 5\ncat five\n", "line 2: expected `word count`"),
    ("the 5\ncat 0\n", "line 2: expected `word count`"),
    ("the 5\ncat -3\n", "line 2: expected `word count`"),
    ("the 5 extra\n", "line 1: expected `word count`"),
    ("the 5\n\ncat 2\n", "line 2: expected `word count`"),
    ("the 5\ncat 2\nthe 1\n", "line 3: 'the' is listed twice (first on line 1)"),
    ("", "holds no words"),
])
def test_a_bad_file_is_one_error(tmp_path, text, message):
    path = tmp_path / "v.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(W2VError) as info:
        read_vocab_file(path, min_count=1)
    assert message in str(info.value)


# -- --read-vocab: the same vectors without counting -------------------------------------------------------------


@pytest.mark.parametrize("engine", ["numpy", "fast"])
def test_read_vocab_gives_bit_identical_vectors(engine, corpus, counted_runs, tmp_path, monkeypatch):
    out_a, result_a = counted_runs[engine]
    counts = []
    monkeypatch.setattr(train_module, "count_corpus", lambda *args: counts.append(args))  # must not be called
    logged = []
    config = small_config(corpus, engine=engine, read_vocab=str(out_a / "vocab.txt"))
    result_b = train(config, tmp_path / "b", log=logged.append)
    assert counts == []
    assert any(f"read from {out_a / 'vocab.txt'}" in line and "not counted" in line for line in logged)
    a, b = model_arrays(out_a / "model.npz"), model_arrays(tmp_path / "b" / "model.npz")
    assert a["words"].tolist() == b["words"].tolist() and a["counts"].tolist() == b["counts"].tolist()
    assert same_bits(a["center_vectors"], b["center_vectors"])
    assert same_bits(a["outside_vectors"], b["outside_vectors"])
    assert (out_a / "vectors.bin").read_bytes() == (tmp_path / "b" / "vectors.bin").read_bytes()
    assert (out_a / "vocab.txt").read_bytes() == (tmp_path / "b" / "vocab.txt").read_bytes()
    assert result_b.state.step == result_a.state.step


def test_a_read_vocab_run_resumes_from_its_own_vocab_txt(corpus, counted_runs, tmp_path, monkeypatch):
    """Interrupted and resumed, a --read-vocab run equals the uninterrupted counted one; the resumed run reads
    OUT/vocab.txt (the original file is gone) and does not count."""
    out_a, _ = counted_runs["numpy"]
    source = tmp_path / "given.txt"
    source.write_bytes((out_a / "vocab.txt").read_bytes())
    config = small_config(corpus, read_vocab=str(source), checkpoint_every=3)
    out_b = tmp_path / "b"

    def stop_at_5(report):
        if report.step == 5:
            signal.raise_signal(signal.SIGINT)
        return report

    with monkeypatch.context() as patch:
        hook_engine_reports(patch, stop_at_5)
        with pytest.raises(TrainingInterrupted):
            train(config, out_b, log=silent)
    source.unlink()
    monkeypatch.setattr(train_module, "count_corpus", lambda *args: pytest.fail("counted"))
    train(config, out_b, resume=True, log=silent)
    a, b = model_arrays(out_a / "model.npz"), model_arrays(out_b / "model.npz")
    assert same_bits(a["center_vectors"], b["center_vectors"])
    assert same_bits(a["outside_vectors"], b["outside_vectors"])


# -- --init-from: an earlier model's rows for the shared words ---------------------------------------------------


def capture_start(monkeypatch) -> dict:
    """Keep copies of the state's two matrices as the training loop receives them (step 0)."""
    start = {}
    real = train_module.run_steps

    def wrapped(engine, state, *args):
        start["center"], start["outside"] = state.center_vectors.copy(), state.outside_vectors.copy()
        return real(engine, state, *args)

    monkeypatch.setattr(train_module, "run_steps", wrapped)
    return start


@pytest.mark.parametrize("engine", ["numpy", "fast"])
def test_init_from_copies_the_shared_rows_exactly_and_leaves_the_earlier_run_unchanged(
        engine, corpus, counted_runs, tmp_path, monkeypatch):
    out_a, _ = counted_runs[engine]
    before = {name: file_digest(out_a / name) for name in ("model.npz", "vectors.bin", "vocab.txt")}
    # the new corpus: the old one without its last 100 sentences (some rare words go), plus two new words
    lines = corpus.read_text(encoding="utf-8").splitlines()[:200] + ["zebra quokka zebra quokka the"] * 6
    second = tmp_path / "second.txt"
    second.write_text("\n".join(lines) + "\n", encoding="utf-8")
    start = capture_start(monkeypatch)
    logged = []
    config = small_config(second, engine=engine, init_from=str(out_a / "model.npz"), seed=7)
    result = train(config, tmp_path / "b", log=logged.append)

    old = model_arrays(out_a / "model.npz")
    old_rows = {word: i for i, word in enumerate(old["words"].tolist())}
    new_words = result.vocab.words
    shared = [(i, old_rows[w]) for i, w in enumerate(new_words) if w in old_rows]
    fresh = [i for i, w in enumerate(new_words) if w not in old_rows]
    assert {new_words[i] for i in fresh} == {"zebra", "quokka"}
    assert len(shared) == len(new_words) - 2
    assert any(f"{len(shared):,} of {len(new_words):,} words start from its vectors" in line for line in logged)
    new, rows = np.array(shared).T
    assert same_bits(start["center"][new], old["center_vectors"][rows].astype(start["center"].dtype))
    assert same_bits(start["outside"][new], old["outside_vectors"][rows].astype(start["outside"].dtype))
    usual = word2vec_init(np.random.default_rng(7), len(new_words), 8, dtype=start["center"].dtype)
    assert same_bits(start["center"][fresh], usual.center_vectors[fresh])  # word2vec's init, as without init-from
    assert not start["outside"][fresh].any()
    assert not same_bits(result.state.center_vectors[new], start["center"][new])  # and then it trains
    assert {name: file_digest(out_a / name) for name in before} == before
    assert f"init_from: {out_a / 'model.npz'}" in (tmp_path / "b" / "config.yaml").read_text(encoding="utf-8")


def test_a_resumed_init_from_run_does_not_init_again(corpus, counted_runs, tmp_path, monkeypatch):
    """Interrupted and resumed, an --init-from run equals the uninterrupted one; the model is not read again."""
    out_a, _ = counted_runs["numpy"]
    config = small_config(corpus, init_from=str(out_a / "model.npz"), checkpoint_every=3, seed=5)
    whole = train(config, tmp_path / "whole", log=silent)

    def stop_at_4(report):
        if report.step == 4:
            signal.raise_signal(signal.SIGINT)
        return report

    out_b = tmp_path / "b"
    with monkeypatch.context() as patch:
        hook_engine_reports(patch, stop_at_4)
        with pytest.raises(TrainingInterrupted):
            train(config, out_b, log=silent)
    assert load_checkpoint(out_b / "checkpoints" / "step-000000004.npz").state.step == 4
    monkeypatch.setattr(train_module, "load_init_model", lambda *args: pytest.fail("read again"))
    resumed = train(config, out_b, resume=True, log=silent)
    assert same_bits(resumed.state.center_vectors, whole.state.center_vectors)
    assert same_bits(resumed.state.outside_vectors, whole.state.outside_vectors)


# -- bad input through the command line --------------------------------------------------------------------------


def run_cli(*args):
    result = make_runner().invoke(main, [str(a) for a in args])
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result


def assert_one_error(result, *parts: str) -> str:
    assert result.exit_code == 1, (result.exit_code, result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, result.stderr
    for part in parts:
        assert part in lines[0], (part, lines[0])
    return lines[0]


TRAIN = ["train", "--quiet", "--engine", "numpy", "--dim", "8", "--epochs", "1"]


@pytest.mark.parametrize("text, parts", [
    ("the 5\ncat\n", ["line 2: expected `word count`", "'cat'"]),
    ("the 5\nthe 2\n", ["line 2: 'the' is listed twice (first on line 1)"]),
    ("the 30\nquokka 12\nzebra 11\n", ["2 words of --read-vocab", "never occur in the corpus", "'quokka', 'zebra'"]),
    ("The 30\ncat 12\n", ["a word of --read-vocab", "never occurs in the corpus", "'The'"]),  # lowercased
    ("", ["holds no words"]),
])
def test_bad_vocab_files_are_one_error_line_and_leave_nothing(corpus, tmp_path, text, parts):
    vocab_file = tmp_path / "v.txt"
    vocab_file.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert_one_error(run_cli(*TRAIN, "--corpus", corpus, "--out", out, "--read-vocab", vocab_file), *parts)
    assert not out.exists()  # the run created it, and removed it


def test_a_missing_or_non_utf8_vocab_file_is_one_error_line(corpus, tmp_path):
    assert_one_error(run_cli(*TRAIN, "--corpus", corpus, "--out", tmp_path / "o1", "--read-vocab",
                             tmp_path / "absent.txt"), "absent.txt does not exist")
    binary = tmp_path / "latin1.txt"
    binary.write_bytes(b"caf\xe9 3\n")
    assert_one_error(run_cli(*TRAIN, "--corpus", corpus, "--out", tmp_path / "o2", "--read-vocab", binary),
                     "is not UTF-8 text")


def test_a_failed_read_vocab_run_in_an_existing_folder_leaves_no_vocab_txt(corpus, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.md").write_text("mine\n", encoding="utf-8")
    vocab_file = tmp_path / "v.txt"
    vocab_file.write_text("the 30\nquokka 12\n", encoding="utf-8")
    assert_one_error(run_cli(*TRAIN, "--corpus", corpus, "--out", out, "--read-vocab", vocab_file), "'quokka'")
    assert sorted(p.name for p in out.iterdir()) == ["notes.md"]


def test_init_from_of_another_dimension_or_not_a_model_is_one_error_line(corpus, counted_runs, tmp_path):
    out_a, _ = counted_runs["numpy"]
    line = assert_one_error(run_cli(*TRAIN, "--corpus", corpus, "--out", tmp_path / "o1", "--dim", "16",
                                    "--init-from", out_a / "model.npz"),
                            "has 8-dimensional vectors but this run has --dim 16")
    assert "--dim 8" in line
    assert not (tmp_path / "o1").exists()
    not_model = tmp_path / "x.npz"
    np.savez(not_model, center_vectors=np.zeros((2, 8)))
    assert_one_error(run_cli(*TRAIN, "--corpus", corpus, "--out", tmp_path / "o2", "--init-from", not_model),
                     "is not a w2vcli model.npz (no 'words')")
    assert_one_error(run_cli(*TRAIN, "--corpus", corpus, "--out", tmp_path / "o3", "--init-from",
                             tmp_path / "none.npz"), "none.npz does not exist")
    assert_one_error(run_cli(*TRAIN, "--corpus", corpus, "--out", tmp_path / "o4", "--init-from", corpus),
                     "is unreadable")


def test_init_from_accepts_a_run_folder(corpus, counted_runs, tmp_path):
    out_a, _ = counted_runs["numpy"]
    result = run_cli(*TRAIN, "--corpus", corpus, "--out", tmp_path / "b", "--init-from", out_a)
    assert result.exit_code == 0, result.output
    assert "vocab.txt" in result.stdout
