"""Tests of the fast engine (w2vcli/engines/fast_engine.py, fast_kernels.py, kernel_support.py): one compiled
update against the core's gradients, the sampler, the schedule, sentence boundaries, determinism and resume (with
either loss: tests/test_hs_kernels.py has hierarchical softmax's updates) and the config rules."""
from __future__ import annotations

import dataclasses
import signal
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from reference import KERNEL_ATOL, assert_same_step, hook_engine_reports, kernel_matrices, write_toy_corpus

from w2vcli import core
from w2vcli.checkpoint import load_checkpoint
from w2vcli.cli import main
from w2vcli.config import TrainConfig, resolve_config
from w2vcli.encoded import EncodedCorpus, EncodedFile
from w2vcli.engines import fast_engine, kernel_support
from w2vcli.engines import fast_kernels as fk
from w2vcli.engines.base import linear_decay
from w2vcli.engines.fast_engine import FastEngine, chunk_bounds
from w2vcli.errors import ConfigError, TrainingInterrupted
from w2vcli.train import train

ROOT = Path(__file__).resolve().parent.parent
V, D, LR = 9, 12, 0.05


def silent(message):
    pass


def scratch(inputs: int = 10, negatives: int = 5):
    """A thread's scratch for the update rules (the planning buffers are not used by them)."""
    empty = np.zeros(0, np.int32)
    return fk.Scratch(np.zeros(1, np.uint64), empty, np.zeros((3, 0), np.int32), np.zeros((0, 0), np.int32),
                      np.zeros(0, np.float32), np.zeros(inputs + negatives + 1, np.int32),
                      np.zeros((inputs, D), np.float32), np.zeros((inputs, negatives + 1), np.float32),
                      np.zeros((inputs, D), np.float32))


# --- the math: one update equals the SGD step of w2vcli.core ----------------------------------------------------


@pytest.mark.parametrize("words, negatives", [
    ([2, 4, 6, 0, 7], [3, 5, 8, 1, 5]),  # distinct context words; a negative drawn twice
    ([4, 4, 2, 7, 4], [3, 2, 3, 3, 0]),  # a context word twice beside the center, which is also a negative
    ([1, 5, 2, 8, 3, 6, 1], [5, 6, 3, 5, 0]),  # negatives equal to context words (they stay), 6 inputs
], ids=["distinct", "repeated", "clash"])
def test_skipgram_window_update_is_one_sgd_step_on_the_windows_pair_losses(words, negatives):
    """The window around pos: each context word o predicts the center c, J = Σ_o core.neg_sampling_loss_and_gradient(
    v_o, c, U, N \\ {c}), every gradient at the parameters on entry, one step v_o -= lr ∂J_o/∂v_o (per occurrence),
    U -= lr ∂J/∂U."""
    center, outside = kernel_matrices(V, D)
    words = np.array(words, dtype=np.int32)
    lo, hi, pos = 0, len(words), 2
    c, context = int(words[pos]), [int(w) for p, w in enumerate(words) if p != pos]
    negatives = np.array(negatives, dtype=np.int32)
    kept = np.array([k for k in negatives if k != c])  # N minus the center, the word predicted
    loss, want_center = 0.0, center.astype(np.float64)
    want_outside = outside.astype(np.float64)
    for o in context:
        pair_loss, grad_input, grad_outside = core.neg_sampling_loss_and_gradient(
            center[o].astype(np.float64), c, outside.astype(np.float64), kept)
        loss += pair_loss
        want_center[o] -= LR * grad_input
        want_outside -= LR * grad_outside

    new_center, new_outside = center.copy(), outside.copy()
    got_loss = fk.skipgram_window_update(fk.Model(new_center, new_outside), words, lo, hi, pos, negatives,
                                         np.float32(LR), scratch())

    assert_same_step((got_loss, new_center, new_outside), (loss, want_center, want_outside))
    untouched = [w for w in range(V) if w not in context]
    assert np.array_equal(new_center[untouched], center[untouched])  # only the context rows move
    untouched = [w for w in range(V) if w not in {c, *kept.tolist()}]
    assert np.array_equal(new_outside[untouched], outside[untouched])


