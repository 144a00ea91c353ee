"""Tests of checkpoints and --resume: an interrupted and resumed run equals an uninterrupted one exactly."""
from __future__ import annotations

import json
import os
import signal
import warnings
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from reference import hook_engine_reports, write_toy_corpus

import w2vcli.checkpoint as checkpoint_module
from w2vcli.checkpoint import KEEP, latest_checkpoint, load_checkpoint, save_checkpoint
from w2vcli.cli import main
from w2vcli.config import TrainConfig
from w2vcli.engines.base import TrainState
from w2vcli.errors import TrainingInterrupted, W2VError
from w2vcli.train import train

FINAL_FILES = ["vectors.txt", "vectors.bin", "loss.csv", "config.yaml"]  # the runs compared save txt,bin


def silent(message):
    pass


def checkpoint_names(out: Path) -> list[str]:
    return sorted(p.name for p in (out / "checkpoints").iterdir())


def interrupt_at(step: int, monkeypatch, sig=signal.SIGINT):
    """Make train's engine deliver `sig` to this process right after it finishes `step`, as Ctrl-C would."""

    def deliver(report):
        if report.step == step:
            signal.raise_signal(sig)
        return report

    hook_engine_reports(monkeypatch, deliver)


def assert_same_run(a: Path, b: Path) -> None:
    for name in FINAL_FILES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    with np.load(a / "model.npz") as ma, np.load(b / "model.npz") as mb:
        assert sorted(ma.files) == sorted(mb.files)
        for key in ma.files:
            assert np.array_equal(ma[key], mb[key]), key
    assert checkpoint_names(a) == checkpoint_names(b)
    for run in (a, b):  # model.npz is the final checkpoint, linked
        assert os.path.samefile(run / "model.npz", run / "checkpoints" / checkpoint_names(run)[-1])
    final_a, history_a, meta_a = latest_checkpoint(a / "checkpoints")
    final_b, history_b, meta_b = latest_checkpoint(b / "checkpoints")
    assert np.array_equal(final_a.center_vectors, final_b.center_vectors)
    assert np.array_equal(final_a.outside_vectors, final_b.outside_vectors)
    assert np.array_equal(history_a, history_b)
    assert meta_a == meta_b


SCHEDULES = {
    # name: (config options, step to interrupt at)
    "epochs": (dict(epochs=2, checkpoint_every=100), 250),  # 2 x 287 steps; interrupt between checkpoints
    "iterations": (dict(iterations=300, anneal_every=100, checkpoint_every=50), 150),  # on a checkpoint step
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_toy_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="module")
def uninterrupted(corpus, tmp_path_factory):
    """Run A of each schedule, trained without a stop."""
    runs = {}
    for name, (options, _) in SCHEDULES.items():
        out = tmp_path_factory.mktemp(f"a-{name}") / "out"
        config = TrainConfig(engine="numpy", corpus=str(corpus), dim=8, quiet=True, save="txt,bin", **options)
        runs[name] = (config, out, train(config, out, log=silent))
    return runs


def test_a_checkpoint_knows_its_run_config_and_unpacks_as_state_history_meta(uninterrupted):
    config, out, result = uninterrupted["iterations"]
    checkpoint = latest_checkpoint(out / "checkpoints")
    assert checkpoint.config == config
    state, history, meta = checkpoint
    assert state.step == meta["step"] == 300 and history.shape == (300, 5)


