"""Tests of w2vcli.core: finite differences, hand-derived values, stability, purity, batch forms, docstrings."""
from __future__ import annotations

import copy
import doctest
import inspect
import math
import warnings
from contextlib import contextmanager
from types import SimpleNamespace

import numpy as np
import pytest

from w2vcli import core
from w2vcli.gradcheck import check_gradient

GRAD_TOL = 1e-7  # largest relative error a finite-difference check may show
LN2, LN3 = math.log(2.0), math.log(3.0)
V, D, K = 6, 4, 5  # vocabulary size, dimension and negatives of the random data

# A batch of 3 windows as pairs: w2 twice in window 0, whose center w0 is also one of its outside words; w2 in
# windows 0 and 2 (a row touched by two windows).
BATCH_CENTERS = np.array([0, 3, 2])  # (n,) window i's center word
BATCH_WINDOW_ID = np.array([0, 0, 0, 1, 2, 2])  # (P,) each pair's window
BATCH_OUTSIDE = np.array([2, 0, 2, 5, 1, 2])  # (P,) each pair's outside word


@contextmanager
def no_float_warnings():
    """Turn every Python warning and every NumPy float error (overflow, invalid, divide) into an exception.

    Underflow is left out: exp(-1000) and exp(-2000) round to 0.0, which is the exact float64 answer the tests
    want (σ(-1000) == 0.0), and it cannot be produced without an underflow.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise", under="ignore"):
            yield


def random_data(seed: int = 0) -> SimpleNamespace:
    """Small random float64 problem: V words, d dims, a window with a repeated word, repeated negatives."""
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(V)]
    return SimpleNamespace(
        center_vectors=rng.normal(size=(V, D)),
        outside_vectors=rng.normal(size=(V, D)),
        center_vec=rng.normal(size=D),
        outside_idx=1,
        neg_indices=np.array([3, 3, 0, 5, 3]),  # word 3 drawn three times
        word2ind={w: i for i, w in enumerate(words)},
        center_word="w0",
        window=["w2", "w0", "w2", "w5"],  # w2 twice; the center word may also be an outside word
    )


@pytest.fixture
def data():
    return random_data()


def seeded_neg_sampling(seed: int = 7, num_negatives: int = K):
    """Negative sampling for skipgram/cbow with a seeded Generator; every draw repeats its first negative."""
    rng = np.random.default_rng(seed)

    def sample(outside_idx, k):
        draws = rng.integers(0, V, size=k)
        draws[1] = draws[0]  # force a repeated negative
        return draws

    return core.neg_sampling_with_sampler(sample, num_negatives), rng


def loss_and_rngs(loss_name: str):
    """(loss_and_gradient, rngs for check_gradient) for 'naive-softmax' or 'neg-sampling'."""
    if loss_name == "naive-softmax":
        return core.naive_softmax_loss_and_gradient, ()
    loss_fn, rng = seeded_neg_sampling()
    return loss_fn, (rng,)


# ------------------------------------------------------------------------------------------------------------
# 1. Every gradient against central finite differences


def test_sigmoid_derivative_matches_finite_differences():
    x = np.linspace(-8.0, 8.0, 17) + 0.3
    error = check_gradient(lambda x: (float(np.sum(core.sigmoid(x))), core.sigmoid_grad(x)), x)
    assert error < GRAD_TOL


def test_naive_softmax_grad_center_vec_matches_finite_differences(data):
    def f(v):
        loss, grad_v, _ = core.naive_softmax_loss_and_gradient(v, data.outside_idx, data.outside_vectors)
        return loss, grad_v

    assert check_gradient(f, data.center_vec.copy()) < GRAD_TOL


def test_naive_softmax_grad_outside_vectors_matches_finite_differences(data):
    def f(u):
        loss, _, grad_u = core.naive_softmax_loss_and_gradient(data.center_vec, data.outside_idx, u)
        return loss, grad_u

    assert check_gradient(f, data.outside_vectors.copy()) < GRAD_TOL


NEGATIVE_SETS = {
    "distinct": [0, 2, 3],
    "repeated": [3, 3, 0, 5, 3],
    "all-the-same": [4, 4, 4, 4],
    "outside-word-drawn": [1, 2, 1],  # the outside word itself drawn as a negative
}


@pytest.mark.parametrize("neg_indices", NEGATIVE_SETS.values(), ids=NEGATIVE_SETS.keys())
def test_neg_sampling_grad_center_vec_matches_finite_differences(data, neg_indices):
    def f(v):
        loss, grad_v, _ = core.neg_sampling_loss_and_gradient(
            v, data.outside_idx, data.outside_vectors, neg_indices
        )
        return loss, grad_v

    assert check_gradient(f, data.center_vec.copy()) < GRAD_TOL


@pytest.mark.parametrize("neg_indices", NEGATIVE_SETS.values(), ids=NEGATIVE_SETS.keys())
def test_neg_sampling_grad_outside_vectors_matches_finite_differences(data, neg_indices):
    def f(u):
        loss, _, grad_u = core.neg_sampling_loss_and_gradient(
            data.center_vec, data.outside_idx, u, neg_indices
        )
        return loss, grad_u

    assert check_gradient(f, data.outside_vectors.copy()) < GRAD_TOL


@pytest.mark.parametrize("loss_name", ["naive-softmax", "neg-sampling"])
@pytest.mark.parametrize("model", [core.skipgram, core.cbow], ids=["skipgram", "cbow"])
def test_model_grad_center_vectors_matches_finite_differences(data, model, loss_name):
    loss_fn, rngs = loss_and_rngs(loss_name)

    def f(c):
        loss, grad_c, _ = model(
            data.center_word, data.window, data.word2ind, c, data.outside_vectors, loss_fn
        )
        return loss, grad_c

    assert check_gradient(f, data.center_vectors.copy(), rngs=rngs) < GRAD_TOL


@pytest.mark.parametrize("loss_name", ["naive-softmax", "neg-sampling"])
@pytest.mark.parametrize("model", [core.skipgram, core.cbow], ids=["skipgram", "cbow"])
def test_model_grad_outside_vectors_matches_finite_differences(data, model, loss_name):
    loss_fn, rngs = loss_and_rngs(loss_name)

    def f(u):
        loss, _, grad_u = model(data.center_word, data.window, data.word2ind, data.center_vectors, u, loss_fn)
        return loss, grad_u

    assert check_gradient(f, data.outside_vectors.copy(), rngs=rngs) < GRAD_TOL


# ------------------------------------------------------------------------------------------------------------
# 2. Hand-derived values on a 3-word, 2-dimension example

U_SOFTMAX = np.array([[1.0, 0.0], [1.0, -1.0], [0.0, -1.0]])  # outside vectors of words a, b, c
U_NEG = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, -1.0]])


def test_naive_softmax_hand_derived():
    """Words a, b, c (rows 0, 1, 2); v_c = (ln 2, ln 2); outside word o = a; U = U_SOFTMAX:

        u_a = (1, 0), u_b = (1, -1), u_c = (0, -1)
        scores s = U v_c = (ln 2, ln 2 - ln 2, -ln 2) = (ln 2, 0, -ln 2)
        exp(s) = (2, 1, 1/2),  Σ = 7/2,  ŷ = softmax(s) = (4/7, 2/7, 1/7)
        J = -log ŷ_a = -log(4/7) = ln(7/4)
        ŷ - y = (4/7 - 1, 2/7, 1/7) = (-3/7, 2/7, 1/7)
        ∂J/∂v_c = U^T (ŷ - y) = -3/7 (1, 0) + 2/7 (1, -1) + 1/7 (0, -1)
                = (-3/7 + 2/7, -2/7 - 1/7) = (-1/7, -3/7)
        ∂J/∂U = (ŷ - y) v_c^T, row w = (ŷ - y)_w (ln 2, ln 2):
                row a = -3/7 (ln 2, ln 2),  row b = 2/7 (ln 2, ln 2),  row c = 1/7 (ln 2, ln 2)
    """
    v_c = np.array([LN2, LN2])
    loss, grad_v, grad_u = core.naive_softmax_loss_and_gradient(v_c, 0, U_SOFTMAX)
    assert loss == pytest.approx(math.log(7 / 4), abs=1e-12)
    assert grad_v == pytest.approx([-1 / 7, -3 / 7], abs=1e-12)
    expected_u = np.array([[-3 / 7] * 2, [2 / 7] * 2, [1 / 7] * 2]) * LN2
    assert grad_u.ravel() == pytest.approx(expected_u.ravel(), abs=1e-12)


def test_neg_sampling_hand_derived_with_repeated_negative():
    """Words a, b, c; v_c = (ln 3, ln 2); outside word o = a; U = U_NEG; negatives (b, b): b twice, c never.

        u_a = (1, 0), u_b = (0, 1), u_c = (1, -1)
        s_a = u_a·v_c = ln 3,   σ(ln 3) = 1 / (1 + 1/3) = 3/4
        s_b = u_b·v_c = ln 2,   σ(ln 2) = 1 / (1 + 1/2) = 2/3,   σ(-ln 2) = 1/3
        J = -log σ(s_a) - 2 log σ(-s_b) = ln(4/3) + 2 ln 3 = ln 12          (b counted twice)
        ∂J/∂v_c = (σ(s_a) - 1) u_a + 2 σ(s_b) u_b = -1/4 (1, 0) + 4/3 (0, 1) = (-1/4, 4/3)
        ∂J/∂u_a = (σ(s_a) - 1) v_c = -1/4 (ln 3, ln 2)
        ∂J/∂u_b = 2 σ(s_b) v_c = 4/3 (ln 3, ln 2)                           (twice one draw's 2/3 v_c)
        ∂J/∂u_c = (0, 0)                                                    (never drawn)
    """
    v_c = np.array([LN3, LN2])
    loss, grad_v, grad_u = core.neg_sampling_loss_and_gradient(v_c, 0, U_NEG, [1, 1])
    assert loss == pytest.approx(math.log(12), abs=1e-12)
    assert grad_v == pytest.approx([-1 / 4, 4 / 3], abs=1e-12)
    assert grad_u[0] == pytest.approx([-LN3 / 4, -LN2 / 4], abs=1e-12)
    assert grad_u[1] == pytest.approx([4 / 3 * LN3, 4 / 3 * LN2], abs=1e-12)
    assert grad_u[2] == pytest.approx([0.0, 0.0], abs=1e-12)


def test_neg_sampling_repeated_negative_counts_twice():
    """Same example drawn once, negatives (b,): J = ln(4/3) + ln 3 = ln 4 and ∂J/∂u_b = 2/3 (ln 3, ln 2).

    Drawing b a second time adds -log σ(-s_b) = ln 3 to the loss and doubles row b of ∂J/∂U.
    """
    v_c = np.array([LN3, LN2])
    loss_once, _, grad_once = core.neg_sampling_loss_and_gradient(v_c, 0, U_NEG, [1])
    loss_twice, _, grad_twice = core.neg_sampling_loss_and_gradient(v_c, 0, U_NEG, [1, 1])
    assert loss_once == pytest.approx(math.log(4), abs=1e-12)
    assert loss_twice - loss_once == pytest.approx(LN3, abs=1e-12)
    assert grad_once[1] == pytest.approx([2 / 3 * LN3, 2 / 3 * LN2], abs=1e-12)
    assert grad_twice[1] == pytest.approx(2 * grad_once[1], abs=1e-12)
    assert grad_twice[0] == pytest.approx(grad_once[0], abs=1e-12)  # the outside word's row does not change


def test_skipgram_hand_derived_sums_over_window():
    """Words a, b, c; center word c with v_c = (ln 2, ln 2); window (a, b, a); naive softmax; U = U_SOFTMAX.

    Every pair (c, o) has the scores of test_naive_softmax_hand_derived, so ŷ = (4/7, 2/7, 1/7) for each:
        J = -log ŷ_a - log ŷ_b - log ŷ_a = 2 ln(7/4) + ln(7/2)
        Σ_pairs (ŷ - y_o) = 3 ŷ - 2 y_a - y_b = (12/7 - 2, 6/7 - 1, 3/7) = (-2/7, -1/7, 3/7)
        ∂J/∂v_c = U^T Σ(ŷ - y) = -2/7 (1, 0) - 1/7 (1, -1) + 3/7 (0, -1) = (-3/7, 1/7 - 3/7) = (-3/7, -2/7)
        ∂J/∂V: row c = (-3/7, -2/7); rows a and b = 0 (only the center word's v is used)
        ∂J/∂U = Σ(ŷ - y) v_c^T: row a = -2/7 (ln 2, ln 2), row b = -1/7 (ln 2, ln 2), row c = 3/7 (ln 2, ln 2)
    """
    word2ind = {"a": 0, "b": 1, "c": 2}
    center_vectors = np.array([[5.0, -3.0], [2.0, 7.0], [LN2, LN2]])  # rows a, b are never used
    loss, grad_c, grad_u = core.skipgram(
        "c", ["a", "b", "a"], word2ind, center_vectors, U_SOFTMAX, core.naive_softmax_loss_and_gradient
    )
    assert loss == pytest.approx(2 * math.log(7 / 4) + math.log(7 / 2), abs=1e-12)
    expected_c = np.array([[0.0, 0.0], [0.0, 0.0], [-3 / 7, -2 / 7]])
    assert grad_c.ravel() == pytest.approx(expected_c.ravel(), abs=1e-12)
    expected_u = np.array([[-2 / 7] * 2, [-1 / 7] * 2, [3 / 7] * 2]) * LN2
    assert grad_u.ravel() == pytest.approx(expected_u.ravel(), abs=1e-12)


def test_cbow_hand_derived_mean_of_context_with_repeated_word():
    """Words a, b, c; center word a; context (b, c, c): c twice; negatives always (b, b); U = U_NEG.

        v_b = (ln 3, 3 ln 2), v_c = (ln 3, 0)
        v̂ = (v_b + v_c + v_c) / 3 = ((ln 3 + 2 ln 3) / 3, 3 ln 2 / 3) = (ln 3, ln 2)
    The target is the center word a, so this is test_neg_sampling_hand_derived_with_repeated_negative with v̂:
        J = ln 12,   ∂J/∂v̂ = (-1/4, 4/3)
        ∂J/∂V: row a = 0 (not in the context), row b = 1/3 ∂J/∂v̂ = (-1/12, 4/9),
               row c = 2 × 1/3 ∂J/∂v̂ = (-1/6, 8/9)                      (c's share, once per occurrence)
        ∂J/∂U: row a = -1/4 (ln 3, ln 2), row b = 4/3 (ln 3, ln 2), row c = 0
    """
    word2ind = {"a": 0, "b": 1, "c": 2}
    center_vectors = np.array([[7.0, -7.0], [LN3, 3 * LN2], [LN3, 0.0]])
    calls = []

    def sample(outside_idx, k):
        calls.append((outside_idx, k))
        return np.array([1] * k)

    loss_fn = core.neg_sampling_with_sampler(sample, 2)
    loss, grad_c, grad_u = core.cbow("a", ["b", "c", "c"], word2ind, center_vectors, U_NEG, loss_fn)
    assert calls == [(0, 2)]  # one draw of K = 2 negatives for the target word a
    assert loss == pytest.approx(math.log(12), abs=1e-12)
    expected_c = np.array([[0.0, 0.0], [-1 / 12, 4 / 9], [-1 / 6, 8 / 9]])
    assert grad_c.ravel() == pytest.approx(expected_c.ravel(), abs=1e-12)
    expected_u = np.array([[-1 / 4 * LN3, -1 / 4 * LN2], [4 / 3 * LN3, 4 / 3 * LN2], [0.0, 0.0]])
    assert grad_u.ravel() == pytest.approx(expected_u.ravel(), abs=1e-12)


# ------------------------------------------------------------------------------------------------------------
# 3. softmax


def test_softmax_known_values():
    # exp(0, ln 2, ln 3) = (1, 2, 3), so softmax = (1/6, 2/6, 3/6)
    assert core.softmax(np.array([0.0, LN2, LN3])) == pytest.approx([1 / 6, 2 / 6, 3 / 6], abs=1e-15)


@pytest.mark.parametrize("c", [-1000.0, -3.5, 0.25, 7.0, 1000.0])
def test_softmax_shift_invariance_1d(c):
    x = np.random.default_rng(1).normal(size=8)
    np.testing.assert_allclose(core.softmax(x + c), core.softmax(x), rtol=1e-11, atol=0)


def test_softmax_shift_invariance_rows_shifted_differently():
    x = np.random.default_rng(2).normal(size=(4, 5))
    shifts = np.array([[0.0], [1000.0], [-1000.0], [12.5]])  # one constant per row
    np.testing.assert_allclose(core.softmax(x + shifts), core.softmax(x), rtol=1e-11, atol=0)


def test_softmax_sums_to_one_1d_and_each_row_2d():
    rng = np.random.default_rng(3)
    assert np.sum(core.softmax(rng.normal(scale=10, size=9))) == pytest.approx(1.0, abs=1e-15)
    out = core.softmax(rng.normal(scale=10, size=(5, 9)))
    assert out.shape == (5, 9)
    np.testing.assert_allclose(out.sum(axis=1), np.ones(5), rtol=0, atol=1e-15)


def test_softmax_2d_is_row_wise():
    x = np.random.default_rng(4).normal(size=(3, 4))
    out = core.softmax(x)
    for row_in, row_out in zip(x, out, strict=True):
        np.testing.assert_array_equal(row_out, core.softmax(row_in))


def test_softmax_large_inputs_no_warning():
    with no_float_warnings():
        out_1d = core.softmax(np.array([1000.0, 1000.0, -1000.0]))
        out_2d = core.softmax(np.array([[1000.0, 1000.0, -1000.0], [-1000.0, 0.0, 1000.0]]))
    np.testing.assert_array_equal(out_1d, [0.5, 0.5, 0.0])
    np.testing.assert_array_equal(out_2d, [[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])


# ------------------------------------------------------------------------------------------------------------
# 4. sigmoid, sigmoid_grad, log_sigmoid


def test_sigmoid_at_plus_minus_1000_exact_and_no_warning():
    with no_float_warnings():
        high, low = core.sigmoid(1000.0), core.sigmoid(-1000.0)
        both = core.sigmoid(np.array([-1000.0, 1000.0]))
        grads = core.sigmoid_grad(np.array([-1000.0, 1000.0]))
    assert high == 1.0 and low == 0.0
    np.testing.assert_array_equal(both, [0.0, 1.0])
    np.testing.assert_array_equal(grads, [0.0, 0.0])


def test_sigmoid_at_zero_is_one_half():
    assert core.sigmoid(0.0) == 0.5
    assert core.sigmoid_grad(0.0) == 0.25


def test_sigmoid_known_value():
    assert core.sigmoid(LN3) == pytest.approx(3 / 4, abs=1e-15)  # 1 / (1 + 1/3)


def test_sigmoid_symmetry():
    x = np.linspace(-40.0, 40.0, 81) + 0.1
    np.testing.assert_allclose(core.sigmoid(-x), 1.0 - core.sigmoid(x), rtol=0, atol=1e-15)


@pytest.mark.parametrize(
    "x", [0.3, -2, np.float64(1.5), np.array(0.7)], ids=["float", "int", "np.float64", "0-d"]
)
def test_sigmoid_scalar_in_python_float_out(x):
    assert type(core.sigmoid(x)) is float


def test_sigmoid_array_in_array_out():
    out = core.sigmoid(np.zeros((2, 3)))
    assert isinstance(out, np.ndarray) and out.shape == (2, 3) and out.dtype == np.float64
    np.testing.assert_array_equal(out, np.full((2, 3), 0.5))


def test_log_sigmoid_at_minus_1000_is_finite():
    with no_float_warnings():
        value = core.log_sigmoid(-1000.0)
    assert np.isfinite(value)
    assert value == pytest.approx(-1000.0, rel=1e-15)


def test_log_sigmoid_matches_log_of_sigmoid():
    x = np.linspace(-20.0, 20.0, 41)
    np.testing.assert_allclose(core.log_sigmoid(x), np.log(core.sigmoid(x)), rtol=1e-12, atol=1e-15)


# ------------------------------------------------------------------------------------------------------------
# 5. No function changes its inputs


def purity_cases(d):
    """name -> (function, arguments), covering every public function of core on the random data."""
    loss_fn, _ = seeded_neg_sampling()
    neg_matrix = np.array([[3, 3, 0], [2, 4, 2], [5, 5, 5]])
    return {
        "softmax-1d": (core.softmax, (d.center_vec,)),
        "softmax-2d": (core.softmax, (d.center_vectors,)),
        "sigmoid": (core.sigmoid, (d.center_vec,)),
        "sigmoid_grad": (core.sigmoid_grad, (d.center_vec,)),
        "log_sigmoid": (core.log_sigmoid, (d.center_vec,)),
        "naive-softmax": (
            core.naive_softmax_loss_and_gradient,
            (d.center_vec, d.outside_idx, d.outside_vectors),
        ),
        "neg-sampling": (
            core.neg_sampling_loss_and_gradient,
            (d.center_vec, d.outside_idx, d.outside_vectors, d.neg_indices),
        ),
        "naive-softmax-batch": (
            core.naive_softmax_loss_and_gradient_batch,
            (d.center_vectors[:3], np.array([1, 4, 1]), d.outside_vectors),
        ),
        "neg-sampling-batch": (
            core.neg_sampling_loss_and_gradient_batch,
            (d.center_vectors[:3], np.array([1, 4, 1]), d.outside_vectors, neg_matrix),
        ),
        **{
            f"{model.__name__}-{loss_name}-batch": (
                model,
                (BATCH_CENTERS, BATCH_WINDOW_ID, BATCH_OUTSIDE, d.center_vectors, d.outside_vectors, fn),
            )
            for model in (core.skipgram_batch, core.cbow_batch)
            for loss_name, fn in (
                ("naive-softmax", core.naive_softmax_loss_and_gradient_batch),
                ("neg-sampling", core.neg_sampling_with_sampler(lambda idx, k: np.full((len(idx), k), 3), 2, True)),
            )
        },
        **{
            f"{model.__name__}-{loss_name}": (
                model,
                (d.center_word, d.window, d.word2ind, d.center_vectors, d.outside_vectors, fn),
            )
            for model in (core.skipgram, core.cbow)
            for loss_name, fn in (
                ("naive-softmax", core.naive_softmax_loss_and_gradient),
                ("neg-sampling", loss_fn),
            )
        },
    }


@pytest.mark.parametrize("name", list(purity_cases(random_data())))
def test_function_leaves_inputs_unchanged(name):
    fn, args = purity_cases(random_data())[name]
    saved = [arg if callable(arg) else copy.deepcopy(arg) for arg in args]
    fn(*args)
    for arg, before in zip(args, saved, strict=True):
        if isinstance(arg, np.ndarray):
            np.testing.assert_array_equal(arg, before)
        else:
            assert arg == before


# ------------------------------------------------------------------------------------------------------------
# 6. Batch forms equal the single-example functions


def test_naive_softmax_batch_equals_loop(data):
    center_vecs = data.center_vectors[[0, 2, 2, 5]]  # (P, d)
    outside_idx = np.array([1, 3, 1, 0])  # a repeated outside word, too
    losses, grad_vs, grad_u = core.naive_softmax_loss_and_gradient_batch(
        center_vecs, outside_idx, data.outside_vectors
    )
    assert grad_u.rows is None  # every row of U gets gradient
    grad_u = grad_u.grads
    total_grad_u = np.zeros_like(data.outside_vectors)
    for p, (v, o) in enumerate(zip(center_vecs, outside_idx, strict=True)):
        loss, grad_v, grad_u_p = core.naive_softmax_loss_and_gradient(v, o, data.outside_vectors)
        assert losses[p] == pytest.approx(loss, abs=1e-12)
        np.testing.assert_allclose(grad_vs[p], grad_v, rtol=0, atol=1e-12)
        total_grad_u += grad_u_p
    np.testing.assert_allclose(grad_u, total_grad_u, rtol=0, atol=1e-12)


def test_neg_sampling_batch_equals_loop(data):
    center_vecs = data.center_vectors[[0, 2, 2, 5]]  # (P, d)
    outside_idx = np.array([1, 3, 1, 0])
    neg_indices = np.array([[3, 3, 0], [2, 4, 2], [5, 5, 5], [0, 1, 2]])  # repeats; last row also draws o = 0
    losses, grad_vs, grad_u = core.neg_sampling_loss_and_gradient_batch(
        center_vecs, outside_idx, data.outside_vectors, neg_indices
    )
    target_idx = grad_u.rows.reshape(len(outside_idx), -1)  # (P, 1+K): example p's rows, outside word first
    grad_targets = grad_u.grads.reshape(*target_idx.shape, -1)  # (P, 1+K, d)
    np.testing.assert_array_equal(target_idx, np.concatenate([outside_idx[:, None], neg_indices], axis=1))
    total_single = np.zeros_like(data.outside_vectors)
    for p in range(len(outside_idx)):
        loss, grad_v, grad_u_p = core.neg_sampling_loss_and_gradient(
            center_vecs[p], outside_idx[p], data.outside_vectors, neg_indices[p]
        )
        assert losses[p] == pytest.approx(loss, abs=1e-12)
        np.testing.assert_allclose(grad_vs[p], grad_v, rtol=0, atol=1e-12)
        scattered_p = np.zeros_like(data.outside_vectors)
        np.add.at(scattered_p, target_idx[p], grad_targets[p])  # example p alone
        np.testing.assert_allclose(scattered_p, grad_u_p, rtol=0, atol=1e-12)
        total_single += grad_u_p
    scattered = np.zeros_like(data.outside_vectors)
    np.add.at(scattered, target_idx, grad_targets)  # all examples, repeats accumulate
    np.testing.assert_allclose(scattered, total_single, rtol=0, atol=1e-12)


@pytest.mark.parametrize("loss_name", ["naive-softmax", "neg-sampling"])
@pytest.mark.parametrize("model", ["skipgram", "cbow"])
def test_batch_model_equals_the_sum_of_single_windows(data, model, loss_name):
    """skipgram_batch / cbow_batch = Σ over the windows of skipgram / cbow, loss and both gradients (float64)."""
    single, batch = (core.skipgram, core.skipgram_batch) if model == "skipgram" else (core.cbow, core.cbow_batch)
    predicted = BATCH_OUTSIDE if model == "skipgram" else BATCH_CENTERS  # skip-gram predicts outside words
    negatives = np.random.default_rng(3).integers(0, V, size=(len(predicted), K))  # fixed, repeats included
    asked = []

    def fixed_negatives(outside_idx, k):
        asked.append((outside_idx.tolist(), k))
        return negatives

    if loss_name == "neg-sampling":
        batch_loss = core.neg_sampling_with_sampler(fixed_negatives, K, batch=True)
    else:
        batch_loss = core.naive_softmax_loss_and_gradient_batch
    loss, grad_center, grad_outside = batch(BATCH_CENTERS, BATCH_WINDOW_ID, BATCH_OUTSIDE, data.center_vectors,
                                            data.outside_vectors, batch_loss)

    want_loss, want_center, want_outside = 0.0, np.zeros((V, D)), np.zeros((V, D))
    for i, center in enumerate(BATCH_CENTERS):
        pairs = np.flatnonzero(BATCH_WINDOW_ID == i)
        rows = iter(negatives[pairs] if model == "skipgram" else negatives[[i]])  # this window's examples

        def window_loss(vec, idx, outside, rows=rows):
            return core.neg_sampling_loss_and_gradient(vec, idx, outside, next(rows))

        single_loss = window_loss if loss_name == "neg-sampling" else core.naive_softmax_loss_and_gradient
        loss_i, grad_center_i, grad_outside_i = single(
            f"w{center}", [f"w{o}" for o in BATCH_OUTSIDE[pairs]], data.word2ind, data.center_vectors,
            data.outside_vectors, single_loss,
        )
        want_loss += loss_i
        want_center += grad_center_i
        want_outside += grad_outside_i

    assert isinstance(loss, float)
    assert loss == pytest.approx(want_loss, rel=1e-12)
    np.testing.assert_allclose(grad_center.dense(V), want_center, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(grad_outside.dense(V), want_outside, rtol=1e-12, atol=1e-14)
    assert np.abs(want_center).sum() > 1 and np.abs(want_outside).sum() > 1  # a real comparison, not of zeros
    if loss_name == "neg-sampling":
        assert asked == [(predicted.tolist(), K)]  # one draw for the batch, for the words it predicts


def test_batch_models_touch_only_their_rows(data):
    """skip-gram moves each pair's center row, CBOW each pair's outside word's row (with 1/n of its window's)."""
    loss = core.neg_sampling_with_sampler(lambda idx, k: np.full((len(idx), k), 4), 2, batch=True)
    args = (BATCH_CENTERS, BATCH_WINDOW_ID, BATCH_OUTSIDE, data.center_vectors, data.outside_vectors, loss)
    _, skipgram_center, skipgram_outside = core.skipgram_batch(*args)
    assert skipgram_center.rows.tolist() == [0, 0, 0, 3, 2, 2]  # BATCH_CENTERS[BATCH_WINDOW_ID]
    assert sorted(set(skipgram_outside.rows.tolist())) == [0, 1, 2, 4, 5]  # the outside words and negative w4
    _, cbow_center, cbow_outside = core.cbow_batch(*args)
    assert cbow_center.rows.tolist() == BATCH_OUTSIDE.tolist()
    assert sorted(set(cbow_outside.rows.tolist())) == [0, 2, 3, 4]  # the centers and negative w4
    grads = cbow_center.grads  # (P, d): each pair gets 1/n_i of its window's ∂J/∂v̂, so a window's pairs agree
    assert all(np.array_equal(grads[p], grads[q]) for p, q in [(0, 1), (0, 2), (4, 5)])  # pairs of one window
    assert not np.allclose(grads[0], grads[3])


def test_cbow_batch_needs_an_outside_word_in_every_window(data):
    with pytest.raises(ValueError, match="at least one outside word in every window"):
        core.cbow_batch(np.array([0, 1]), np.array([0, 0]), np.array([2, 3]), data.center_vectors,
                        data.outside_vectors, core.naive_softmax_loss_and_gradient_batch)


def test_row_gradient_dense_sums_repeated_rows():
    grad = core.RowGradient(np.array([2, 0, 2]), np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
    assert grad.dense(4).tolist() == [[3.0, 4.0], [0.0, 0.0], [6.0, 8.0], [0.0, 0.0]]
    whole = core.RowGradient(None, np.ones((2, 2)))
    dense = whole.dense(2)
    dense[0, 0] = 5.0
    assert whole.grads[0, 0] == 1.0  # a copy: the gradient stays as it was


# ------------------------------------------------------------------------------------------------------------
# 7. Docstrings: every function and class of core has a worked example, and every example is true


def test_every_core_function_has_a_true_worked_example():
    public = [obj for name, obj in vars(core).items()
              if (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__ == core.__name__]
    assert len(public) >= 12
    missing = [obj.__name__ for obj in public if ">>>" not in (obj.__doc__ or "")]
    assert missing == []
    result = doctest.testmod(core)
    assert result.failed == 0 and result.attempted >= len(public)
