"""Tests of `w2v train`: the output files, seeded determinism, divergence, atomic outputs, the CLI, and the
acceptance test that the planted groups of corpora/toy.txt are learned."""
from __future__ import annotations

import csv
import errno
import math
import os
import re
import signal
from collections import Counter, namedtuple
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from reference import (
    hook_engine_reports,
    load_make_toy,
    read_binary_vectors,
    read_text_vectors,
    same_bits,
    write_toy_corpus,
)

import w2vcli.checkpoint as checkpoint_module
import w2vcli.outputs as outputs_module
import w2vcli.preflight as preflight_module
import w2vcli.rundir as rundir_module
import w2vcli.train as train_module
from w2vcli.cli import main
from w2vcli.config import TrainConfig, read_config_file, resolve_config
from w2vcli.corpus import Corpus
from w2vcli.encoded import EncodedFile
from w2vcli.engines.base import StepReport
from w2vcli.errors import TrainingInterrupted, W2VError
from w2vcli.train import HISTORY_COLUMNS, train
from w2vcli.vocab import Vocab

shutil_usage = namedtuple("shutil_usage", "total used free")

ROOT = Path(__file__).resolve().parent.parent
OUTPUTS = ["vectors.txt", "vectors.bin", "model.npz", "vocab.txt", "config.yaml", "loss.csv", "loss.png",
           "pca.png", "explore.html"]  # save txt,bin
DEFAULT_OUTPUTS = ["vectors.bin", "model.npz", "vocab.txt", "config.yaml", "loss.csv", "loss.png", "pca.png",
                   "explore.html"]  # save bin
PHASES_LINE = re.compile(r"phases: start (\d+\.\d\d) s, count (\d+\.\d\d) s, encode (\d+\.\d\d) s, "
                         r"train (\d+\.\d\d) s, outputs (\d+\.\d\d) s")


def quiet_config(corpus, **options) -> TrainConfig:
    settings = dict(engine="numpy", corpus=str(corpus), dim=10, epochs=1, checkpoint_every=100, quiet=True)
    settings.update(options)
    return TrainConfig(**settings)


def silent(message):
    pass


def leftovers(folder: Path) -> list[str]:
    """Temporary files of atomic_write (.NAME.XXXX.tmp) left anywhere under folder."""
    return sorted(str(p) for p in folder.rglob("*.tmp"))


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny")
    corpus = write_toy_corpus(folder)
    config = quiet_config(corpus, save="txt,bin")  # both vector files, to compare them with each other
    out = folder / "out"
    result = train(config, out, log=silent)
    return corpus, config, out, result


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    """A run with the default save ("bin"), its log lines kept."""
    folder = tmp_path_factory.mktemp("default")
    corpus = write_toy_corpus(folder, sentences=300)
    messages = []
    result = train(quiet_config(corpus), folder / "out", log=messages.append)
    return folder / "out", result, messages


# ------------------------------------------------------------------------------------------------ the outputs


def test_train_writes_every_output(tiny_run):
    corpus, config, out, result = tiny_run
    for name in OUTPUTS:
        assert (out / name).is_file(), name
        assert (out / name).stat().st_size > 0, name
    assert (out / "checkpoints").is_dir()
    checkpoints = sorted(p.name for p in (out / "checkpoints").iterdir())
    total = result.state.step
    assert checkpoints[-1] == f"step-{total:09d}.npz"  # the final state is checkpointed
    assert os.path.samefile(out / "model.npz", out / "checkpoints" / checkpoints[-1])  # model.npz is that file
    assert leftovers(out) == []
    assert result.out_dir == out


def test_vocab_txt_is_the_counted_vocabulary(tiny_run):
    """OUT/vocab.txt is word2vec's -save-vocab layout of the corpus's own counts: `word count`, most frequent
    first, ties in order of first appearance (Counter's order, stably sorted)."""
    corpus, config, out, result = tiny_run
    counted = Counter(corpus.read_text(encoding="utf-8").lower().split())
    expected = sorted(((w, c) for w, c in counted.items() if c >= config.min_count), key=lambda item: -item[1])
    assert (out / "vocab.txt").read_text(encoding="utf-8") == "".join(f"{w} {c}\n" for w, c in expected)
    assert [w for w, _ in expected] == result.vocab.words