@pytest.mark.parametrize("schedule", list(SCHEDULES))
def test_interrupted_then_resumed_run_equals_uninterrupted_run(schedule, uninterrupted, tmp_path, monkeypatch):
    config, out_a, result_a = uninterrupted[schedule]
    stop = SCHEDULES[schedule][1]
    out_b = tmp_path / "b"
    handler_before = signal.getsignal(signal.SIGINT)
    with monkeypatch.context() as patch:
        interrupt_at(stop, patch)
        with pytest.raises(TrainingInterrupted) as info:
            train(config, out_b, log=silent)
    assert signal.getsignal(signal.SIGINT) is handler_before  # the handler is put back
    assert info.value.exit_code == 130
    message = str(info.value)
    assert f"interrupted at step {stop}" in message
    assert f"w2v train --out {out_b} --resume" in message
    assert f"step-{stop:09d}.npz" in message
    assert checkpoint_names(out_b)[-1] == f"step-{stop:09d}.npz"
    for name in ("vectors.txt", "vectors.bin", "model.npz"):  # outputs are written only at the end
        assert not (out_b / name).exists(), name
    state, history, meta = load_checkpoint(out_b / "checkpoints" / f"step-{stop:09d}.npz")
    assert state.step == stop and len(history) == stop

    logged = []
    result_b = train(config, out_b, resume=True, log=logged.append)
    assert any(f"resuming {out_b} at step {stop}" in line for line in logged)
    assert result_b.state.step == result_a.state.step
    assert np.array_equal(result_b.state.center_vectors, result_a.state.center_vectors)
    assert np.array_equal(result_b.history, result_a.history)
    assert result_b.state.running_loss == result_a.state.running_loss
    assert result_b.state.words_done == result_a.state.words_done
    assert result_b.state.rng.bit_generator.state == result_a.state.rng.bit_generator.state
    assert_same_run(out_a, out_b)


def test_sigterm_exit_code_is_143(corpus, tmp_path, monkeypatch):
    interrupt_at(3, monkeypatch, signal.SIGTERM)
    config = TrainConfig(engine="numpy", corpus=str(corpus), dim=4, iterations=20, quiet=True)
    with pytest.raises(TrainingInterrupted) as info:
        train(config, tmp_path / "out", log=silent)
    assert info.value.exit_code == 143
    assert checkpoint_names(tmp_path / "out") == ["step-000000003.npz"]


def test_resume_skips_a_truncated_newest_checkpoint_and_still_equals_the_uninterrupted_run(
    uninterrupted, tmp_path, monkeypatch
):
    config, out_a, _ = uninterrupted["iterations"]
    out_b = tmp_path / "b"
    with monkeypatch.context() as patch:
        interrupt_at(120, patch)
        with pytest.raises(TrainingInterrupted):
            train(config, out_b, log=silent)
    assert checkpoint_names(out_b) == ["step-000000050.npz", "step-000000100.npz", "step-000000120.npz"]
    newest = out_b / "checkpoints" / "step-000000120.npz"
    newest.write_bytes(newest.read_bytes()[:300])  # a torn write
    with pytest.warns(UserWarning, match="step-000000120.npz"):
        result = train(config, out_b, resume=True, log=silent)
    assert result.state.step == 300
    assert_same_run(out_a, out_b)


# ------------------------------------------------------------------------------------ save/load and keeping 3


def small_state(step: int, seed: int = 0) -> TrainState:
    rng = np.random.default_rng(seed)
    state = TrainState(rng.normal(size=(5, 3)), rng.normal(size=(5, 3)), step, rng, words_done=7 * step,
                       running_loss=1.5 + step)
    state.rng.random(11)  # move the generator off its seed state
    return state


def test_checkpoint_round_trip(tmp_path):
    state = small_state(12)
    history = np.arange(20, dtype=float).reshape(4, 5)
    path = save_checkpoint(tmp_path, state, history, {"dim": 3, "lr": 0.25}, "abc123")
    assert path == tmp_path / "step-000000012.npz"
    loaded, loaded_history, meta = load_checkpoint(path)
    assert np.array_equal(loaded.center_vectors, state.center_vectors)
    assert np.array_equal(loaded.outside_vectors, state.outside_vectors)
    assert loaded.center_vectors.dtype == np.float64
    assert (loaded.step, loaded.words_done, loaded.running_loss) == (12, 84, 13.5)
    assert np.array_equal(loaded_history, history)
    assert meta["config"] == {"dim": 3, "lr": 0.25} and meta["vocab_fingerprint"] == "abc123"
    assert np.array_equal(loaded.rng.random(50), state.rng.random(50))  # the generator continues identically
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


def test_only_the_newest_three_checkpoints_are_kept(tmp_path):
    assert KEEP == 3
    for step in (5, 10, 100, 20, 1000):
        save_checkpoint(tmp_path, small_state(step), np.zeros((0, 5)), {}, "f")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "step-000000020.npz", "step-000000100.npz", "step-000001000.npz"
    ]


def test_a_training_run_keeps_three_checkpoints(uninterrupted):
    _, out, _ = uninterrupted["epochs"]  # 574 steps, a checkpoint every 100 and at the end
    assert checkpoint_names(out) == ["step-000000400.npz", "step-000000500.npz", "step-000000574.npz"]


