"""Faults with real signals, through a real `w2v train` process: Ctrl-C, SIGTERM and kill -9 mid-run, then
--resume, must end with exactly the vectors of an uninterrupted run (NumPy engine, and the fast engine with one
thread, same seed)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from reference import write_toy_corpus

OPTIONS = [
    "--engine", "numpy", "--dim", "16", "--epochs", "6", "--min-count", "1", "--checkpoint-every", "100", "--quiet",
]
FAST_OPTIONS = [
    "--engine", "fast", "--threads", "1", "--dim", "16", "--epochs", "40", "--min-count", "1", "--checkpoint-every",
    "5", "--quiet",
]


def w2v(*args, check=True) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "w2vcli", *args], capture_output=True, text=True, check=check)


def start(corpus: Path, out: Path, options=OPTIONS) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "w2vcli", "train", "--corpus", str(corpus), "--out", str(out), *options],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def wait_for_checkpoints(out: Path, count: int, process: subprocess.Popen, timeout: float = 60) -> None:
    """Block until `count` checkpoints exist (the run is well under way), failing if the process ends first."""
    deadline = time.monotonic() + timeout
    while len(list((out / "checkpoints").glob("step-*.npz"))) < count:
        assert process.poll() is None, "training finished before it could be interrupted"
        assert time.monotonic() < deadline, "no checkpoint appeared"
        time.sleep(0.01)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_toy_corpus(tmp_path_factory.mktemp("corpus"), sentences=3000)


@pytest.fixture(scope="module")
def uninterrupted(corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("whole") / "run"
    w2v("train", "--corpus", str(corpus), "--out", str(out), *OPTIONS)
    return out


def assert_same_vectors(a: Path, b: Path) -> None:
    assert (a / "vectors.bin").read_bytes() == (b / "vectors.bin").read_bytes()
    assert (a / "loss.csv").read_bytes() == (b / "loss.csv").read_bytes()
    with np.load(a / "model.npz") as model_a, np.load(b / "model.npz") as model_b:
        assert np.array_equal(model_a["outside_vectors"], model_b["outside_vectors"])


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_saves_a_checkpoint_exits_and_resume_equals_uninterrupted(corpus, uninterrupted, tmp_path, sig, code):
    out = tmp_path / "run"
    process = start(corpus, out)
    wait_for_checkpoints(out, 1, process)
    process.send_signal(sig)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == code
    assert stderr.count("Error:") == 1 and "Traceback" not in stderr
    assert f"w2v train --out {out} --resume" in stderr
    assert not (out / "vectors.bin").exists()  # no final outputs from a stopped run
    w2v("train", "--out", str(out), "--resume", "--quiet")
    assert_same_vectors(uninterrupted, out)


def test_kill_9_then_resume_continues_from_the_last_complete_checkpoint(corpus, uninterrupted, tmp_path):
    out = tmp_path / "run"
    process = start(corpus, out)
    wait_for_checkpoints(out, 2, process)
    os.kill(process.pid, signal.SIGKILL)  # no handler runs: whatever was half-written stays half-written
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL
    (out / "checkpoints" / "step-999999999.npz").write_bytes(b"PK\x03\x04torn")  # and a torn newest checkpoint
    resumed = w2v("train", "--out", str(out), "--resume", "--quiet")
    assert "trained" in resumed.stdout
    assert "Warning: checkpoint" in resumed.stderr and "step-999999999.npz is unreadable" in resumed.stderr
    assert "Traceback" not in resumed.stderr
    assert_same_vectors(uninterrupted, out)


def test_kill_9_of_the_fast_engine_leaves_its_encoded_corpus_which_resume_removes(corpus, tmp_path):
    whole = tmp_path / "whole"
    w2v("train", "--corpus", str(corpus), "--out", str(whole), *FAST_OPTIONS)
    assert not list(whole.glob(".encoded-*"))  # a finished run deletes its encoded corpus
    out = tmp_path / "run"
    process = start(corpus, out, FAST_OPTIONS)
    wait_for_checkpoints(out, 2, process)
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL
    assert [p.name for p in out.glob(".encoded-*")] == [f".encoded-{process.pid}"]  # killed: nothing ran
    w2v("train", "--out", str(out), "--resume", "--quiet")
    assert not list(out.glob(".encoded-*"))  # the dead run's folder is gone, and so is the resumed run's
    assert_same_vectors(whole, out)
