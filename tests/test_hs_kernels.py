"""Tests of hierarchical softmax in the fast engine (w2vcli/engines/hs_kernels.py, fast_engine.py with loss hs): each
compiled update against the core's gradients (w2vcli.core.hs_loss_and_gradient), then whole runs: threads, a
falling loss (determinism and resume: tests/test_fast_engine.py, with either loss)."""
from __future__ import annotations

import numpy as np
import pytest
from reference import assert_same_step, kernel_matrices, write_toy_corpus

from w2vcli import core
from w2vcli.config import TrainConfig
from w2vcli.encoded import EncodedCorpus
from w2vcli.engines import fast_engine
from w2vcli.engines import fast_kernels as fk
from w2vcli.engines import hs_kernels as hk
from w2vcli.engines.fast_engine import FastEngine
from w2vcli.train import train
from w2vcli.vocab import huffman_tree

V, D, LR = 9, 12, 0.05
COUNTS = np.array([50, 30, 20, 20, 9, 5, 3, 2, 1])  # (V,): codes of 1 (word 0) to 7 (words 7, 8) branches
TREE = huffman_tree(COUNTS)
PATHS = hk.HuffmanPaths(TREE.codes, TREE.points, TREE.lengths)


def silent(message):
    pass


def scratch(inputs: int = 10):
    """A thread's scratch for the update rules: scores as wide as the longest path (the planning buffers unused)."""
    empty = np.zeros(0, np.int32)
    length = TREE.codes.shape[1]
    return fk.Scratch(np.zeros(1, np.uint64), empty, np.zeros((3, 0), np.int32), np.zeros((0, 0), np.int32),
                      np.zeros(0, np.float32), np.zeros(inputs, np.int32), np.zeros((inputs, D), np.float32),
                      np.zeros((inputs, length), np.float32), np.zeros((inputs, D), np.float32))


def test_the_tree_has_paths_of_one_to_seven_nodes():
    assert TREE.lengths.tolist() == [1, 3, 3, 3, 4, 5, 6, 7, 7]


# --- the math: one update equals the SGD step of w2vcli.core ----------------------------------------------------


@pytest.mark.parametrize("words, pos", [
    ([2, 4, 6, 0, 7], 4),  # distinct context words predicting word 7 (a path of 7 nodes)
    ([4, 4, 8, 7, 4, 2], 2),  # a context word three times around word 8, whose path shares nodes with word 7's
    ([5, 0, 3], 1),  # word 0 at the root's side: a path of one node
], ids=["distinct", "repeated", "one-node"])
def test_skipgram_hs_window_update_is_one_sgd_step_on_the_windows_pair_losses(words, pos):
    """Each context word o predicts the center c: J = Σ_o core.hs_loss_and_gradient(v_o, c, U, tree), every
    gradient at the parameters on entry, one step v_o -= lr ∂J_o/∂v_o (per occurrence), U -= lr ∂J/∂U."""
    center, outside = kernel_matrices(V, D)
    words = np.array(words, dtype=np.int32)
    c, context = int(words[pos]), [int(w) for p, w in enumerate(words) if p != pos]
    loss, want_center, want_outside = 0.0, center.astype(np.float64), outside.astype(np.float64)
    for o in context:
        pair_loss, grad_input, grad_outside = core.hs_loss_and_gradient(center[o].astype(np.float64), c,
                                                                        outside.astype(np.float64), TREE)
        loss += pair_loss
        want_center[o] -= LR * grad_input
        want_outside -= LR * grad_outside

    new_center, new_outside = center.copy(), outside.copy()
    got_loss = hk.skipgram_hs_window_update(fk.Model(new_center, new_outside), words, 0, len(words), pos, PATHS,
                                            np.float32(LR), scratch())

    assert_same_step((got_loss, new_center, new_outside), (loss, want_center, want_outside))
    untouched = [w for w in range(V) if w not in context]
    assert np.array_equal(new_center[untouched], center[untouched])  # only the context rows move
    off_path = [n for n in range(V) if n not in TREE.points[c, :TREE.lengths[c]]]
    assert np.array_equal(new_outside[off_path], outside[off_path])  # only c's inner nodes move (never row V-1)


