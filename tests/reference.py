"""Shared test helpers: independent readers of the word2vec formats, a hook into train()'s engine, and the small
matrices and tolerances the compiled updates are checked with against the core."""
from __future__ import annotations

import importlib.util
import inspect
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import w2vcli.train as train_module

ROOT = Path(__file__).resolve().parent.parent


def load_make_toy():
    """corpora/make_toy.py as a module (it is a script, not part of the package)."""
    spec = importlib.util.spec_from_file_location("make_toy", ROOT / "corpora" / "make_toy.py")
    make_toy = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_toy)
    return make_toy


def write_toy_corpus(folder: Path, sentences: int = 2000, seed: int = 3) -> Path:
    """folder/tiny.txt: `sentences` lines from corpora/make_toy.py's generator (planted groups), seeded."""
    path = Path(folder) / "tiny.txt"
    path.write_text("\n".join(load_make_toy().generate(sentences, seed=seed)) + "\n", encoding="utf-8")
    return path


def read_text_vectors(path: Path):
    """(words, (V, d) float32) from a word2vec text file, parsed independently of w2vcli.vectors."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    count, dim = map(int, lines[0].split(" "))
    words, rows = [], []
    for line in lines[1:]:
        word, *values = line.split(" ")
        assert len(values) == dim
        words.append(word)
        rows.append([np.float32(v) for v in values])
    assert len(words) == count
    return words, np.array(rows, dtype=np.float32).reshape(count, dim)


def read_binary_vectors(path: Path):
    """(words, (V, d) float32) from a word2vec binary file in the C tool's layout (newline after each vector)."""
    data = Path(path).read_bytes()
    header, _, rest = data.partition(b"\n")
    count, dim = map(int, header.split(b" "))
    words, rows, at = [], [], 0
    for _ in range(count):
        space = rest.index(b" ", at)
        words.append(rest[at:space].decode("utf-8"))
        rows.append(np.frombuffer(rest[space + 1 : space + 1 + 4 * dim], dtype="<f4"))
        at = space + 1 + 4 * dim
        assert rest[at : at + 1] == b"\n"
        at += 1
    assert at == len(rest)
    return words, np.array(rows, dtype=np.float32).reshape(count, dim)


def same_bits(a, b) -> bool:
    """Both float32 arrays of one shape with identical bits (so -0.0 differs from 0.0)."""
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype == np.float32 and a.shape == b.shape and np.array_equal(
        a.view(np.uint32), b.view(np.uint32)
    )


def hook_engine_reports(monkeypatch, on_report) -> None:
    """Make train()'s engine pass every StepReport through on_report(report) -> report before train() sees it."""
    real = train_module.make_engine

    def make(config, vocab, encoded):
        engine = real(config, vocab, encoded)
        run = engine.run

        def wrapped(state):
            for report in run(state):
                yield on_report(report)

        engine.run = wrapped
        return engine

    monkeypatch.setattr(train_module, "make_engine", make)


def make_runner() -> CliRunner:
    """A CLI runner keeping stdout and stderr apart (Click 8.1 needs mix_stderr=False; 8.2+ always does)."""
    if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters:
        return CliRunner(mix_stderr=False)
    return CliRunner()


# A float32 kernel against the float64 core: a few float32 ulps of the largest entries.
KERNEL_RTOL, KERNEL_ATOL = 1e-5, 2e-7


def kernel_matrices(vocab_size: int, dim: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(center, outside), each (V, d) float32, entries ~ N(0, 0.6²): scores |u·v| well inside (-6, 6)."""
    rng = np.random.default_rng(seed)
    center = (rng.normal(size=(vocab_size, dim)) * 0.6).astype(np.float32)
    outside = (rng.normal(size=(vocab_size, dim)) * 0.6).astype(np.float32)
    return center, outside


def assert_same_step(got, want) -> None:
    """A compiled update's (loss, center, outside) equals the SGD step built from the core's functions."""
    (got_loss, got_center, got_outside), (loss, want_center, want_outside) = got, want
    assert got_loss == pytest.approx(loss, rel=1e-6)
    np.testing.assert_allclose(got_center, want_center, rtol=KERNEL_RTOL, atol=KERNEL_ATOL)
    np.testing.assert_allclose(got_outside, want_outside, rtol=KERNEL_RTOL, atol=KERNEL_ATOL)