def test_cbow_windows_update_is_one_sgd_step_on_the_windows_losses_undivided():
    """Three windows sharing N, from one snapshot: h_r = mean of window r's context rows, J = Σ_r
    core.neg_sampling_loss_and_gradient(h_r, c_r, U, N \\ {c_r}); U -= lr ∂J/∂U and every context occurrence of
    window r gets -lr ∂J_r/∂h_r, undivided (word2vec C's cbow_mean=1 convention)."""
    center, outside = kernel_matrices(V, D, 1)
    words = np.array([2, 4, 6, 2, 7, 3, 8], dtype=np.int32)
    plan = np.array([[0, 1, 3], [5, 6, 7], [2, 3, 5]], dtype=np.int32)  # (lo, hi, center) of windows 0..2
    negatives = np.array([1, 3, 6, 3, 8], dtype=np.int32)  # 3 twice; 6, 3 and 8 are centers: skipped for theirs
    loss, want_center = 0.0, center.astype(np.float64)
    want_outside = outside.astype(np.float64)
    for r in range(3):
        lo, hi, i = plan[:, r]
        context = [int(words[p]) for p in range(lo, hi) if p != i]
        c = int(words[i])
        kept = np.array([k for k in negatives if k != c])
        h = center[context].astype(np.float64).mean(axis=0)
        window_loss, grad_h, grad_outside = core.neg_sampling_loss_and_gradient(h, c, outside.astype(np.float64),
                                                                                kept)
        loss += window_loss
        for w in context:  # every occurrence, undivided
            want_center[w] -= LR * grad_h
        want_outside -= LR * grad_outside

    new_center, new_outside = center.copy(), outside.copy()
    got_loss = fk.cbow_windows_update(fk.Model(new_center, new_outside), words, plan, 0, 3, negatives,
                                      np.float32(LR), scratch())

    assert_same_step((got_loss, new_center, new_outside), (loss, want_center, want_outside))


def test_one_cbow_window_is_n_times_the_step_of_the_exact_cbow_gradient():
    """core.cbow gives each context occurrence 1/n of ∂J/∂h; the kernel gives the whole of it (cbow_mean=1)."""
    center, outside = kernel_matrices(V, D, 1)
    words = np.array([2, 4, 6, 2, 7], dtype=np.int32)  # context 2, 4, 2, 7 (2 twice) around the center 6
    negatives = np.array([1, 3, 6, 3, 8], dtype=np.int32)
    kept, context = np.array([1, 3, 3, 8]), [2, 4, 2, 7]
    new_center = center.copy()
    fk.cbow_windows_update(fk.Model(new_center, outside.copy()), words, np.array([[0], [5], [2]], np.int32), 0, 1,
                           negatives, np.float32(LR), scratch())
    word2ind = {str(i): i for i in range(V)}
    _, grad_center_vectors, _ = core.cbow(
        "6", [str(w) for w in context], word2ind, center.astype(np.float64), outside.astype(np.float64),
        lambda vec, idx, out: core.neg_sampling_loss_and_gradient(vec, idx, out, kept),
    )
    np.testing.assert_allclose(new_center - center, -LR * len(context) * grad_center_vectors, rtol=1e-4,
                               atol=KERNEL_ATOL)


def test_scores_beyond_six_are_clipped_as_in_word2vec():
    center, outside = kernel_matrices(V, D, 2)
    center[1] = 1.0  # the context word's input row
    outside[0] = 1.0  # u_0·v_1 = 12 >= 6: σ counts as 1, so the true word's row gets no step
    outside[2] = -1.0  # the negative's score is -12 <= -6: σ(-12) counts as 0, no step either
    new_center, new_outside = center.copy(), outside.copy()
    loss = fk.skipgram_window_update(fk.Model(new_center, new_outside), np.array([0, 1], np.int32), 0, 2, 0,
                                     np.array([2], np.int32), np.float32(0.1), scratch(negatives=1))
    assert np.array_equal(new_outside, outside) and np.array_equal(new_center, center)
    assert loss == pytest.approx(2 * np.logaddexp(0, -12.0), rel=1e-6)  # the loss is not clipped