def test_the_default_run_writes_vectors_bin_and_no_vectors_txt(default_run):
    out, result, _ = default_run
    assert sorted(p.name for p in out.iterdir()) == sorted([*DEFAULT_OUTPUTS, "checkpoints"])
    assert "save: bin" in (out / "config.yaml").read_text(encoding="utf-8")
    words, vectors = read_binary_vectors(out / "vectors.bin")
    assert words == result.vocab.words
    assert same_bits(vectors, result.state.center_vectors.astype(np.float32))
    assert leftovers(out) == []


def test_the_log_ends_with_the_seconds_of_each_of_five_phases(default_run):
    out, result, messages = default_run
    assert list(result.phases) == ["start", "count", "encode", "train", "outputs"]
    assert all(seconds >= 0 for seconds in result.phases.values())
    assert result.phases["train"] == result.seconds
    match = PHASES_LINE.fullmatch(messages[-1])
    assert match, messages
    assert [float(g) for g in match.groups()] == [round(s, 2) for s in result.phases.values()]
    assert sum(PHASES_LINE.fullmatch(m) is not None for m in messages) == 1


FINAL_CHECKPOINT_SCHEDULES = {
    # name: (config options, the steps of the checkpoints given the run's total steps)
    "iterations": (dict(engine="numpy", iterations=60, anneal_every=20, checkpoint_every=20),
                   lambda total: [20, 40, 60]),  # the last step is a multiple of checkpoint_every
    "numpy epochs": (dict(engine="numpy", epochs=2, checkpoint_every=1000), lambda total: [total]),  # none due
    "fast epochs": (dict(engine="fast", lr=None, threads=1, epochs=2, checkpoint_every=1000),
                    lambda total: [total]),  # none due (no checkpoint at an epoch's end either)
}


@pytest.mark.parametrize("schedule", list(FINAL_CHECKPOINT_SCHEDULES))
def test_the_final_checkpoint_is_written_once(tmp_path, monkeypatch, schedule):
    """The last step is due a scheduled checkpoint (a multiple of checkpoint_every): it is the
    final checkpoint, written once, with the vocabulary, and linked as model.npz."""
    options, steps = FINAL_CHECKPOINT_SCHEDULES[schedule]
    corpus = write_toy_corpus(tmp_path, sentences=300)
    real_save = train_module.save_checkpoint
    saved = []  # (step, with the vocabulary)

    def counting_save(folder, state, history, config, fingerprint, vocab=None):
        saved.append((state.step, vocab is not None))
        return real_save(folder, state, history, config, fingerprint, vocab)

    monkeypatch.setattr(train_module, "save_checkpoint", counting_save)
    out = tmp_path / "out"
    result = train(quiet_config(corpus, **options), out, log=silent)
    total = result.state.step
    assert saved == [(step, step == total) for step in steps(total)]
    assert os.path.samefile(out / "model.npz", out / "checkpoints" / f"step-{total:09d}.npz")


def test_total_steps_of_the_run(tiny_run):
    corpus, config, out, result = tiny_run
    counts = Counter(corpus.read_text(encoding="utf-8").lower().split())
    tokens = sum(c for c in counts.values() if c >= config.min_count)
    assert tokens == result.vocab.total
    assert result.state.step == math.ceil(tokens / config.batch_size) * config.epochs


def test_vocabulary_is_most_frequent_first_and_model_npz_matches_it(tiny_run):
    corpus, config, out, result = tiny_run
    counter = Counter(w for line in corpus.read_text(encoding="utf-8").splitlines() for w in line.lower().split())
    want = [(w, c) for w, c in counter.most_common() if c >= config.min_count]
    assert result.vocab.words == [w for w, _ in want]
    final = out / "checkpoints" / f"step-{result.state.step:09d}.npz"
    assert os.path.samefile(out / "model.npz", final)  # model.npz is the final checkpoint, linked
    with np.load(out / "model.npz", allow_pickle=False) as model:
        assert sorted(model.files) == ["center_vectors", "counts", "history", "meta", "outside_vectors", "words"]
        assert model["words"].tolist() == [w for w, _ in want]
        assert model["counts"].tolist() == [c for _, c in want]
        assert model["center_vectors"].dtype == np.float64  # the NumPy engine's state, as trained
        assert model["center_vectors"].shape == (len(want), config.dim)
        assert model["outside_vectors"].shape == (len(want), config.dim)
        assert np.array_equal(model["center_vectors"].view(np.uint64), result.state.center_vectors.view(np.uint64))
        assert np.array_equal(model["outside_vectors"].view(np.uint64),
                              result.state.outside_vectors.view(np.uint64))
        assert np.array_equal(model["history"], result.history)
    assert np.all(np.diff(result.vocab.counts) <= 0)


