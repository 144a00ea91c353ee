"""Hierarchical softmax in w2vcli.core: a hand-computed path, probabilities that sum to 1, finite differences,
skip-gram and CBOW with it, and the batch form equal to the single one."""
from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from w2vcli import core
from w2vcli.gradcheck import check_gradient
from w2vcli.vocab import huffman_tree

GRAD_TOL = 1e-7
COUNTS = np.array([9, 6, 6, 4, 3, 2, 1])  # V = 7; the tree has paths of lengths 2 to 5 (test_tree_has_uneven_paths)
V, D = len(COUNTS), 4

# The 4-word tree of tests/test_huffman.py: w0 = 0, w1 = 11, w2 = 101, w3 = 100; root node 2, then node 1, node 0.
SMALL_TREE = huffman_tree(np.array([5, 3, 2, 1]))


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(V)]
    return dict(
        tree=huffman_tree(COUNTS),
        center_vectors=rng.normal(size=(V, D)),
        outside_vectors=rng.normal(size=(V, D)),
        center_vec=rng.normal(size=D),
        word2ind={w: i for i, w in enumerate(words)},
        window=["w2", "w0", "w2", "w6"],  # w2 twice
    )


def test_tree_has_uneven_paths(data):
    assert data["tree"].lengths.tolist() == [2, 2, 2, 3, 4, 5, 5]


def test_hand_computed_loss_and_gradients():
    """w2's path: node 2 by branch 1, node 1 by branch 0, node 0 by branch 1. With v_c = (1, 0) the scores are the
    first column of U: ln 3, ln 2, ln 4, so

        p(w2) = σ(-ln 3) · σ(ln 2) · σ(-ln 4) = 1/4 · 2/3 · 1/5 = 1/30,    J = ln 30
        coefficients σ(x_j) - (1 - code_j): node 2: 3/4 - 0, node 1: 2/3 - 1 = -1/3, node 0: 4/5 - 0
        ∂J/∂v_c = 3/4 u_2 - 1/3 u_1 + 4/5 u_0,    ∂J/∂u_n = coefficient_n · v_c,  row 3 (no inner node) zero
    """
    u = np.array([[math.log(4), 1.0], [math.log(2), 7.0], [math.log(3), -2.0], [5.0, 5.0]])
    v = np.array([1.0, 0.0])
    loss, grad_v, grad_u = core.hs_loss_and_gradient(v, 2, u, SMALL_TREE)
    assert loss == pytest.approx(math.log(30), abs=1e-12)
    want_grad_v = 0.75 * u[2] - u[1] / 3 + 0.8 * u[0]
    np.testing.assert_allclose(grad_v, want_grad_v, rtol=0, atol=1e-12)
    np.testing.assert_allclose(grad_u, [[0.8, 0.0], [-1 / 3, 0.0], [0.75, 0.0], [0.0, 0.0]], rtol=0, atol=1e-12)


def test_zero_vectors_cost_depth_times_ln2():
    losses = [core.hs_loss_and_gradient(np.zeros(2), w, np.ones((4, 2)), SMALL_TREE)[0] for w in range(4)]
    assert losses == pytest.approx([math.log(2) * n for n in (1, 2, 3, 3)], abs=1e-12)


def test_probabilities_of_the_leaves_sum_to_one(data):
    losses = [core.hs_loss_and_gradient(data["center_vec"], w, data["outside_vectors"], data["tree"])[0]
              for w in range(V)]
    assert math.fsum(math.exp(-loss) for loss in losses) == pytest.approx(1.0, abs=1e-12)
    assert len({round(loss, 6) for loss in losses}) == V  # distinct words, distinct probabilities


def test_two_words_is_negative_sampling_with_no_negatives():
    """With V = 2 the root is the only node: word 1 (branch 0) costs -log σ(u_0·v), negative sampling's positive
    term with u_0 as the outside vector; word 0 (branch 1) costs -log σ(-u_0·v), its negative term."""
    rng = np.random.default_rng(1)
    u, v = rng.normal(size=(2, 3)), rng.normal(size=3)
    tree = huffman_tree(np.array([2, 1]))
    hs = core.hs_loss_and_gradient(v, 1, u, tree)
    neg = core.neg_sampling_loss_and_gradient(v, 0, u, [])
    assert hs[0] == pytest.approx(neg[0], abs=1e-12)
    np.testing.assert_allclose(hs[1], neg[1], rtol=0, atol=1e-12)
    np.testing.assert_allclose(hs[2], neg[2], rtol=0, atol=1e-12)
    assert core.hs_loss_and_gradient(v, 0, u, tree)[0] == pytest.approx(-core.log_sigmoid(-u[0] @ v), abs=1e-12)