@pytest.mark.parametrize("garbage", [b"", b"not a zip file at all", b"PK\x03\x04" + bytes(100)])
def test_load_checkpoint_on_garbage_raises_w2verror(tmp_path, garbage):
    path = tmp_path / "step-000000001.npz"
    path.write_bytes(garbage)
    with pytest.raises(W2VError, match="unreadable"):
        load_checkpoint(path)


def test_load_checkpoint_on_a_foreign_npz_raises_w2verror(tmp_path):
    np.savez(tmp_path / "other.npz", center_vectors=np.zeros((2, 2)))
    with pytest.raises(W2VError):
        load_checkpoint(tmp_path / "other.npz")
    path = save_checkpoint(tmp_path, small_state(3), np.zeros((0, 5)), {}, "f")
    with np.load(path) as data:
        arrays = dict(data)
    meta = json.loads(str(arrays["meta"]))
    meta["format_version"] = 999
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez(path, **arrays)
    with pytest.raises(W2VError, match="not a w2vcli checkpoint"):
        load_checkpoint(path)


def test_latest_checkpoint_skips_a_broken_newest_one_with_a_warning(tmp_path):
    for step in (1, 2, 3):
        save_checkpoint(tmp_path, small_state(step), np.zeros((0, 5)), {}, "f")
    newest = tmp_path / "step-000000003.npz"
    newest.write_bytes(newest.read_bytes()[:-40])  # truncated
    with pytest.warns(UserWarning, match="step-000000003.npz.*unreadable"):
        state, _, _ = latest_checkpoint(tmp_path)
    assert state.step == 2
    (tmp_path / "step-000000002.npz").write_bytes(b"garbage")
    with pytest.warns(UserWarning):
        state, _, _ = latest_checkpoint(tmp_path)
    assert state.step == 1
    (tmp_path / "step-000000001.npz").write_bytes(b"")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert latest_checkpoint(tmp_path) is None
    assert latest_checkpoint(tmp_path / "missing") is None