def test_vectors_txt_and_bin_equal_model_npz_bit_for_bit(tiny_run):
    corpus, config, out, result = tiny_run
    with np.load(out / "model.npz") as model:
        words, center = model["words"].tolist(), model["center_vectors"].astype(np.float32)  # as the files hold
    header = (out / "vectors.txt").read_text(encoding="utf-8").splitlines()[0]
    assert header == f"{len(words)} {config.dim}"
    assert (out / "vectors.bin").read_bytes().startswith(f"{len(words)} {config.dim}\n".encode())
    assert words[0] == "the"  # the most frequent word of the toy corpus comes first
    for reader, name in ((read_text_vectors, "vectors.txt"), (read_binary_vectors, "vectors.bin")):
        got_words, got = reader(out / name)
        assert got_words == words, name
        assert same_bits(got, center), name


def test_gensim_loads_vectors_txt_and_bin_identically(tiny_run):
    from gensim.models import KeyedVectors

    corpus, config, out, result = tiny_run
    with np.load(out / "model.npz") as model:
        words, center = model["words"].tolist(), model["center_vectors"].astype(np.float32)
    text = KeyedVectors.load_word2vec_format(str(out / "vectors.txt"))
    binary = KeyedVectors.load_word2vec_format(str(out / "vectors.bin"), binary=True)
    assert list(text.index_to_key) == words
    assert list(binary.index_to_key) == words
    assert same_bits(text.vectors, center)
    assert same_bits(binary.vectors, center)