@pytest.mark.parametrize("word", range(V))
def test_gradients_match_finite_differences(data, word):
    tree, u, v = data["tree"], data["outside_vectors"], data["center_vec"]
    assert check_gradient(lambda x: core.hs_loss_and_gradient(x, word, u, tree)[:2], v.copy()) < GRAD_TOL
    assert check_gradient(lambda x: core.hs_loss_and_gradient(v, word, x, tree)[::2], u.copy()) < GRAD_TOL
    grad_u = core.hs_loss_and_gradient(v, word, u, tree)[2]
    touched = np.flatnonzero(np.abs(grad_u).sum(axis=1))
    assert touched.tolist() == sorted(tree.points[word, :tree.lengths[word]].tolist())  # the path's rows only
    assert V - 1 not in touched  # row V-1 is no inner node's


@pytest.mark.parametrize("model", [core.skipgram, core.cbow], ids=["skipgram", "cbow"])
def test_models_with_hs_match_finite_differences(data, model):
    loss_fn = core.hs_with_tree(data["tree"])
    args = ("w1", data["window"], data["word2ind"])
    center, outside = data["center_vectors"], data["outside_vectors"]
    assert check_gradient(lambda c: model(*args, c, outside, loss_fn)[:2], center.copy()) < GRAD_TOL
    assert check_gradient(lambda u: model(*args, center, u, loss_fn)[::2], outside.copy()) < GRAD_TOL


def test_batch_equals_loop(data):
    tree, u = data["tree"], data["outside_vectors"]
    center_vecs = data["center_vectors"][[0, 2, 2, 5, 6]]  # (P, d)
    outside_idx = np.array([6, 0, 6, 3, 5])  # paths of lengths 5, 2, 5, 3, 5; a repeated word
    losses, grad_vs, grad_u = core.hs_loss_and_gradient_batch(center_vecs, outside_idx, u, tree)
    want_rows = np.concatenate([tree.points[o, :tree.lengths[o]] for o in outside_idx])
    np.testing.assert_array_equal(grad_u.rows, want_rows)  # example by example, each path from the root
    start, total = 0, np.zeros_like(u)
    for p, o in enumerate(outside_idx):
        loss, grad_v, grad_u_p = core.hs_loss_and_gradient(center_vecs[p], o, u, tree)
        assert losses[p] == pytest.approx(loss, abs=1e-12)
        np.testing.assert_allclose(grad_vs[p], grad_v, rtol=0, atol=1e-12)
        end = start + tree.lengths[o]
        np.testing.assert_allclose(core.RowGradient(grad_u.rows[start:end], grad_u.grads[start:end]).dense(V),
                                   grad_u_p, rtol=0, atol=1e-12)
        start, total = end, total + grad_u_p
    np.testing.assert_allclose(grad_u.dense(V), total, rtol=0, atol=1e-12)


@pytest.mark.parametrize("model", ["skipgram", "cbow"])
def test_batch_models_with_hs_equal_the_sum_of_single_windows(data, model):
    single, batch = (core.skipgram, core.skipgram_batch) if model == "skipgram" else (core.cbow, core.cbow_batch)
    centers, window_id, outside = np.array([0, 3, 2]), np.array([0, 0, 0, 1, 2, 2]), np.array([2, 0, 2, 5, 1, 6])
    loss, grad_center, grad_outside = batch(centers, window_id, outside, data["center_vectors"],
                                            data["outside_vectors"], core.hs_with_tree(data["tree"], batch=True))
    want_loss, want_center, want_outside = 0.0, np.zeros((V, D)), np.zeros((V, D))
    for i, center in enumerate(centers):
        words = [f"w{o}" for o in outside[window_id == i]]
        loss_i, grad_center_i, grad_outside_i = single(f"w{center}", words, data["word2ind"], data["center_vectors"],
                                                       data["outside_vectors"], core.hs_with_tree(data["tree"]))
        want_loss, want_center, want_outside = (want_loss + loss_i, want_center + grad_center_i,
                                                want_outside + grad_outside_i)
    assert loss == pytest.approx(want_loss, rel=1e-12)
    np.testing.assert_allclose(grad_center.dense(V), want_center, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(grad_outside.dense(V), want_outside, rtol=1e-12, atol=1e-14)
    assert np.abs(want_center).sum() > 1 and np.abs(want_outside).sum() > 1


@pytest.mark.parametrize("batch", [False, True])
def test_hs_leaves_inputs_unchanged(data, batch):
    tree = data["tree"]
    saved = (copy.deepcopy(data), [a.copy() for a in tree])
    if batch:
        core.hs_loss_and_gradient_batch(data["center_vectors"][:3], np.array([1, 5, 1]), data["outside_vectors"], tree)
    else:
        core.hs_loss_and_gradient(data["center_vec"], 5, data["outside_vectors"], tree)
    for key in ("center_vectors", "outside_vectors", "center_vec"):
        np.testing.assert_array_equal(data[key], saved[0][key])
    for array, before in zip(tree, saved[1], strict=True):
        np.testing.assert_array_equal(array, before)
