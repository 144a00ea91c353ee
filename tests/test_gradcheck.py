"""Tests of w2vcli.gradcheck: check_gradient itself, run_gradchecks, and the `w2v gradcheck` command."""
from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from w2vcli import core
from w2vcli.cli import main
from w2vcli.gradcheck import check_gradient, run_gradchecks

GRAD_TOL = 1e-7  # a correct gradient checks below this
WRONG = 1e-2  # a planted wrong gradient checks above this
V, D = 5, 3


@pytest.fixture
def problem():
    """Random float64 naive-softmax problem: center vector (d,), outside index, outside vectors (V, d)."""
    rng = np.random.default_rng(11)
    return rng.normal(size=D), 2, rng.normal(size=(V, D))


@pytest.fixture
def keep_global_random_state():
    """Put NumPy's global random state back after a test that seeds it."""
    state = np.random.get_state()
    yield
    np.random.set_state(state)


def softmax_wrt_outside(center_vec, outside_idx, scale=1.0):
    """f(U) = (naive-softmax loss, scale × its gradient w.r.t. U)."""

    def f(u):
        loss, _, grad_u = core.naive_softmax_loss_and_gradient(center_vec, outside_idx, u)
        return loss, scale * grad_u

    return f


def neg_sampling_wrt_center(outside_idx, outside_vectors, draw_negatives):
    """f(v) = (neg-sampling loss, gradient w.r.t. v), with negatives drawn anew on every call."""

    def f(v):
        negatives = draw_negatives()
        loss, grad_v, _ = core.neg_sampling_loss_and_gradient(v, outside_idx, outside_vectors, negatives)
        return loss, grad_v

    return f


# ------------------------------------------------------------------------------------------------------------
# check_gradient: right and wrong gradients


def test_passes_a_correct_gradient(problem):
    v, o, u = problem
    assert check_gradient(softmax_wrt_outside(v, o), u.copy()) < GRAD_TOL


def test_catches_a_gradient_scaled_by_1_1(problem):
    v, o, u = problem
    assert check_gradient(softmax_wrt_outside(v, o, scale=1.1), u.copy()) > WRONG


@pytest.mark.parametrize("bad_ix", [(0, 0), (V - 1, D - 1)], ids=["first-element", "last-element"])
def test_catches_a_gradient_with_one_wrong_element(problem, bad_ix):
    v, o, u = problem
    right = softmax_wrt_outside(v, o)

    def wrong(x):
        loss, grad = right(x)
        grad = grad.copy()
        grad[bad_ix] += 0.1  # a single element off by 0.1
        return loss, grad

    assert check_gradient(wrong, u.copy()) > WRONG


def test_catches_a_sign_error_in_sigmoid_derivative():
    x = np.linspace(-3.0, 3.0, 7)
    assert check_gradient(lambda x: (float(np.sum(core.sigmoid(x))), -core.sigmoid_grad(x)), x) > WRONG


def test_rejects_integer_x():
    with pytest.raises(TypeError):
        check_gradient(lambda x: (0.0, np.zeros(3)), np.arange(3))


def test_rejects_gradient_of_wrong_shape():
    with pytest.raises(ValueError):
        check_gradient(lambda x: (0.0, np.zeros(4)), np.zeros(3))


# ------------------------------------------------------------------------------------------------------------
# check_gradient: it puts x and the random state back


def test_restores_x_bit_for_bit():
    rng = np.random.default_rng(12)
    h = 1e-5
    x0 = np.concatenate([rng.normal(size=20), rng.uniform(-1e-4, 1e-4, size=40)])  # normal and h-sized
    # undoing the perturbation by arithmetic would not give x0 back, so only an exact restore passes
    assert np.any(((x0 + h) - 2 * h) + h != x0) and np.any((x0 - h) + h != x0)
    x = x0.copy()
    error = check_gradient(lambda x: (float(np.sum(core.sigmoid(x))), core.sigmoid_grad(x)), x, h=h)
    assert error < GRAD_TOL
    assert x.tobytes() == x0.tobytes()