def test_resume_when_every_checkpoint_is_broken_is_a_w2verror(corpus, tmp_path):
    out = tmp_path / "out"
    (out / "checkpoints").mkdir(parents=True)
    (out / "checkpoints" / "step-000000010.npz").write_bytes(b"garbage")
    config = TrainConfig(engine="numpy", corpus=str(corpus), dim=4, iterations=5, quiet=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(W2VError, match="nothing to resume"):
            train(config, out, resume=True, log=silent)


def test_resume_on_another_corpus_is_refused(corpus, tmp_path, monkeypatch):
    out = tmp_path / "out"
    config = TrainConfig(engine="numpy", corpus=str(corpus), dim=4, iterations=20, quiet=True)
    interrupt_at(5, monkeypatch)
    with pytest.raises(TrainingInterrupted):
        train(config, out, log=silent)
    other = write_toy_corpus(tmp_path, sentences=500, seed=9)
    with pytest.raises(W2VError, match="corpus differs"):
        other_config = TrainConfig(engine="numpy", corpus=str(other), dim=4, iterations=20, quiet=True)
        train(other_config, out, resume=True, log=silent)


def test_train_refuses_a_folder_that_holds_a_run_and_resume_of_an_empty_one(corpus, tmp_path):
    config = TrainConfig(engine="numpy", corpus=str(corpus), dim=4, iterations=5, quiet=True)
    with pytest.raises(W2VError, match="nothing to resume"):
        train(config, tmp_path / "empty", resume=True, log=silent)
    train(config, tmp_path / "run", log=silent)
    with pytest.raises(W2VError, match="--resume"):
        train(config, tmp_path / "run", log=silent)


# ---------------------------------------------------------------------------------------------------- the CLI


@pytest.fixture
def interrupted_cli_run(corpus, tmp_path, monkeypatch):
    """A run started with the CLI's options (save: the default, bin), stopped by Ctrl-C after step 100 (library
    call, as the CLI makes)."""
    out = tmp_path / "run"
    config = TrainConfig(engine="numpy", corpus=str(corpus), dim=8, iterations=300, anneal_every=100,
                         checkpoint_every=50,
                         quiet=True)
    with monkeypatch.context() as patch:
        interrupt_at(100, patch)
        with pytest.raises(TrainingInterrupted):
            train(config, out, log=silent)
    return out


def test_cli_resume_continues_the_run(interrupted_cli_run, uninterrupted):
    out = interrupted_cli_run
    assert load_checkpoint(out / "checkpoints" / "step-000000100.npz").config.save == "bin"
    result = CliRunner().invoke(main, ["train", "--out", str(out), "--resume", "--quiet"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("trained 300 steps in ")
    assert result.stdout.endswith(f"wrote {out}/ (vectors.bin, model.npz, vocab.txt, config.yaml, loss.csv, "
                                  "loss.png, pca.png, explore.html)\n")
    assert not (out / "vectors.txt").exists()
    _, out_a, _ = uninterrupted["iterations"]
    assert (out / "vectors.bin").read_bytes() == (out_a / "vectors.bin").read_bytes()
    with np.load(out_a / "model.npz") as ma, np.load(out / "model.npz") as mb:
        for key in ("center_vectors", "outside_vectors", "words", "counts", "history"):
            assert np.array_equal(ma[key], mb[key]), key
        meta_a, meta_b = json.loads(str(ma["meta"])), json.loads(str(mb["meta"]))
    assert (meta_a["config"].pop("save"), meta_b["config"].pop("save")) == ("txt,bin", "bin")
    assert meta_a == meta_b  # the rest of the meta, RNG state included, is the same


def test_cli_resume_may_change_save_and_then_writes_vectors_txt(interrupted_cli_run, uninterrupted):
    out = interrupted_cli_run
    result = CliRunner().invoke(main, ["train", "--out", str(out), "--resume", "--quiet", "--save", "txt,bin"])
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith(f"wrote {out}/ (vectors.txt, vectors.bin, model.npz, vocab.txt, config.yaml, "
                                  "loss.csv, loss.png, pca.png, explore.html)\n")
    _, out_a, _ = uninterrupted["iterations"]  # trained with save txt,bin from the start
    assert_same_run(out_a, out)  # vectors.txt and config.yaml included, bit for bit


def test_cli_resume_reads_the_checkpoint_file_once(interrupted_cli_run, monkeypatch):
    """The CLI needs the stored config and train() the stored state: both come from one read of the file."""
    out = interrupted_cli_run
    reads = []
    real_load = np.load

    def counting_load(file, *args, **kwargs):
        if Path(file).parent == out / "checkpoints":
            reads.append(Path(file).name)
        return real_load(file, *args, **kwargs)

    monkeypatch.setattr(checkpoint_module.np, "load", counting_load)
    result = CliRunner().invoke(main, ["train", "--out", str(out), "--resume", "--quiet"])
    assert result.exit_code == 0, result.output
    assert reads == ["step-000000100.npz"]


def test_cli_resume_with_a_changed_option_is_a_usage_error(interrupted_cli_run):
    out = interrupted_cli_run
    before = checkpoint_names(out)
    result = CliRunner().invoke(main, ["train", "--out", str(out), "--resume", "--dim", "16"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert result.stderr.startswith("Error:") and "--dim" in result.stderr
    assert checkpoint_names(out) == before
    # the same value as the stored run is not a change
    same = CliRunner().invoke(main, ["train", "--out", str(out), "--resume", "--dim", "8", "--quiet"])
    assert same.exit_code == 0, same.output


def test_cli_resume_of_an_empty_folder_is_an_error(tmp_path):
    (tmp_path / "empty").mkdir()
    for out in (tmp_path / "empty", tmp_path / "missing"):
        result = CliRunner().invoke(main, ["train", "--out", str(out), "--resume"])
        assert result.exit_code == 1
        assert result.stderr.startswith("Error:") and "nothing to resume" in result.stderr
        assert "Traceback" not in result.output
    result = CliRunner().invoke(main, ["train", "--resume"])
    assert result.exit_code == 2 and "--out" in result.stderr


def test_cli_second_train_into_a_run_folder_suggests_resume(interrupted_cli_run, corpus):
    out = interrupted_cli_run
    before = checkpoint_names(out)
    result = CliRunner().invoke(
        main, ["train", "--engine", "numpy", "--out", str(out), "--quiet", "--corpus", str(corpus), "--dim", "8"]
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("Error:") and "--resume" in result.stderr and str(out) in result.stderr
    assert "Traceback" not in result.output
    assert checkpoint_names(out) == before
