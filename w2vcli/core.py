"""The word2vec math: softmax, sigmoid, the two losses with their gradients, skip-gram and CBOW.

Notation (as in docs/math.md): V words, d dimensions.
  center_vectors  (V, d)  the v's: row w is v_w, the vector of w as a center (input) word
  outside_vectors (V, d)  the u's: row w is u_w, the vector of w as an outside (output) word
Every function here is pure: it never changes its inputs.
The single-example functions are the readable definition; the `*_batch` forms used by the NumPy engine are
tested equal to them (tests/test_core.py).
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

LossAndGradient = Callable[[np.ndarray, int, np.ndarray], tuple[float, np.ndarray, np.ndarray]]


def softmax(x: np.ndarray) -> np.ndarray:
    """Softmax of a 1-D vector, or of each row of a 2-D array.

        softmax(x)_i = exp(x_i) / sum_j exp(x_j)

    Shift invariance: softmax(x + c) = softmax(x) for any constant c, because exp(c) cancels from the numerator
    and the denominator. We use c = -max(x), so the largest exponent is exp(0) = 1 and nothing overflows.
    """
    x = np.asarray(x, dtype=float)
    shifted = x - np.max(x, axis=-1, keepdims=True)  # largest entry becomes 0
    exps = np.exp(shifted)
    return exps / np.sum(exps, axis=-1, keepdims=True)


def sigmoid(x):
    """The logistic function, for a scalar or an array.

        σ(x) = 1 / (1 + exp(-x)),     dσ/dx = σ(x) (1 - σ(x)),     σ(-x) = 1 - σ(x)

    Stable for large |x|: with e = exp(-|x|) <= 1, σ(x) = 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0,
    so exp never sees a positive argument and never overflows.
    """
    x_arr = np.asarray(x, dtype=float)
    e = np.exp(-np.abs(x_arr))  # in (0, 1]
    out = np.where(x_arr >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return float(out) if out.ndim == 0 else out


def sigmoid_grad(x):
    """dσ/dx = σ(x) (1 - σ(x))."""
    s = sigmoid(x)
    return s * (1.0 - s)


def log_sigmoid(x):
    """log σ(x) = -log(1 + exp(-x)), computed as -logaddexp(0, -x) so it is finite for x = -1000."""
    return -np.logaddexp(0.0, -np.asarray(x, dtype=float))


def naive_softmax_loss_and_gradient(center_vec: np.ndarray, outside_idx: int, outside_vectors: np.ndarray):
    """Naive-softmax loss for one (center, outside) pair, and its gradients.

    With v_c = center_vec (d,), U = outside_vectors (V, d), o = outside_idx, y the one-hot vector of o:
        ŷ = softmax(U v_c)                                  (V,)  predicted distribution of the outside word
        J = -log ŷ_o = log Σ_w exp(u_w·v_c) - u_o·v_c
        ∂J/∂v_c = U^T (ŷ - y)          = -u_o + Σ_w ŷ_w u_w
        ∂J/∂U   = (ŷ - y) v_c^T        row o: (ŷ_o - 1) v_c,  row w ≠ o: ŷ_w v_c
    Returns (loss, grad_center_vec (d,), grad_outside_vectors (V, d)).
    """
    scores = outside_vectors @ center_vec  # (V,)  u_w·v_c
    y_hat = softmax(scores)  # (V,)
    loss = float(np.logaddexp.reduce(scores) - scores[outside_idx])  # -log ŷ_o without taking log of ŷ
    delta = y_hat.copy()  # (V,)  ŷ - y
    delta[outside_idx] -= 1.0
    grad_center_vec = outside_vectors.T @ delta  # (d,)
    grad_outside_vectors = np.outer(delta, center_vec)  # (V, d)
    return loss, grad_center_vec, grad_outside_vectors


def neg_sampling_loss_and_gradient(
    center_vec: np.ndarray, outside_idx: int, outside_vectors: np.ndarray, neg_indices
):
    """Negative-sampling loss for one (center, outside) pair with K given negatives, and its gradients.

    With v_c = center_vec (d,), u_o the true outside word's vector, u_k (k = 1..K) the negatives' vectors:
        J = -log σ(u_o·v_c) - Σ_k log σ(-u_k·v_c)
        ∂J/∂v_c = (σ(u_o·v_c) - 1) u_o + Σ_k σ(u_k·v_c) u_k
        ∂J/∂u_o = (σ(u_o·v_c) - 1) v_c
        ∂J/∂u_k = σ(u_k·v_c) v_c            (summed over every draw of k: a negative drawn twice counts twice)
    Rows of U that are neither o nor a negative get zero gradient.
    The negatives are chosen by the caller, so the function is deterministic.
    Returns (loss, grad_center_vec (d,), grad_outside_vectors (V, d)).
    """
    neg_indices = np.asarray(neg_indices, dtype=np.int64)  # (K,)
    u_o = outside_vectors[outside_idx]  # (d,)
    u_neg = outside_vectors[neg_indices]  # (K, d)
    pos_score = u_o @ center_vec  # u_o·v_c
    neg_scores = u_neg @ center_vec  # (K,)  u_k·v_c
    loss = float(-log_sigmoid(pos_score) - np.sum(log_sigmoid(-neg_scores)))
    pos_coef = sigmoid(pos_score) - 1.0  # σ(u_o·v_c) - 1
    neg_coef = sigmoid(neg_scores)  # (K,)  σ(u_k·v_c)
    grad_center_vec = pos_coef * u_o + neg_coef @ u_neg  # (d,)
    grad_outside_vectors = np.zeros_like(outside_vectors, dtype=float)  # (V, d)
    grad_outside_vectors[outside_idx] += pos_coef * center_vec
    np.add.at(grad_outside_vectors, neg_indices, np.outer(neg_coef, center_vec))  # repeats accumulate
    return loss, grad_center_vec, grad_outside_vectors


def neg_sampling_with_sampler(sample_negatives: Callable[[int, int], np.ndarray], num_negatives: int):
    """Negative sampling as a `loss_and_gradient` for `skipgram`/`cbow`: draws K negatives, calls the pure function.

    `sample_negatives(outside_idx, K)` returns K word indices, e.g.
    `lambda idx, k: sampler.sample(rng, idx, k)` with a `w2vcli.vocab.NegativeSampler`.
    """

    def loss_and_gradient(center_vec, outside_idx, outside_vectors):
        neg_indices = sample_negatives(outside_idx, num_negatives)
        return neg_sampling_loss_and_gradient(center_vec, outside_idx, outside_vectors, neg_indices)

    return loss_and_gradient


def skipgram(
    center_word: str,
    outside_words: list[str],
    word2ind: dict[str, int],
    center_vectors: np.ndarray,
    outside_vectors: np.ndarray,
    loss_and_gradient: LossAndGradient,
):
    """Skip-gram over one window: the center word predicts each outside word.

        J_skipgram(c, w_{t-m..t+m}) = Σ_{-m<=j<=m, j≠0} J(v_c, w_{t+j}, U)
    The gradient of a sum is the sum of the gradients, so ∂J/∂V touches only row c (Σ_j ∂J/∂v_c), and ∂J/∂U is
    the sum of each pair's ∂J/∂U. Outside words are taken in their order.
    Returns (loss, grad_center_vectors (V, d), grad_outside_vectors (V, d)).
    """
    center_idx = word2ind[center_word]
    center_vec = center_vectors[center_idx]  # (d,)
    loss = 0.0
    grad_center_vectors = np.zeros_like(center_vectors, dtype=float)  # (V, d)
    grad_outside_vectors = np.zeros_like(outside_vectors, dtype=float)  # (V, d)
    for word in outside_words:
        pair_loss, grad_center_vec, grad_outside = loss_and_gradient(center_vec, word2ind[word], outside_vectors)
        loss += pair_loss
        grad_center_vectors[center_idx] += grad_center_vec
        grad_outside_vectors += grad_outside
    return loss, grad_center_vectors, grad_outside_vectors


def cbow(
    center_word: str,
    outside_words: list[str],
    word2ind: dict[str, int],
    center_vectors: np.ndarray,
    outside_vectors: np.ndarray,
    loss_and_gradient: LossAndGradient,
):
    """CBOW over one window: the mean of the outside words' vectors predicts the center word.

        v̂ = (1/n) Σ_j v_{w_j}        (the n outside words' rows of center_vectors, the input vectors)
        J_cbow = J(v̂, c, U)
        ∂J/∂v_{w_j} = (1/n) ∂J/∂v̂     (for each occurrence: a word twice in the window gets it twice)
        ∂J/∂U is the loss's own ∂J/∂U.
    Same signature and return shapes as `skipgram`: (loss, grad_center_vectors (V, d), grad_outside_vectors (V, d)).
    """
    if not outside_words:
        raise ValueError("cbow needs at least one outside word to average")
    center_idx = word2ind[center_word]
    context_idx = np.array([word2ind[w] for w in outside_words], dtype=np.int64)  # (n,)
    mean_vec = center_vectors[context_idx].mean(axis=0)  # (d,)  v̂
    loss, grad_mean_vec, grad_outside_vectors = loss_and_gradient(mean_vec, center_idx, outside_vectors)
    grad_center_vectors = np.zeros_like(center_vectors, dtype=float)  # (V, d)
    np.add.at(grad_center_vectors, context_idx, grad_mean_vec / len(context_idx))
    return float(loss), grad_center_vectors, grad_outside_vectors


# ----------------------------------------------------------------------------------------------------------
# Batch forms for the NumPy engine: many independent examples at once, tested equal to the functions above.


def neg_sampling_loss_and_gradient_batch(
    center_vecs: np.ndarray, outside_idx: np.ndarray, outside_vectors: np.ndarray, neg_indices: np.ndarray
):
    """`neg_sampling_loss_and_gradient` for P examples at once.

    center_vecs (P, d), outside_idx (P,), neg_indices (P, K).
    Returns (losses (P,), grad_center_vecs (P, d), target_idx (P, 1+K), grad_target_vecs (P, 1+K, d)):
    example p's gradient w.r.t. U is Σ_j grad_target_vecs[p, j] added to row target_idx[p, j], where column 0
    is the outside word and columns 1..K the negatives (scatter with np.add.at so repeats accumulate).
    """
    target_idx = np.concatenate([outside_idx[:, None], neg_indices], axis=1)  # (P, 1+K)
    target_vecs = outside_vectors[target_idx]  # (P, 1+K, d)
    scores = np.einsum("pkd,pd->pk", target_vecs, center_vecs)  # (P, 1+K)
    signs = np.full(target_idx.shape[1], -1.0)  # (1+K,)  +1 for the outside word, -1 for negatives
    signs[0] = 1.0
    # J = -log σ(s_o) - Σ_k log σ(-s_k);  ∂J/∂s_o = σ(s_o) - 1,  ∂J/∂s_k = σ(s_k)
    losses = -log_sigmoid(signs * scores).sum(axis=1)  # (P,)
    coefs = sigmoid(scores)  # (P, 1+K)
    coefs[:, 0] -= 1.0
    grad_center_vecs = np.einsum("pk,pkd->pd", coefs, target_vecs)  # (P, d)
    grad_target_vecs = coefs[:, :, None] * center_vecs[:, None, :]  # (P, 1+K, d)
    return losses, grad_center_vecs, target_idx, grad_target_vecs


def naive_softmax_loss_and_gradient_batch(center_vecs: np.ndarray, outside_idx: np.ndarray, outside_vectors):
    """`naive_softmax_loss_and_gradient` for P examples at once.

    center_vecs (P, d), outside_idx (P,). Returns (losses (P,), grad_center_vecs (P, d),
    grad_outside_vectors (V, d)), the last summed over the P examples (every row of U gets gradient).
    """
    scores = center_vecs @ outside_vectors.T  # (P, V)
    y_hat = softmax(scores)  # (P, V)
    rows = np.arange(len(outside_idx))
    losses = np.logaddexp.reduce(scores, axis=1) - scores[rows, outside_idx]  # (P,)
    delta = y_hat  # (P, V)  ŷ - y
    delta[rows, outside_idx] -= 1.0
    grad_center_vecs = delta @ outside_vectors  # (P, d)
    grad_outside_vectors = delta.T @ center_vecs  # (V, d)
    return losses, grad_center_vecs, grad_outside_vectors