def test_generator_in_rngs_gives_a_correct_check(problem):
    v, o, u = problem
    rng = np.random.default_rng(5)
    f = neg_sampling_wrt_center(o, u, lambda: rng.integers(0, V, size=8))
    assert check_gradient(f, v.copy(), rngs=(rng,)) < GRAD_TOL


def test_generator_not_in_rngs_makes_the_check_fail(problem):
    v, o, u = problem
    rng = np.random.default_rng(5)
    f = neg_sampling_wrt_center(o, u, lambda: rng.integers(0, V, size=8))
    assert check_gradient(f, v.copy()) > WRONG  # new negatives on each call: the differences are noise


def test_generator_left_as_after_one_ordinary_call(problem):
    v, o, u = problem
    rng, twin = np.random.default_rng(5), np.random.default_rng(5)
    check_gradient(neg_sampling_wrt_center(o, u, lambda: rng.integers(0, V, size=8)), v.copy(), rngs=(rng,))
    neg_sampling_wrt_center(o, u, lambda: twin.integers(0, V, size=8))(v)  # one ordinary call
    assert rng.bit_generator.state == twin.bit_generator.state


def test_global_random_state_is_restored_between_calls(problem, keep_global_random_state):
    v, o, u = problem
    np.random.seed(3)
    f = neg_sampling_wrt_center(o, u, lambda: np.random.randint(0, V, size=8))
    assert check_gradient(f, v.copy()) < GRAD_TOL


# ------------------------------------------------------------------------------------------------------------
# run_gradchecks and `w2v gradcheck`


def test_run_gradchecks_defaults_all_19_pass():
    results = run_gradchecks()
    assert len(results) == 19
    assert len({r.name for r in results}) == 19  # every check has its own name
    for r in results:
        assert r.max_rel_error < GRAD_TOL, r.name
        assert r.passed, r.name


def test_run_gradchecks_covers_both_models_losses_and_matrices():
    names = [r.name for r in run_gradchecks()]
    for model in ("skipgram", "cbow"):
        for loss in ("naive-softmax", "neg-sampling", "hier-softmax"):
            assert sum(n.startswith(f"{model} {loss}") for n in names) == 2  # w.r.t. both matrices
    for loss in ("naive-softmax", "neg-sampling", "hier-softmax"):  # the pair loss w.r.t. v_c and U
        assert [n for n in names if n.startswith(f"{loss}:")] == [f"{loss}: d/d center_vec",
                                                                   f"{loss}: d/d outside_vectors"]


@pytest.mark.parametrize("vocab_size", [2, 3, 17])
def test_run_gradchecks_hier_softmax_rows_pass_for_any_vocab_size(vocab_size):
    """V = 2 is a tree of one inner node; 17 has paths of several lengths."""
    results = [r for r in run_gradchecks(seed=4, vocab_size=vocab_size) if "hier-softmax" in r.name]
    assert len(results) == 6
    assert all(r.max_rel_error < GRAD_TOL for r in results), [(r.name, r.max_rel_error) for r in results]


def test_cli_gradcheck_prints_table_and_exits_0():
    result = CliRunner().invoke(main, ["gradcheck"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 + 19 + 1  # header, one line per check, summary
    names = [r.name for r in run_gradchecks()]
    for name, line in zip(names, lines[1:-1], strict=True):
        assert line.startswith(name) and line.endswith("pass")
    assert lines[-1].startswith("19 passed, 0 failed")


def test_cli_gradcheck_json():
    result = CliRunner().invoke(main, ["gradcheck", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["passed"] is True
    assert len(report["checks"]) == 19
    assert all(check["passed"] and check["max_rel_error"] < GRAD_TOL for check in report["checks"])


def test_cli_gradcheck_too_tight_tol_exits_1():
    result = CliRunner().invoke(main, ["gradcheck", "--tol", "1e-30"])
    assert result.exit_code == 1
    assert "FAIL" in result.output
    assert "0 passed, 19 failed" in result.output