@pytest.mark.parametrize("words, pos", [([2, 4, 6, 2, 7], 2), ([8, 1, 1, 0], 3)], ids=["long-path", "edge"])
def test_cbow_hs_window_update_is_one_sgd_step_on_the_mean_undivided(words, pos):
    """h = mean of the context rows, J = core.hs_loss_and_gradient(h, c, U, tree); U -= lr ∂J/∂U and every
    context occurrence gets -lr ∂J/∂h, undivided (word2vec C's cbow_mean=1 convention)."""
    center, outside = kernel_matrices(V, D, 1)
    words = np.array(words, dtype=np.int32)
    c, context = int(words[pos]), [int(w) for p, w in enumerate(words) if p != pos]
    h = center[context].astype(np.float64).mean(axis=0)
    loss, grad_h, grad_outside = core.hs_loss_and_gradient(h, c, outside.astype(np.float64), TREE)
    want_center = center.astype(np.float64)
    for w in context:  # every occurrence, undivided
        want_center[w] -= LR * grad_h
    want_outside = outside.astype(np.float64) - LR * grad_outside

    new_center, new_outside = center.copy(), outside.copy()
    got_loss = hk.cbow_hs_window_update(fk.Model(new_center, new_outside), words, 0, len(words), pos, PATHS,
                                        np.float32(LR), scratch())

    assert_same_step((got_loss, new_center, new_outside), (loss, want_center, want_outside))


def test_a_node_scored_beyond_six_on_its_side_gets_no_step():
    """Word 0 hangs from the root by one branch: with u_root·v = ±12 on the side of that branch, σ counts as exact
    (word2vec's clipping), so nothing moves; the loss is not clipped."""
    center, outside = kernel_matrices(V, D, 2)
    root, code = int(TREE.points[0, 0]), int(TREE.codes[0, 0])
    center[1] = 1.0  # the context word's row
    outside[root] = 1.0 if code == 0 else -1.0  # s·u_root·v = 12
    new_center, new_outside = center.copy(), outside.copy()
    loss = hk.skipgram_hs_window_update(fk.Model(new_center, new_outside), np.array([0, 1], np.int32), 0, 2, 0,
                                        PATHS, np.float32(0.1), scratch())
    assert np.array_equal(new_outside, outside) and np.array_equal(new_center, center)
    assert loss == pytest.approx(np.logaddexp(0, -12.0), rel=1e-6)


# --- the engine -------------------------------------------------------------------------------------------------


class Vocab:
    def __init__(self, counts):
        self.counts = np.asarray(counts, dtype=np.int64)

    def __len__(self):
        return len(self.counts)


def test_engine_builds_the_tree_once_and_sizes_scores_by_the_longest_path():
    tokens = np.repeat(np.arange(V), COUNTS).astype(np.int32)  # (N,) counts COUNTS
    config = TrainConfig(engine="fast", loss="hs", dim=D, epochs=1, threads=2, window=3, sample=0.0)
    engine = FastEngine(config, Vocab(COUNTS), EncodedCorpus(tokens, np.array([0, len(tokens)])))
    for got, want in zip(engine.paths, TREE):
        assert np.array_equal(got, want)
    inputs = max(2 * 3, fk.CBOW_SHARE)  # 2 x window, or CBOW's windows
    assert engine._scores.shape == (2, inputs + 1, 7 + fast_engine.PAD_FLOATS)  # L = 7 columns, not K + 1
    assert engine._negatives.shape[2] == 0  # no negatives drawn
    reports = list(engine.run(engine.init_state(1)))
    assert sum(r.words for r in reports) == len(tokens) and all(np.isfinite(r.loss) for r in reports)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_toy_corpus(tmp_path_factory.mktemp("hs"), sentences=2000, seed=3)


def hs_config(corpus, **options) -> TrainConfig:
    settings = dict(corpus=str(corpus), engine="fast", loss="hs", dim=20, epochs=3, threads=1, seed=7, quiet=True)
    settings.update(options)
    return TrainConfig(**settings)


@pytest.mark.parametrize("model", ["skipgram", "cbow"])
def test_two_threads_train_and_the_loss_falls(model, corpus, tmp_path):
    result = train(hs_config(corpus, threads=2, model=model), tmp_path / model, log=silent)
    assert np.all(np.isfinite(result.state.center_vectors))
    assert not result.state.outside_vectors[-1].any()  # row V-1 is no inner node's: never trained (init 0)
    epochs = result.history[:, 2].reshape(3, -1).mean(axis=1)  # (3,) each epoch's mean step loss
    assert epochs[2] < 0.93 * epochs[0]  # measured: skip-gram ~0.87, CBOW ~0.8 (the threads race: runs differ)
