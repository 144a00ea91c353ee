"""Gradient checking: compare every analytic gradient of w2vcli.core with central finite differences."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from w2vcli import core
from w2vcli.vocab import huffman_tree


def check_gradient(
    f: Callable[[np.ndarray], tuple[float, np.ndarray]],
    x: np.ndarray,
    h: float = 1e-5,
    rngs: tuple[np.random.Generator, ...] = (),
) -> float:
    """Largest relative error between f's analytic gradient and central differences, over every element of x.

        numeric_i = (f(x + h e_i) - f(x - h e_i)) / 2h
        error_i   = |numeric_i - analytic_i| / max(1, |numeric_i|, |analytic_i|)

    f(x) returns (loss, grad) with grad.shape == x.shape. x is perturbed in place one element at a time and put
    back exactly. Before every call of f, the global NumPy random state and the state of each Generator in
    `rngs` are restored to what they were on entry, so f sees the same random draws (e.g. the same negatives)
    each time.
    """
    if not np.issubdtype(np.asarray(x).dtype, np.floating):
        raise TypeError("check_gradient needs a floating-point x")
    global_state = np.random.get_state()
    rng_states = [rng.bit_generator.state for rng in rngs]

    def evaluate():
        np.random.set_state(global_state)
        for rng, state in zip(rngs, rng_states):
            rng.bit_generator.state = state
        return f(x)

    _, analytic = evaluate()
    analytic = np.array(analytic, dtype=float)  # copy: f may return a view that changes with x
    if analytic.shape != np.shape(x):
        raise ValueError(f"gradient shape {analytic.shape} differs from x's shape {np.shape(x)}")
    worst = 0.0
    for ix in np.ndindex(*np.shape(x)):
        original = x[ix]
        x[ix] = original + h
        loss_plus = evaluate()[0]
        x[ix] = original - h
        loss_minus = evaluate()[0]
        x[ix] = original  # restore exactly
        numeric = (loss_plus - loss_minus) / (2 * h)
        error = abs(numeric - analytic[ix]) / max(1.0, abs(numeric), abs(analytic[ix]))
        worst = max(worst, float(error))
    evaluate()  # leave every random state as after one ordinary call
    return worst


@dataclass
class CheckResult:
    name: str  # what was checked, e.g. "skipgram neg-sampling: d/d outside_vectors"
    max_rel_error: float  # largest relative error over all elements
    passed: bool  # max_rel_error < tol


def run_gradchecks(
    seed: int = 0, dim: int = 5, vocab_size: int = 10, negatives: int = 10, tol: float = 1e-6, h: float = 1e-5
) -> list[CheckResult]:
    """Check sigmoid', the three losses (w.r.t. v_c and U) and skip-gram/CBOW with each (w.r.t. both matrices).

    Random float64 data from `seed`. Negatives are drawn with replacement among the words other than the outside
    word, with the first draw repeated, so repeated negatives are always exercised; windows repeat a word too.
    Hierarchical softmax uses the Huffman tree of the counts V, V-1, ..., 1 (paths of several lengths); its pair
    check predicts the deepest word.
    """
    if dim < 1 or vocab_size < 2 or negatives < 1:
        raise ValueError("gradcheck needs --dim >= 1, --vocab-size >= 2 and --negatives >= 1")
    rng = np.random.default_rng(seed)
    center_vectors = rng.normal(size=(vocab_size, dim))  # (V, d)
    outside_vectors = rng.normal(size=(vocab_size, dim))  # (V, d)
    words = [f"w{i}" for i in range(vocab_size)]
    word2ind = {w: i for i, w in enumerate(words)}
    center_vec = center_vectors[0].copy()  # (d,)
    outside_idx = 1 % vocab_size
    neg_indices = draw_negatives(rng, outside_idx, negatives, vocab_size)  # (K,)
    center_word = words[0]
    outside_words = [words[i % vocab_size] for i in (1, 2, 3, 1)]  # a window with a repeated word
    sampler_rng = np.random.default_rng(seed + 1)

    def sampled_negatives(idx, k):
        return draw_negatives(sampler_rng, idx, k, vocab_size)

    tree = huffman_tree(np.arange(vocab_size, 0, -1))
    deepest_idx = int(np.argmax(tree.lengths))  # the longest path: the most inner nodes in one check
    losses = {
        "naive-softmax": core.naive_softmax_loss_and_gradient,
        "neg-sampling": core.neg_sampling_with_sampler(sampled_negatives, negatives),
        "hier-softmax": core.hs_with_tree(tree),
    }
    results = []

    def add(name, f, x, rngs=()):
        error = check_gradient(f, x, h=h, rngs=rngs)
        results.append(CheckResult(name, error, bool(error < tol)))

    xs = rng.normal(scale=3.0, size=7)
    add("sigmoid: d/dx = σ(1-σ)", lambda x: (float(np.sum(core.sigmoid(x))), core.sigmoid_grad(x)), xs)
    pair_losses = {  # each loss of one pair as a function of (v_c, U), its negatives or target fixed
        "naive-softmax": lambda v, u: core.naive_softmax_loss_and_gradient(v, outside_idx, u),
        "neg-sampling": lambda v, u: core.neg_sampling_loss_and_gradient(v, outside_idx, u, neg_indices),
        "hier-softmax": lambda v, u: core.hs_loss_and_gradient(v, deepest_idx, u, tree),
    }
    for loss_name, pair in pair_losses.items():
        add(f"{loss_name}: d/d center_vec", lambda v, pair=pair: _pick(pair(v, outside_vectors), 1), center_vec.copy())
        add(f"{loss_name}: d/d outside_vectors", lambda u, pair=pair: _pick(pair(center_vec, u), 2),
            outside_vectors.copy())
    for model_name, model in (("skipgram", core.skipgram), ("cbow", core.cbow)):
        for loss_name, loss_fn in losses.items():
            def loss_and_grads(c, u, model=model, loss_fn=loss_fn):  # (loss, d/d center_vectors, d/d outside_vectors)
                return model(center_word, outside_words, word2ind, c, u, loss_fn)

            name = f"{model_name} {loss_name}: d/d"
            add(f"{name} center_vectors", lambda c, f=loss_and_grads: _pick(f(c, outside_vectors), 1),
                center_vectors.copy(), rngs=(sampler_rng,))
            add(f"{name} outside_vectors", lambda u, f=loss_and_grads: _pick(f(center_vectors, u), 2),
                outside_vectors.copy(), rngs=(sampler_rng,))
    return results


def draw_negatives(rng: np.random.Generator, outside_idx: int, k: int, vocab_size: int) -> np.ndarray:
    """K uniform draws (with replacement) among words other than outside_idx; draw 2 repeats draw 1 when K >= 2."""
    others = np.array([w for w in range(vocab_size) if w != outside_idx])
    neg_indices = rng.choice(others, size=k)  # (K,)
    if k >= 2:
        neg_indices[1] = neg_indices[0]
    return neg_indices


def _pick(result, grad_position):
    """(loss, grad_a, grad_b) -> (loss, the gradient at grad_position)."""
    return result[0], result[grad_position]


def results_as_dict(results: list[CheckResult], tol: float) -> dict:
    """JSON-ready summary: every check, the tolerance, and whether all passed."""
    return {"tol": tol, "passed": all(r.passed for r in results), "checks": [asdict(r) for r in results]}