def test_loss_csv(tiny_run):
    corpus, config, out, result = tiny_run
    with open(out / "loss.csv", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["step", "loss", "step_loss", "lr", "words"] == list(HISTORY_COLUMNS)
    body = np.array(rows[1:], dtype=float)
    total = result.state.step
    assert len(body) == total  # a row per step: fewer than 20,000 steps
    assert body[:, 0].tolist() == list(range(1, total + 1))
    assert int(body[-1, 0]) == total
    assert body[0, 3] == config.effective_lr
    assert np.all(np.diff(body[:, 3]) < 0)  # the epochs schedule decays
    assert np.all(np.diff(body[:, 4]) > 0) and int(body[-1, 4]) == result.state.words_done
    assert body[0, 1] == body[0, 2]  # the running loss starts at the first step's loss
    running = body[0, 2]
    for row in body[1:]:  # then 0.95 old + 0.05 new (to the 6 decimals written)
        running = 0.95 * running + 0.05 * row[2]
        assert row[1] == pytest.approx(running, abs=1e-5)
    assert body[-1, 1] == pytest.approx(result.state.running_loss, abs=1e-6)
    assert body[-1, 1] < body[0, 1]  # it learned something
    np.testing.assert_allclose(body, result.history, atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize("name", ["loss.png", "pca.png"])
def test_plots_are_valid_pngs_at_least_640_by_480(tiny_run, name):
    corpus, config, out, result = tiny_run
    path = out / name
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = matplotlib.image.imread(str(path))
    height, width = image.shape[:2]
    assert width >= 640 and height >= 480
    assert image.std() > 0  # not a blank picture


def test_config_yaml_reproduces_the_run_config(tiny_run):
    corpus, config, out, result = tiny_run
    text = (out / "config.yaml").read_text(encoding="utf-8")
    assert text.startswith("#")
    assert resolve_config(read_config_file(out / "config.yaml")) == config


# ------------------------------------------------------------------------------------------------ determinism


def test_same_seed_same_vectors_other_seed_other_vectors(tmp_path):
    corpus = write_toy_corpus(tmp_path, sentences=600)
    runs = {}
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        runs[name] = train(quiet_config(corpus, seed=seed, epochs=2), tmp_path / name, log=silent)
    assert np.array_equal(runs["a"].state.center_vectors, runs["b"].state.center_vectors)
    assert np.array_equal(runs["a"].state.outside_vectors, runs["b"].state.outside_vectors)
    assert (tmp_path / "a" / "vectors.bin").read_bytes() == (tmp_path / "b" / "vectors.bin").read_bytes()
    assert (tmp_path / "a" / "loss.csv").read_text() == (tmp_path / "b" / "loss.csv").read_text()
    assert not np.allclose(runs["a"].state.center_vectors, runs["c"].state.center_vectors)
    assert (tmp_path / "a" / "vectors.bin").read_bytes() != (tmp_path / "c" / "vectors.bin").read_bytes()


# ------------------------------------------------------------------------------------------------- divergence


def test_huge_learning_rate_diverges_with_a_helpful_error(tmp_path):
    corpus = write_toy_corpus(tmp_path, sentences=600)
    out = tmp_path / "out"
    with pytest.raises(W2VError) as info:
        train(quiet_config(corpus, dim=50, lr=1e6, checkpoint_every=5), out, log=silent)
    message = str(info.value)
    assert "--lr" in message and "diverged" in message
    assert str(out / "checkpoints") in message
    for name in ("vectors.txt", "vectors.bin", "model.npz", "loss.csv", "loss.png", "pca.png"):
        assert not (out / name).exists(), name
    kept = sorted((out / "checkpoints").glob("step-*.npz"))
    assert len(kept) >= 1  # the earlier checkpoints are kept
    assert leftovers(out) == []


def nan_at(step: int, monkeypatch):
    """Make train's engine report a NaN loss at `step` (the real step is still taken)."""

    def to_nan(report):
        return StepReport(report.step, float("nan"), report.lr, report.words) if report.step == step else report

    hook_engine_reports(monkeypatch, to_nan)


def test_nan_loss_stops_training_keeps_earlier_checkpoints(tmp_path, monkeypatch):
    corpus = write_toy_corpus(tmp_path, sentences=600)
    out = tmp_path / "out"
    nan_at(25, monkeypatch)
    with pytest.raises(W2VError) as info:
        train(quiet_config(corpus, checkpoint_every=10), out, log=silent)
    message = str(info.value)
    assert "nan" in message and "step 25" in message and "--lr" in message
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == ["step-000000010.npz", "step-000000020.npz"]
    assert not (out / "vectors.txt").exists() and not (out / "model.npz").exists()
    assert leftovers(out) == []


# ---------------------------------------------------------------------------------------------- atomic outputs


def cannot_link(source, target):
    raise OSError(errno.EXDEV, "Invalid cross-device link")


def fail_linking_then_copying(monkeypatch):
    """model.npz cannot be linked (another file system), and the copy fails half-way (a full disk)."""
    real_copy = outputs_module.shutil.copyfileobj

    def half_a_copy(source, target, *args):
        if Path(str(source.name)).parent.name != "checkpoints":  # not the final checkpoint: copied for real
            return real_copy(source, target, *args)
        target.write(source.read(100))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(outputs_module.os, "link", cannot_link)
    monkeypatch.setattr(outputs_module.shutil, "copyfileobj", half_a_copy)


def fail_renaming_the_link(monkeypatch):
    """model.npz is linked under a temporary name, and renaming that to model.npz fails."""
    real_replace = outputs_module.os.replace

    def failing_replace(source, target):
        if Path(target).name == "model.npz":
            raise OSError(errno.EIO, "Input/output error")
        return real_replace(source, target)

    monkeypatch.setattr(outputs_module.os, "replace", failing_replace)


@pytest.mark.parametrize("failure", [fail_linking_then_copying, fail_renaming_the_link])
def test_a_failure_to_link_or_copy_model_npz_leaves_no_partial_file(tmp_path, monkeypatch, failure):
    corpus = write_toy_corpus(tmp_path, sentences=300)
    out = tmp_path / "out"
    failure(monkeypatch)
    with pytest.raises(OSError, match="No space left on device|Input/output error"):
        train(quiet_config(corpus), out, log=silent)
    assert not (out / "model.npz").exists()
    assert leftovers(out) == []
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []  # no temporary link either
    final = max((out / "checkpoints").glob("step-*.npz"))  # kept: `--resume` writes the outputs from it
    with np.load(final, allow_pickle=False) as checkpoint:
        words, center = checkpoint["words"].tolist(), checkpoint["center_vectors"]  # (V, d) float64
    got_words, got = read_binary_vectors(out / "vectors.bin")  # written before model.npz, complete
    assert got_words == words and same_bits(got, center.astype(np.float32))


def test_a_failed_plot_leaves_no_partial_png(tmp_path, monkeypatch):
    """The drawing child's disk fails half-way through pca.png: loss.png is whole, pca.png absent, no temporary
    file left, and the run ends with one W2VError (the vectors, model.npz and loss.csv were written meanwhile)."""
    corpus = write_toy_corpus(tmp_path, sentences=300)
    child_site = tmp_path / "child-site"  # on the child's PYTHONPATH: its sitecustomize.py runs at start-up
    child_site.mkdir()
    (child_site / "sitecustomize.py").write_text(
        "import matplotlib.figure\n"
        "real_savefig = matplotlib.figure.Figure.savefig\n"
        "calls = []\n"
        "def failing_second_savefig(self, handle, *args, **kwargs):\n"
        "    calls.append(1)\n"
        "    if len(calls) == 1:  # loss.png\n"
        "        return real_savefig(self, handle, *args, **kwargs)\n"
        "    handle.write(b'\\x89PNG\\r\\n\\x1a\\n truncated')  # pca.png: half written, then the disk fails\n"
        "    raise OSError(5, 'Input/output error')\n"
        "matplotlib.figure.Figure.savefig = failing_second_savefig\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("PYTHONPATH", str(child_site))
    out = tmp_path / "out"
    with pytest.raises(W2VError) as info:
        train(quiet_config(corpus), out, log=silent)
    assert str(info.value) == "drawing loss.png and pca.png failed: OSError: [Errno 5] Input/output error"
    assert (out / "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert matplotlib.image.imread(str(out / "loss.png")).shape == (500, 800, 4)
    assert not (out / "pca.png").exists()
    assert leftovers(out) == []
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []
    for name in ("vectors.bin", "model.npz", "loss.csv"):
        assert (out / name).is_file(), name


# ------------------------------------------------------------------------------------------------------ the CLI


def test_cli_train_quiet(tmp_path):
    corpus = write_toy_corpus(tmp_path, sentences=300)
    out = tmp_path / "run"
    result = CliRunner().invoke(
        main,
        ["train", "--engine", "numpy", "--out", str(out), "--quiet", "--corpus", str(corpus), "--epochs", "1",
         "--dim", "8"],
    )
    assert result.exit_code == 0, result.output
    counts = Counter(corpus.read_text(encoding="utf-8").split())
    steps = math.ceil(sum(c for c in counts.values() if c >= 5) / 50)  # in-vocabulary tokens / batch_size
    assert result.stdout.startswith(f"trained {steps:,} steps in ")
    assert "final loss" in result.stdout
    assert result.stdout.endswith(f"wrote {out}/ ({', '.join(DEFAULT_OUTPUTS)})\n")  # the default save: bin
    assert result.stderr == ""  # --quiet: no log lines (not even the phases), no progress bar
    assert sorted(p.name for p in out.iterdir()) == sorted([*DEFAULT_OUTPUTS, "checkpoints"])
    assert (out / "vectors.bin").read_bytes().split(b"\n", 1)[0].endswith(b" 8")


def test_cli_train_save_txt_bin_writes_both_and_logs_the_phases(tmp_path):
    corpus = write_toy_corpus(tmp_path, sentences=300)
    out = tmp_path / "run"
    result = CliRunner().invoke(
        main,
        ["train", "--engine", "numpy", "--out", str(out), "--corpus", str(corpus), "--epochs", "1", "--dim", "8",
         "--save", "txt,bin"],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith(f"wrote {out}/ ({', '.join(OUTPUTS)})\n")
    assert sorted(p.name for p in out.iterdir()) == sorted([*OUTPUTS, "checkpoints"])
    text_words, text = read_text_vectors(out / "vectors.txt")
    binary_words, binary = read_binary_vectors(out / "vectors.bin")
    assert text_words == binary_words and same_bits(text, binary)
    phases = [line for line in result.stderr.splitlines() if line.startswith("phases: ")]
    assert len(phases) == 1 and PHASES_LINE.fullmatch(phases[0]), result.stderr


def test_cli_optional_number_options(tmp_path):
    corpus = write_toy_corpus(tmp_path, sentences=300)
    out = tmp_path / "run"
    result = CliRunner().invoke(
        main,
        ["train", "--engine", "numpy", "--out", str(out), "--quiet", "--corpus", str(corpus), "--dim", "8",
         "--iterations", "30",
         "--anneal-every", "10", "--max-vocab", "50", "--min-lr", "0.001"],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("trained 30 steps in ")
    assert (out / "vectors.bin").read_bytes().startswith(b"50 8\n")  # --max-vocab 50, --dim 8


def test_cli_missing_corpus_is_a_one_line_error(tmp_path):
    missing = tmp_path / "no-such-corpus.txt"
    result = CliRunner().invoke(main, ["train", "--out", str(tmp_path / "run"), "--quiet", "--corpus", str(missing)])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and str(missing) in errors[0]
    assert result.stdout == ""


def test_cli_every_word_below_min_count(tmp_path):
    corpus = tmp_path / "rare.txt"
    corpus.write_text("one two three\nfour five six one\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["train", "--out", str(tmp_path / "run"), "--quiet", "--corpus", str(corpus), "--min-count", "3"]
    )
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert result.stderr.startswith("Error:")
    assert "--min-count" in result.stderr and "'one'" in result.stderr


# ------------------------------------------------------------------------- acceptance: planted groups are learned


def test_default_run_learns_the_planted_groups(tmp_path):
    groups = yaml.safe_load((ROOT / "corpora" / "toy_groups.yaml").read_text(encoding="utf-8"))
    assert groups == load_make_toy().GROUPS
    result = train(TrainConfig(quiet=True), tmp_path / "out", log=silent)
    words = result.vocab.words
    index = result.vocab.word2ind
    vectors = result.state.center_vectors
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    similarity = unit @ unit.T
    np.fill_diagonal(similarity, -np.inf)  # a word is not its own neighbour
    hits, total, per_group = 0, 0, {}
    for name, members in groups.items():
        assert all(w in index for w in members), name
        ok = sum(words[int(np.argmax(similarity[index[w]]))] in members for w in members)
        per_group[name] = ok / len(members)
        hits, total = hits + ok, total + len(members)
    assert hits / total >= 0.9, per_group
    assert all(share > 0.5 for share in per_group.values()), per_group  # most words of every group


def test_training_refuses_when_the_parameters_exceed_available_memory(tmp_path, monkeypatch):
    corpus = write_toy_corpus(tmp_path, sentences=200)
    monkeypatch.setattr(preflight_module, "available_memory", lambda: 1000)  # bytes
    messages = []
    with pytest.raises(W2VError, match=r"needs about .* GiB .* lower --dim, raise --min-count or set --max-vocab"):
        train(quiet_config(corpus, dim=300, min_count=1), tmp_path / "out", log=messages.append)
    words = corpus.read_text().split()
    vocab_size = len(set(words))
    corpus_mb = len(words) * preflight_module.NUMPY_BYTES_PER_TOKEN / 2**20
    assert any(f"{vocab_size * 300 * 2 * 8 / 2**20:,.1f} MB for {vocab_size:,} x 300 vectors x 2 (float64), "
               f"{corpus_mb:,.1f} MB for the corpus" in m for m in messages), messages
    assert not (tmp_path / "out").exists()  # refused before anything was created


def test_the_numpy_engine_counts_its_in_memory_corpus_and_the_fast_engine_does_not(tmp_path, monkeypatch):
    corpus = write_toy_corpus(tmp_path, sentences=2000)  # ~20,000 tokens: 1.3 MB in the NumPy engine
    monkeypatch.setattr(preflight_module, "available_memory", lambda: 400_000)  # bytes
    with pytest.raises(W2VError, match=r"needs about .* GiB .* use --engine fast, which reads the corpus from disk"):
        train(quiet_config(corpus, dim=2, min_count=1), tmp_path / "numpy", log=silent)
    assert not (tmp_path / "numpy").exists()
    messages = []
    train(quiet_config(corpus, dim=2, min_count=1, engine="fast", lr=None, threads=1), tmp_path / "fast",
          log=messages.append)
    assert any("x 2 (float32), the corpus read from disk; 0 MB available" in m for m in messages), messages


def test_a_failed_corpus_creates_no_out_folder(tmp_path):
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    with pytest.raises(W2VError, match="has no words"):
        train(quiet_config(tmp_path / "empty.txt"), tmp_path / "out", log=silent)
    assert not (tmp_path / "out").exists()


def test_a_step_without_windows_does_not_enter_the_running_loss(tmp_path, monkeypatch):
    """A step whose windows were all subsampled away reports loss 0 on 0 words: it must not pull the running
    average (the assignment's 0.95 old + 0.05 new) towards 0, nor start it at 0."""
    corpus = write_toy_corpus(tmp_path, sentences=300)

    def empty_first_step(report):
        return StepReport(report.step, 0.0, report.lr, 0) if report.step == 1 else report

    hook_engine_reports(monkeypatch, empty_first_step)
    result = train(quiet_config(corpus), tmp_path / "out", log=silent)
    steps = result.history[:, 0].astype(int).tolist()
    assert 1 not in steps  # no running average yet after the empty step
    assert result.history[0, 1] == result.history[0, 2]  # it starts at the first real step's loss


# --- the fast engine's encoded corpus on disk -------------------------------------------------------------------


def fast_quiet_config(corpus, **options) -> TrainConfig:
    return quiet_config(corpus, engine="fast", lr=None, threads=1, **options)


def test_stale_encoded_corpora_of_killed_runs_are_removed_and_live_ones_kept(tmp_path):
    corpus = write_toy_corpus(tmp_path, sentences=300)
    out = tmp_path / "out"
    train(fast_quiet_config(corpus), out, log=silent)
    dead = out / ".encoded-999999999"  # a killed run's folder: no lock held
    dead.mkdir()
    (dead / "lock").touch()
    (dead / "tokens.i32").write_bytes(b"\0" * 8)
    with EncodedFile.write([(np.arange(3, dtype=np.int32), np.array([3]))], out / ".encoded-live") as live:
        messages = []
        train(fast_quiet_config(corpus, epochs=2), out, resume=True, log=messages.append)
        assert not dead.exists() and live.folder.exists()  # another run, still going, holds its lock
        assert any(f"sentences into {out}/.encoded-{os.getpid()} (" in m for m in messages), messages
        assert sorted(p.name for p in out.glob(".encoded-*")) == [".encoded-live"]


def test_the_fast_engine_refuses_when_the_encoded_corpus_would_not_fit_on_disk(tmp_path, monkeypatch):
    corpus = write_toy_corpus(tmp_path, sentences=300)
    monkeypatch.setattr(preflight_module.shutil, "disk_usage",
                        lambda path: shutil_usage(total=10**6, used=10**6 - 100, free=100))
    with pytest.raises(W2VError, match=r"encoded corpus, checkpoints and outputs need about .* MB of disk in .*out "
                                       r"but 0 MB is free: free some disk or choose another --out"):
        train(fast_quiet_config(corpus), tmp_path / "out", log=silent)
    assert not (tmp_path / "out").exists()  # the run never started: its folder is gone


@pytest.mark.parametrize("existing_out", [False, True])
def test_sigterm_while_encoding_deletes_the_encoded_corpus_and_what_the_run_created(tmp_path, monkeypatch,
                                                                                      existing_out):
    corpus = write_toy_corpus(tmp_path, sentences=300)
    out = tmp_path / "out"
    if existing_out:
        out.mkdir()
    real_blocks = train_module.encode_blocks_fast

    def blocks_then_sigterm(*args, **kwargs):
        for block in real_blocks(*args, **kwargs):
            yield block
            assert list(out.glob(".encoded-*/tokens.i32"))  # half-way through writing
            signal.raise_signal(signal.SIGTERM)

    monkeypatch.setattr(train_module, "encode_blocks_fast", blocks_then_sigterm)
    handler_before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(TrainingInterrupted) as stopped:
        train(fast_quiet_config(corpus), out, log=silent)
    assert stopped.value.exit_code == 143
    assert str(stopped.value) == "terminated (SIGTERM) before training started"
    if existing_out:
        assert list(out.iterdir()) == []  # no .encoded-*, no .starting-*, no checkpoints/
    else:
        assert not out.exists()
    assert signal.getsignal(signal.SIGTERM) is handler_before  # the handler is gone with the run


def test_sigterm_while_loading_the_checkpoint_to_resume_is_not_swallowed(tmp_path, monkeypatch):
    """The checkpoint reader skips unreadable files with `except W2VError`: SIGTERM must not be one of them."""
    corpus = write_toy_corpus(tmp_path, sentences=300)
    out = tmp_path / "out"
    train(fast_quiet_config(corpus), out, log=silent)
    real_load = checkpoint_module.load_checkpoint

    def load_then_sigterm(path):
        signal.raise_signal(signal.SIGTERM)
        return real_load(path)

    monkeypatch.setattr(checkpoint_module, "load_checkpoint", load_then_sigterm)
    messages = []
    with pytest.raises(TrainingInterrupted, match="terminated"):
        train(fast_quiet_config(corpus, epochs=2), out, resume=True, log=messages.append)
    assert not any("resuming" in m for m in messages), messages


def test_a_full_disk_while_encoding_is_one_clear_error(tmp_path, monkeypatch):
    corpus = write_toy_corpus(tmp_path, sentences=300)

    def full_disk(blocks, folder):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(train_module.EncodedFile, "write", full_disk)
    with pytest.raises(W2VError, match=r"cannot write the encoded corpus to .*out/.encoded-\d+: No space left on "
                                       r"device; free some disk or choose another --out"):
        train(fast_quiet_config(corpus), tmp_path / "out", log=silent)
    assert not (tmp_path / "out").exists()


def test_a_run_that_fails_before_training_leaves_an_existing_out_as_it_was(tmp_path):
    (tmp_path / "lonely.txt").write_text("one\ntwo\none\ntwo\none\ntwo\none\ntwo\none\ntwo\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(W2VError, match="no sentence has two in-vocabulary words"):
        train(fast_quiet_config(tmp_path / "lonely.txt"), out, log=silent)
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]  # no checkpoints/, no .encoded-*


def test_resume_with_another_corpus_is_refused_before_encoding(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = write_toy_corpus(tmp_path / "a", sentences=300), write_toy_corpus(tmp_path / "b", sentences=400)
    out = tmp_path / "out"
    train(fast_quiet_config(first), out, log=silent)
    messages = []
    with pytest.raises(W2VError, match="the corpus differs from the one the checkpoint was trained on"):
        train(fast_quiet_config(second), out, resume=True, log=messages.append)
    assert not any("encoded" in m for m in messages), messages
    assert not list(out.glob(".encoded-*"))


def test_the_disk_check_counts_what_a_resumed_run_already_has_on_disk(tmp_path, monkeypatch):
    corpus = write_toy_corpus(tmp_path, sentences=300)
    out = tmp_path / "out"
    options = dict(dim=300, checkpoint_every=0)  # one checkpoint, the final one: the parameters outweigh the rest
    result = train(fast_quiet_config(corpus, **options), out, log=silent)
    vocab = Vocab.build(Corpus(corpus), min_count=5)
    encoded = vocab.total * 4 + (vocab.corpus_sentences + 1) * 8
    parameters = len(vocab) * 300 * 2 * 4  # P: float32
    later = 4.5 * parameters  # 3 checkpoints kept + 1 being written, vectors.bin; model.npz is a link
    final = out / "checkpoints" / f"step-{result.state.step:09d}.npz"
    assert os.path.samefile(out / "model.npz", final)
    files = [*(out / "checkpoints").glob("step-*.npz"), *(out / n for n in rundir_module.OUTPUT_NAMES)]
    present = sum(p.stat().st_size for p in files if p.is_file()) - final.stat().st_size  # model.npz: once
    assert rundir_module.run_files_bytes(out) == present
    assert later - present > 2 * parameters  # so the check turns on present, counted once
    needed = encoded + later - present

    def free_disk(free):
        monkeypatch.setattr(preflight_module.shutil, "disk_usage",
                            lambda path: shutil_usage(10**12, 10**12 - free, free))

    free_disk(needed - 1)
    with pytest.raises(W2VError, match="need about"):
        train(fast_quiet_config(corpus, epochs=2, **options), out, resume=True, log=silent)
    free_disk(needed)  # enough to resume, not for a new run
    train(fast_quiet_config(corpus, epochs=2, **options), out, resume=True, log=silent)
    with pytest.raises(W2VError, match="need about"):
        train(fast_quiet_config(corpus, **options), tmp_path / "new", log=silent)


def test_the_pngs_are_handed_to_the_child_before_the_final_checkpoint(tmp_path, monkeypatch):
    """The child draws while the final checkpoint is written: its inputs go first, once, with the final history."""
    corpus = write_toy_corpus(tmp_path, sentences=300)
    events = []
    real_draw, real_save = outputs_module.Drawing.draw, train_module.save_checkpoint

    def draw(self, out_dir, vocab, state, history, config):
        events.append(("draw", len(history)))
        return real_draw(self, out_dir, vocab, state, history, config)

    def save(folder, state, history, config, fingerprint, vocab=None):
        events.append(("final" if vocab is not None else "checkpoint", len(history)))
        return real_save(folder, state, history, config, fingerprint, vocab)

    monkeypatch.setattr(outputs_module.Drawing, "draw", draw)
    monkeypatch.setattr(train_module, "save_checkpoint", save)
    result = train(quiet_config(corpus, engine="fast", lr=None, threads=1, epochs=2), tmp_path / "out", log=silent)
    rows = len(result.history)
    assert events[-2:] == [("draw", rows), ("final", rows)]
    assert [name for name, _ in events].count("draw") == 1
    assert (tmp_path / "out" / "pca.png").is_file() and (tmp_path / "out" / "loss.png").is_file()