def test_sigmoid_table_is_exact_to_float32():
    x = np.linspace(-5.999, 5.999, 20001).astype(np.float32)
    got = np.array([fk.sigmoid_terms(v) for v in x], dtype=np.float64)  # (1 - σ(x), -log σ(x))
    np.testing.assert_allclose(got[:, 0], core.sigmoid(-x.astype(np.float64)), rtol=0, atol=1e-7)
    np.testing.assert_allclose(got[:, 1], -core.log_sigmoid(x.astype(np.float64)), rtol=1e-6, atol=1e-7)


# --- the sampler ------------------------------------------------------------------------------------------------


def test_negatives_follow_count_to_the_three_quarters():
    counts = np.array([1000, 300, 50, 7, 1], dtype=np.float64)
    probs = counts**0.75 / (counts**0.75).sum()
    accept, alias = kernel_support.build_alias(probs)
    state = np.array([12345], dtype=np.uint64)
    out = np.array([kernel_support.draw_one(state, accept, alias) for _ in range(200_000)])
    freq = np.bincount(out, minlength=5) / len(out)
    np.testing.assert_allclose(freq, probs, atol=0.004)


# --- segments, chunks, schedule, boundaries ---------------------------------------------------------------------


def test_chunks_end_with_the_sentence_that_reaches_each_multiple_of_chunk_words():
    offsets = [0, 3, 13, 23, 25, 26, 30, 41, 44]
    corpus = EncodedCorpus(np.zeros(44, np.int32), offsets)
    sentences, starts = chunk_bounds(corpus, chunk_words=12)
    # sentence 1 (3-13) passes 12, sentence 3 (23-25) passes 24, sentence 6 (30-41) passes 36: chunks end there
    assert sentences.tolist() == [0, 2, 4, 7, 8]
    assert starts.tolist() == [0, 13, 25, 41, 44]
    for block in (1, 2, 3, 100):  # read a few offsets at a time (as from disk): the same chunks
        got_sentences, got_starts = chunk_bounds(corpus, chunk_words=12, block=block)
        assert got_sentences.tolist() == sentences.tolist() and got_starts.tolist() == starts.tolist()


class Vocab:
    def __init__(self, counts):
        self.counts = np.asarray(counts, dtype=np.int64)

    def __len__(self):
        return len(self.counts)


def engine_for(tokens, offsets, **options) -> FastEngine:
    settings = dict(engine="fast", dim=D, epochs=2, threads=1, sample=0.0, window=3, negative=2)
    settings.update(options)
    counts = np.bincount(tokens, minlength=max(tokens) + 1)
    return FastEngine(TrainConfig(**settings), Vocab(counts), EncodedCorpus(np.array(tokens, np.int32),
                                                                            np.array(offsets, np.int64)))


def test_windows_never_cross_a_sentence():
    tokens = [0, 1, 2, 3] * 50
    apart = engine_for(tokens, np.arange(len(tokens) + 1))  # one word per sentence: no window has context
    state = apart.init_state(1)
    before = state.center_vectors.copy()
    reports = list(apart.run(state))
    assert sum(r.words for r in reports) == 0 and np.array_equal(state.center_vectors, before)
    together = engine_for(tokens, [0, len(tokens)])
    state = together.init_state(1)
    assert sum(r.words for r in together.run(state)) == 2 * len(tokens)  # every center has a context


def test_threads_train_whole_chunks_each_from_its_own_generator():
    rng = np.random.default_rng(1)
    tokens = rng.integers(0, 30, 25_000).tolist()
    offsets = list(range(0, 25_001, 10))
    engine = engine_for(tokens, offsets, threads=3, epochs=1)
    for chunk in range(engine.chunks_per_epoch):
        offsets, tokens_read = engine.read_chunk(chunk)
        assert len(offsets) - 1 == engine.chunks[chunk + 1] - engine.chunks[chunk]
        assert tokens_read.tolist() == tokens[offsets[0]:offsets[-1]]
    # the windows a chunk trains depend on its own generator only, not on which thread took it or the races
    reports = list(engine.run(engine.init_state(1)))
    state = engine.init_state(1)
    one_by_one = [engine.train_chunk(state, c)[1] for c in range(engine.chunks_per_epoch)]
    assert [r.words for r in reports] == one_by_one and sum(one_by_one) > 0.9 * len(tokens)
    assert [r.step for r in reports] == list(range(1, engine.total_steps + 1))  # reported in order


def test_workers_settle_where_train_py_checkpoints_and_when_asked():
    """With threads, a report is settled (no chunk in flight) at every checkpoint step and the end, and soon
    after request_pause; between a settled report and the next step nothing moves the vectors."""
    rng = np.random.default_rng(2)
    tokens = rng.integers(0, 30, 80_000).tolist()
    engine = engine_for(tokens, list(range(0, 80_001, 10)), threads=2, epochs=2, checkpoint_every=3)
    assert engine.chunks_per_epoch == 8
    assert [engine.pause_after(s) for s in (0, 2, 3, 7, 8, 15)] == [3, 3, 6, 9, 9, 16]  # not at epoch ends (8)
    state = engine.init_state(1)
    settled, asked = [], False
    for report in engine.run(state):
        if report.settled:
            settled.append(report.step)
            before = state.center_vectors.copy()
            time.sleep(0.02)  # a worker still running would move the vectors meanwhile
            assert np.array_equal(before, state.center_vectors)
        if report.step == 10 and not asked:
            engine.request_pause()
            asked = True
    assert {3, 6, 9, 12, 15, 16} <= set(settled)
    assert min(s for s in settled if s >= 10) <= 12  # the pause came within the chunks in flight


def test_learning_rate_decays_linearly_over_the_raw_words_of_all_epochs():
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, 20, 45_000).tolist()
    offsets = list(range(0, 45_001, 15))
    engine = engine_for(tokens, offsets, epochs=3, lr=0.04, min_lr=0.001, sample=1e-3)
    reports = list(engine.run(engine.init_state(1)))
    assert len(reports) == engine.total_steps == 3 * engine.chunks_per_epoch
    assert reports[0].lr == 0.04
    lrs = np.array([r.lr for r in reports])
    assert np.all(np.diff(lrs) < 0) and lrs[-1] > 0.001
    starts = np.array([engine.chunk_starts[s % engine.chunks_per_epoch] + (s // engine.chunks_per_epoch) * 45_000
                       for s in range(len(reports))])
    np.testing.assert_allclose(lrs, 0.04 - 0.039 * starts / (3 * 45_000))


def test_the_kernels_schedule_is_base_linear_decay_compiled():
    for progress in (0.0, 0.25, 0.999, 1.0, 1.5):  # fastmath may fuse the multiply-add: one rounding fewer
        assert fk._linear_decay(0.025, 0.0001, progress) == pytest.approx(linear_decay(0.025, 0.0001, progress),
                                                                          rel=1e-12)
    assert fk._linear_decay(0.025, 0.0, 0.25) == pytest.approx(0.01875, rel=1e-12)
    assert fk._linear_decay(0.04, 0.001, 2.0) == 0.001  # never below lr_end


class ReadSpy:
    """Wraps an encoded corpus and records the largest token read (to show the engine streams its chunks)."""

    def __init__(self, corpus):
        self.corpus, self.largest_read = corpus, 0
        self.num_tokens, self.num_sentences = corpus.num_tokens, corpus.num_sentences
        self.longest_sentence = corpus.longest_sentence

    def sentence_offsets(self, first, last):
        return self.corpus.sentence_offsets(first, last)

    def token_range(self, start, stop):
        self.largest_read = max(self.largest_read, stop - start)
        return self.corpus.token_range(start, stop)

    def offset_blocks(self, size):
        return self.corpus.offset_blocks(size)


def test_training_from_files_reads_a_chunk_at_a_time_and_equals_training_in_memory(tmp_path):
    rng = np.random.default_rng(5)
    lengths = rng.integers(1, 40, 3000)  # (S,) sentences of 1-39 words, ~60,000 tokens: 6 chunks
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    tokens = rng.integers(0, 50, offsets[-1]).astype(np.int32)
    in_memory = EncodedCorpus(tokens, offsets)
    settings = dict(engine="fast", dim=D, epochs=2, threads=1, sample=1e-2, window=4, negative=3, seed=2)
    counts = np.bincount(tokens, minlength=50)
    with EncodedFile.write([(tokens, lengths)], tmp_path / "encoded") as on_disk:
        spy = ReadSpy(on_disk)
        engines = [FastEngine(TrainConfig(**settings), Vocab(counts), corpus) for corpus in (in_memory, spy)]
        states = [engine.init_state(2) for engine in engines]
        reports = [[(r.loss, r.lr, r.words) for r in engine.run(state)] for engine, state in zip(engines, states)]
    assert engines[1].chunks_per_epoch >= 5
    assert reports[0] == reports[1]
    assert np.array_equal(states[0].center_vectors, states[1].center_vectors)
    assert np.array_equal(states[0].outside_vectors, states[1].outside_vectors)
    assert 10_000 <= spy.largest_read < 10_000 + lengths.max()  # one chunk, never the corpus
    assert not (tmp_path / "encoded").exists()  # closing deletes the files


def test_chunk_by_chunk_reading_equals_the_kernel_on_the_whole_corpus():
    """The engine hands the kernel one chunk's tokens and offsets with raw_before = epoch · N + the chunk's start;
    that must be the same training as the kernel run over the whole corpus in memory with raw_before = epoch · N
    (how the engine worked before it streamed), learning rates included."""
    rng = np.random.default_rng(11)
    lengths = rng.integers(1, 30, 2500)  # (S,)
    offsets = np.concatenate([[0], np.cumsum(lengths)])  # (S + 1,), ~37,000 tokens: 4 chunks
    tokens = rng.integers(0, 40, offsets[-1]).astype(np.int32)  # (N,)
    engine = engine_for(tokens.tolist(), offsets, epochs=2, sample=1e-2, lr=0.05, min_lr=0.0001)
    config, n = engine.config, len(tokens)
    state = engine.init_state(4)
    whole = engine.init_state(4)
    list(engine.run(state))
    for epoch in range(config.epochs):
        for chunk in range(engine.chunks_per_epoch):
            engine.scratch[0].rng_state[0] = engine.chunk_rng_state(epoch, chunk)
            schedule = fk.Schedule(config.effective_lr, config.final_lr, epoch * n, config.epochs * n)
            fk.train_segments(fk.Model(whole.center_vectors, whole.outside_vectors), tokens, offsets,
                            engine.chunks[chunk], engine.chunks[chunk + 1], engine.tables, schedule,
                            fk.Settings(config.window, False), engine.scratch[0])
    assert engine.chunks_per_epoch >= 3
    assert np.array_equal(state.center_vectors, whole.center_vectors)
    assert np.array_equal(state.outside_vectors, whole.outside_vectors)


# --- whole runs: determinism, threads, resume, CLI --------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_toy_corpus(tmp_path_factory.mktemp("fast"), sentences=2000, seed=3)


def fast_config(corpus, **options) -> TrainConfig:
    settings = dict(corpus=str(corpus), engine="fast", dim=20, epochs=3, threads=1, seed=7, quiet=True)
    settings.update(options)
    return TrainConfig(**settings)


@pytest.fixture(scope="module", params=["neg", "hs"])
def run_a(request, corpus, tmp_path_factory):
    """(out, config, result) of one run, with negative sampling and with hierarchical softmax (hs_kernels.py)."""
    config = fast_config(corpus, loss=request.param)
    out = tmp_path_factory.mktemp("a") / "run"
    return out, config, train(config, out, log=silent)


def test_one_thread_same_seed_same_vectors(run_a, tmp_path):
    out_a, config, result_a = run_a
    result_b = train(config, tmp_path / "b", log=silent)
    assert result_a.state.center_vectors.dtype == np.float32
    assert np.array_equal(result_a.state.center_vectors, result_b.state.center_vectors)
    assert np.array_equal(result_a.state.outside_vectors, result_b.state.outside_vectors)
    assert (out_a / "vectors.bin").read_bytes() == (tmp_path / "b" / "vectors.bin").read_bytes()
    other = train(dataclasses.replace(config, seed=8), tmp_path / "c", log=silent)
    assert not np.array_equal(other.state.center_vectors, result_a.state.center_vectors)


def test_checkpoints_only_when_due_and_loss_falls(run_a):
    out, _, result = run_a  # 3 epochs of fewer than checkpoint_every (5,000) steps: only the final checkpoint
    names = sorted(p.name for p in (out / "checkpoints").iterdir())
    assert names == [f"step-{result.state.step:09d}.npz"]
    history = result.history
    assert history[-1, 2] < history[0, 2] - 1.0  # the step loss falls
    assert np.all(np.isfinite(result.state.center_vectors))


def test_resumed_run_equals_uninterrupted_run(run_a, tmp_path, monkeypatch):
    out_a, config, result_a = run_a
    stop = result_a.state.step // 3 + 1  # one step into the second epoch
    out_b = tmp_path / "b"

    def deliver(report):
        if report.step == stop:
            signal.raise_signal(signal.SIGINT)
        return report

    with monkeypatch.context() as patch:
        hook_engine_reports(patch, deliver)
        with pytest.raises(TrainingInterrupted):
            train(config, out_b, log=silent)
    state, _, _ = load_checkpoint(out_b / "checkpoints" / f"step-{stop:09d}.npz")
    assert state.step == stop and state.center_vectors.dtype == np.float32
    assert not list(out_b.glob(".encoded-*"))  # the interrupted run deleted its encoded corpus
    result_b = train(config, out_b, resume=True, log=silent)
    assert np.array_equal(result_b.state.center_vectors, result_a.state.center_vectors)
    assert np.array_equal(result_b.state.outside_vectors, result_a.state.outside_vectors)
    assert np.array_equal(result_b.history, result_a.history)
    for name in ("vectors.bin", "loss.csv", "config.yaml"):
        assert (out_b / name).read_bytes() == (out_a / name).read_bytes(), name
    with np.load(out_a / "model.npz") as model_a, np.load(out_b / "model.npz") as model_b:
        assert model_b["center_vectors"].dtype == np.float32
        assert sorted(model_a.files) == sorted(model_b.files)
        for key in model_a.files:
            assert np.array_equal(model_a[key], model_b[key]), key


def test_two_threads_and_cbow_train(corpus, tmp_path):
    result = train(fast_config(corpus, threads=2, model="cbow", epochs=2), tmp_path / "cbow", log=silent)
    assert np.all(np.isfinite(result.state.center_vectors))
    assert result.history[-1, 2] < result.history[0, 2]


def test_cli_fast_engine(corpus, tmp_path):
    out = tmp_path / "cli"
    result = CliRunner().invoke(main, ["train", "--corpus", str(corpus), "--engine", "fast", "--threads", "1",
                                       "--dim", "10", "--epochs", "1", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    config = (out / "config.yaml").read_text()
    assert "engine: fast" in config and "threads: 1" in config
    assert "lr: null  # " in config and "(this run: 0.025)" in config  # empty lr: the engine default, said


# --- config -----------------------------------------------------------------------------------------------------


def test_lr_defaults_to_the_engines_own():
    assert TrainConfig().engine == "fast" and TrainConfig().effective_lr == 0.025
    assert TrainConfig(engine="numpy").effective_lr == 0.3
    assert TrainConfig(engine="fast").effective_lr == 0.025
    assert TrainConfig(engine="fast", model="cbow").effective_lr == 0.05
    assert TrainConfig(engine="fast", lr=0.01).effective_lr == 0.01
    assert resolve_config({"engine": "fast"}, {"lr": None}).effective_lr == 0.025
    # an empty lr stays empty, so a saved config switched to another engine gets that engine's default
    assert resolve_config({"engine": "fast"}, {"engine": "numpy"}).effective_lr == 0.3
    assert TrainConfig().threads == 0


@pytest.mark.parametrize(
    "options, words",
    [
        (dict(loss="softmax"), ["loss softmax", "engine: fast"]),
        (dict(iterations=100), ["iterations", "engine: fast", "--epochs"]),
        (dict(threads=-1), ["threads"]),
    ],
)
def test_options_the_fast_engine_cannot_honour_are_config_errors(options, words):
    with pytest.raises(ConfigError) as err:
        TrainConfig(engine="fast", **options)
    for word in words:
        assert word in str(err.value)


def test_cli_fast_with_softmax_is_a_one_line_error():
    result = CliRunner().invoke(main, ["train", "--engine", "fast", "--loss", "softmax"])
    assert result.exit_code == 2 and result.output.startswith("Error: loss softmax is not available"), result.output


def test_scratch_is_sized_by_the_longest_chunk_not_the_window():
    """A window far larger than any sentence reserves no more scratch than a window that spans it."""
    tokens, offsets = [0, 1, 2, 3, 4] * 4, [0, 5, 10, 15, 20]
    huge = engine_for(tokens, offsets, window=10_000, threads=4)
    spanning = engine_for(tokens, offsets, window=4, threads=4)
    assert huge._plan.shape == spanning._plan.shape == (4, 3, 20)  # a window per kept token of the one chunk
    assert huge._negatives.nbytes == spanning._negatives.nbytes
    inputs = max(2 * 4, fk.CBOW_SHARE)  # 2 x reach, or CBOW's windows
    assert huge._rows.shape == spanning._rows.shape == (4, inputs + 2 + 1 + fast_engine.PAD_FLOATS)  # + K + 1
    assert huge._steps.shape == spanning._steps.shape == (4, inputs + 1, D)


def test_sigmoid_terms_of_nan_is_nan():
    one_minus_sigma, loss = fk.sigmoid_terms(np.float32(np.nan))
    assert np.isnan(one_minus_sigma) and np.isnan(loss)


def test_cached_kernels_are_dropped_when_a_file_they_inline_changes(tmp_path):
    """numba keys its cache by the kernel file's text alone; forget_stale_cache adds the files it inlines."""
    module, dependency, cache = tmp_path / "kernels.py", tmp_path / "support.py", tmp_path / "__pycache__"
    module.write_text("")
    dependency.write_text("X = 1\n")
    cache.mkdir()
    kernel_support.forget_stale_cache(str(module), [str(dependency)])  # first run: stamps the dependency's text
    cached = [cache / "kernels.train-10.py311.nbi", cache / "kernels.train-10.py311.1.nbc"]
    for path in cached:
        path.write_bytes(b"compiled")
    kernel_support.forget_stale_cache(str(module), [str(dependency)])  # unchanged: the cache stays
    assert all(path.exists() for path in cached)
    dependency.write_text("X = 2\n")
    kernel_support.forget_stale_cache(str(module), [str(dependency)])  # changed: compiled anew
    assert not any(path.exists() for path in cached)


def test_a_vocabulary_of_two_words_trains():
    """Negatives shared by a window may all be its context words: they are skipped, never redrawn forever."""
    for model in ("skipgram", "cbow"):
        engine = engine_for([0, 1] * 2000, [0, 4000], model=model, window=5, negative=3, epochs=1)
        reports = list(engine.run(engine.init_state(1)))
        assert sum(r.words for r in reports) == 4000 and all(np.isfinite(r.loss) for r in reports)


def test_shared_negatives_are_redrawn_when_they_hit_a_word_predicted():
    """Never a center of the windows sharing them (the word they predict, in both models), while the vocabulary has
    other words; a vocabulary with no other word gives up after MAX_REDRAWS (the update skips it)."""
    probs = np.array([0.3, 0.2, 0.25, 0.25])  # words 0 and 1 are drawn half of the time
    accept, alias = kernel_support.build_alias(probs)
    tables = fk.SamplingTables(np.ones(4), accept, alias)
    buf = np.array([0, 2, 1, 3], np.int32)
    plan = np.array([[0, 0], [3, 4], [1, 2]], np.int32)  # window 0: positions 0..2 around 1; window 1: 0..3 around 2
    state = np.array([7], np.uint64)
    out = np.zeros(5, np.int32)
    drawn = []
    for _ in range(400):
        fk.draw_shared_negatives(state, tables, buf, plan, 0, 1, out)  # one window: center 2
        drawn.extend(out.tolist())
    assert set(drawn) == {0, 1, 3}
    drawn = []
    for _ in range(400):
        fk.draw_shared_negatives(state, tables, buf, plan, 0, 2, out)  # two windows: centers 2 and 1
        drawn.extend(out.tolist())
    assert set(drawn) == {0, 3}
    tiny = fk.SamplingTables(np.ones(1), *kernel_support.build_alias(np.array([1.0])))
    fk.draw_shared_negatives(state, tiny, np.array([0, 0], np.int32), np.array([[0], [2], [1]], np.int32), 0, 1,
                             out)  # the only word is the center: no draw can avoid it
    assert set(out.tolist()) == {0}
