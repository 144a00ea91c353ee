"""The word2vec math: softmax, sigmoid, the three losses with their gradients, skip-gram and CBOW.

Notation (as in docs/math.md): V words, d dimensions.
  center_vectors  (V, d)  the v's: row w is v_w, the vector of w as a center (input) word
  outside_vectors (V, d)  the u's: row w is u_w, the vector of w as an outside (output) word; with hierarchical
                          softmax, row n is u_n, the vector of inner node n of the Huffman tree (rows 0..V-2)
Every function here is pure: it never changes its inputs.
The single-example functions are the readable definition; the `*_batch` forms used by the NumPy engine are
tested equal to them (tests/test_core.py; hierarchical softmax's in tests/test_core_hs.py). Each docstring has one
worked example, checked as a doctest.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

LossAndGradient = Callable[[np.ndarray, int, np.ndarray], tuple[float, np.ndarray, np.ndarray]]


def softmax(x: np.ndarray) -> np.ndarray:
    """Softmax of a 1-D vector, or of each row of a 2-D array.

        softmax(x)_i = exp(x_i) / sum_j exp(x_j)

    Shift invariance: softmax(x + c) = softmax(x) for any constant c, because exp(c) cancels from the numerator
    and the denominator. We use c = -max(x), so the largest exponent is exp(0) = 1 and nothing overflows.
    Softmax of (0, ln 2, ln 3) is (1, 2, 3) / 6:

    >>> softmax(np.log([1, 2, 3])).round(4).tolist()
    [0.1667, 0.3333, 0.5]
    """
    x = np.asarray(x, dtype=float)
    shifted = x - np.max(x, axis=-1, keepdims=True)  # largest entry becomes 0
    exps = np.exp(shifted)
    return exps / np.sum(exps, axis=-1, keepdims=True)


def sigmoid(x):
    """The logistic function, for a scalar or an array.

        σ(x) = 1 / (1 + exp(-x)),     dσ/dx = σ(x) (1 - σ(x)),     σ(-x) = 1 - σ(x)

    Stable for large |x|: with e = exp(-|x|) <= 1, σ(x) = 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0,
    so exp never sees a positive argument and never overflows. σ(ln 3) = 1 / (1 + 1/3) = 3/4:

    >>> sigmoid(np.log(3.0))
    0.75
    """
    x_arr = np.asarray(x, dtype=float)
    e = np.exp(-np.abs(x_arr))  # in (0, 1]
    out = np.where(x_arr >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return float(out) if out.ndim == 0 else out


def sigmoid_grad(x):
    """dσ/dx = σ(x) (1 - σ(x)); at 0, σ = 1/2 so the slope is 1/4.

    >>> sigmoid_grad(0.0)
    0.25
    """
    s = sigmoid(x)
    return s * (1.0 - s)


def log_sigmoid(x):
    """log σ(x) = -log(1 + exp(-x)), computed as -logaddexp(0, -x) so it is finite for x = -1000.

    >>> float(log_sigmoid(-1000.0))  # log(exp(-1000) / (1 + exp(-1000))) = -1000 - log(1 + e^-1000)
    -1000.0
    """
    return -np.logaddexp(0.0, -np.asarray(x, dtype=float))


def naive_softmax_loss_and_gradient(center_vec: np.ndarray, outside_idx: int, outside_vectors: np.ndarray):
    """Naive-softmax loss for one (center, outside) pair, and its gradients.

    With v_c = center_vec (d,), U = outside_vectors (V, d), o = outside_idx, y the one-hot vector of o:
        ŷ = softmax(U v_c)                                  (V,)  predicted distribution of the outside word
        J = -log ŷ_o = log Σ_w exp(u_w·v_c) - u_o·v_c
        ∂J/∂v_c = U^T (ŷ - y)          = -u_o + Σ_w ŷ_w u_w
        ∂J/∂U   = (ŷ - y) v_c^T        row o: (ŷ_o - 1) v_c,  row w ≠ o: ŷ_w v_c
    Returns (loss, grad_center_vec (d,), grad_outside_vectors (V, d)).
    With scores U v_c = (0, ln 2, ln 3), ŷ = (1/6, 2/6, 3/6), so for o = 2, J = -log(1/2) = ln 2:

    >>> U = np.array([[0.0, 0.0], [np.log(2), 0.0], [np.log(3), 0.0]])
    >>> round(naive_softmax_loss_and_gradient(np.array([1.0, 0.0]), 2, U)[0], 4)
    0.6931
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
    With v_c = 0 every score is 0 and every σ is 1/2, so J = (1 + K) ln 2; here K = 2, J = 3 ln 2:

    >>> round(neg_sampling_loss_and_gradient(np.zeros(2), 0, np.ones((4, 2)), [1, 2])[0], 4)
    2.0794
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


def neg_sampling_with_sampler(sample_negatives: Callable, num_negatives: int, batch: bool = False):
    """Negative sampling as a `loss_and_gradient` for `skipgram`/`cbow`: draws K negatives, calls the pure function.

    `sample_negatives(outside_idx, K)` returns K word indices, e.g.
    `lambda idx, k: sampler.sample(rng, idx, k)` with a `w2vcli.vocab.NegativeSampler`.
    With batch=True, the same for `skipgram_batch`/`cbow_batch`: outside_idx (P,) and negatives (P, K).

    >>> loss_and_gradient = neg_sampling_with_sampler(lambda idx, k: [1, 2], 2)  # always the negatives 1 and 2
    >>> round(loss_and_gradient(np.zeros(2), 0, np.ones((4, 2)))[0], 4)  # 3 ln 2, as neg_sampling_loss_and_gradient
    2.0794
    """
    pure = neg_sampling_loss_and_gradient_batch if batch else neg_sampling_loss_and_gradient

    def loss_and_gradient(center_vec, outside_idx, outside_vectors):
        neg_indices = sample_negatives(outside_idx, num_negatives)
        return pure(center_vec, outside_idx, outside_vectors, neg_indices)

    return loss_and_gradient


def hs_loss_and_gradient(center_vec: np.ndarray, outside_idx: int, outside_vectors: np.ndarray, tree):
    """Hierarchical-softmax loss for one (center, outside) pair, and its gradients.

    `tree` is the vocabulary's Huffman tree (w2vcli.vocab.huffman_tree): the outside word o is the leaf reached
    from the root through the inner nodes n_1..n_L (L = tree.lengths[o], n_j = tree.points[o, j]), taking branch
    code_j = tree.codes[o, j] at each. Going the 0 way at node n has probability σ(u_n·v_c), the 1 way
    σ(-u_n·v_c) = 1 - σ(u_n·v_c); with the sign s_j = 1 - 2 code_j:
        p(o | c) = Π_j σ(s_j u_{n_j}·v_c)            (these sum to 1 over the V leaves)
        J = -Σ_j log σ(s_j u_{n_j}·v_c)
        ∂J/∂v_c     = Σ_j (σ(u_{n_j}·v_c) - (1 - code_j)) u_{n_j}
        ∂J/∂u_{n_j} = (σ(u_{n_j}·v_c) - (1 - code_j)) v_c
    It is negative sampling's loss with the path's nodes in place of (o, negatives): label 1 - code_j instead of
    1 for o and 0 for a negative. Rows of U off the path (and row V-1, no inner node's) get zero gradient.
    Returns (loss, grad_center_vec (d,), grad_outside_vectors (V, d)).
    Two words of counts (2, 1) hang from the root (node 0): word 0 by branch 1, word 1 by branch 0. With
    u_0·v_c = ln 3, p(word 1) = σ(ln 3) = 3/4 and p(word 0) = σ(-ln 3) = 1/4, so J(word 0) = ln 4:

    >>> from w2vcli.vocab import huffman_tree
    >>> U = np.array([[np.log(3), 0.0], [0.0, 0.0]])
    >>> round(hs_loss_and_gradient(np.array([1.0, 0.0]), 0, U, huffman_tree(np.array([2, 1])))[0], 4)
    1.3863
    """
    length = tree.lengths[outside_idx]
    nodes = tree.points[outside_idx, :length].astype(np.int64)  # (L,) n_j, distinct along a path
    labels = 1.0 - tree.codes[outside_idx, :length]  # (L,) 1 - code_j
    u_nodes = outside_vectors[nodes]  # (L, d)
    scores = u_nodes @ center_vec  # (L,) u_{n_j}·v_c
    loss = float(-np.sum(log_sigmoid((2.0 * labels - 1.0) * scores)))  # s_j = 1 - 2 code_j = 2 label_j - 1
    coefs = sigmoid(scores) - labels  # (L,) ∂J/∂(u_{n_j}·v_c)
    grad_center_vec = coefs @ u_nodes  # (d,)
    grad_outside_vectors = np.zeros_like(outside_vectors, dtype=float)  # (V, d)
    grad_outside_vectors[nodes] = np.outer(coefs, center_vec)
    return loss, grad_center_vec, grad_outside_vectors


def hs_with_tree(tree, batch: bool = False):
    """Hierarchical softmax as a `loss_and_gradient` for `skipgram`/`cbow`: the pure function with `tree` bound.

    With batch=True, the same for `skipgram_batch`/`cbow_batch` (outside_idx (P,)).
    At U = 0 every branch has probability 1/2, so a word of depth 3 costs 3 ln 2:

    >>> from w2vcli.vocab import huffman_tree
    >>> loss_and_gradient = hs_with_tree(huffman_tree(np.array([5, 3, 2, 1])))
    >>> round(loss_and_gradient(np.ones(2), 3, np.zeros((4, 2)))[0], 4)
    2.0794
    """
    pure = hs_loss_and_gradient_batch if batch else hs_loss_and_gradient

    def loss_and_gradient(center_vec, outside_idx, outside_vectors):
        return pure(center_vec, outside_idx, outside_vectors, tree)

    return loss_and_gradient


def skipgram(center_word: str, outside_words: list[str], word2ind: dict[str, int], center_vectors: np.ndarray,
             outside_vectors: np.ndarray, loss_and_gradient: LossAndGradient):
    """Skip-gram over one window: the center word predicts each outside word.

        J_skipgram(c, w_{t-m..t+m}) = Σ_{-m<=j<=m, j≠0} J(v_c, w_{t+j}, U)
    The gradient of a sum is the sum of the gradients, so ∂J/∂V touches only row c (Σ_j ∂J/∂v_c), and ∂J/∂U is
    the sum of each pair's ∂J/∂U. Outside words are taken in their order.
    Returns (loss, grad_center_vectors (V, d), grad_outside_vectors (V, d)).
    With U = 0 every word is predicted with 1/V = 1/3: two outside words cost 2 ln 3, and u_b, the target of
    one pair and not of the other, gets (1/3 - 1) v_c + (1/3) v_c = -v_c / 3:

    >>> loss, grad_v, grad_u = skipgram("a", ["b", "c"], {"a": 0, "b": 1, "c": 2}, np.ones((3, 2)), np.zeros((3, 2)),
    ...                                 naive_softmax_loss_and_gradient)
    >>> round(loss, 4), grad_u[1].round(4).tolist()
    (2.1972, [-0.3333, -0.3333])
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


def cbow(center_word: str, outside_words: list[str], word2ind: dict[str, int], center_vectors: np.ndarray,
         outside_vectors: np.ndarray, loss_and_gradient: LossAndGradient):
    """CBOW over one window: the mean of the outside words' vectors predicts the center word.

        v̂ = (1/n) Σ_j v_{w_j}        (the n outside words' rows of center_vectors, the input vectors)
        J_cbow = J(v̂, c, U)
        ∂J/∂v_{w_j} = (1/n) ∂J/∂v̂     (for each occurrence: a word twice in the window gets it twice)
        ∂J/∂U is the loss's own ∂J/∂U.
    Same signature and return shapes as `skipgram`: (loss, grad_center_vectors (V, d), grad_outside_vectors (V, d)).
    A window of n = 2 outside words gives each of them half of ∂J/∂v̂. Here v̂ = (v_the + v_cat) / 2 = (1, 2) and
    u_sat = (3, 0) is the only nonzero outside vector, so ∂J/∂v̂ = (ŷ_sat - 1) u_sat:

    >>> U = np.array([[3.0, 0.0], [0.0, 0.0], [0.0, 0.0]])
    >>> V = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 4.0]])
    >>> grad_v = cbow("sat", ["the", "cat"], {"sat": 0, "the": 1, "cat": 2}, V, U, naive_softmax_loss_and_gradient)[1]
    >>> grad_v.round(4).tolist()  # U v̂ = (3, 0, 0), ŷ_sat = e^3 / (e^3 + 2); the, cat: (ŷ_sat - 1) · 3 / 2 each
    [[0.0, 0.0], [-0.1358, 0.0], [-0.1358, 0.0]]
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
# Batch forms for the NumPy engine: many windows at once, all at the same parameters, tested equal to the
# functions above. A batch of n windows is given as P (window, outside word) pairs: window i has center word
# center_idx[i] and the outside words outside_idx[p] of the pairs p with window_id[p] = i (in pair order).


class RowGradient(NamedTuple):
    """A (V, d) gradient kept as the rows it touches: grads[r] belongs to row rows[r], and a row listed twice gets
    both; rows None means grads is the whole (V, d) matrix (naive softmax touches every row).

    >>> RowGradient(np.array([2, 0, 2]), np.ones((3, 1))).dense(3).ravel().tolist()
    [1.0, 0.0, 2.0]
    """

    rows: np.ndarray | None  # (R,) word indices, repeats allowed; None: every row, in order
    grads: np.ndarray  # (R, d), or (V, d) when rows is None

    def dense(self, num_rows: int) -> np.ndarray:
        """The gradient as a (V, d) matrix, V = num_rows: np.add.at sums the parts of a repeated row."""
        if self.rows is None:
            return self.grads.copy()
        matrix = np.zeros((num_rows, self.grads.shape[1]))  # (V, d)
        np.add.at(matrix, self.rows, self.grads)
        return matrix


LossAndGradientBatch = Callable[[np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, RowGradient]]


def neg_sampling_loss_and_gradient_batch(
    center_vecs: np.ndarray, outside_idx: np.ndarray, outside_vectors: np.ndarray, neg_indices: np.ndarray
):
    """`neg_sampling_loss_and_gradient` for P examples at once.

    center_vecs (P, d), outside_idx (P,), neg_indices (P, K).
    Returns (losses (P,), grad_center_vecs (P, d), grad_outside_vectors as a RowGradient): example p touches the
    rows target_idx[p] = (o_p, its K negatives), (P, 1+K), and its row j gets coef[p, j] x_p, flattened
    example by example into rows (P·(1+K),) and grads (P·(1+K), d). With x_p = 0 each loss is (1 + K) ln 2:

    >>> losses = neg_sampling_loss_and_gradient_batch(np.zeros((2, 2)), np.array([0, 3]), np.ones((4, 2)),
    ...                                               np.array([[1, 2], [1, 1]]))[0]
    >>> losses.round(4).tolist()
    [2.0794, 2.0794]
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
    dim = grad_target_vecs.shape[-1]
    return losses, grad_center_vecs, RowGradient(target_idx.ravel(), grad_target_vecs.reshape(-1, dim))


def hs_loss_and_gradient_batch(center_vecs: np.ndarray, outside_idx: np.ndarray, outside_vectors: np.ndarray, tree):
    """`hs_loss_and_gradient` for P examples at once.

    center_vecs (P, d), outside_idx (P,). Each path is padded to the tree's longest, L: mask[p, j] says whether
    step j is on example p's path. Returns (losses (P,), grad_center_vecs (P, d), grad_outside_vectors as a
    RowGradient): the rows are the path nodes of example 1, then of example 2, ... (Σ_p L_p rows), and node
    n_{p,j} gets coef[p, j] x_p. At U = 0 each loss is L_p ln 2, here depths 1 and 3:

    >>> from w2vcli.vocab import huffman_tree
    >>> tree = huffman_tree(np.array([5, 3, 2, 1]))
    >>> hs_loss_and_gradient_batch(np.ones((2, 2)), np.array([0, 3]), np.zeros((4, 2)), tree)[0].round(4).tolist()
    [0.6931, 2.0794]
    """
    nodes = tree.points[outside_idx].astype(np.int64)  # (P, L) n_{p,j}, 0 past the path
    labels = 1.0 - tree.codes[outside_idx]  # (P, L) 1 - code_{p,j}
    mask = np.arange(nodes.shape[1]) < tree.lengths[outside_idx][:, None]  # (P, L) on the path
    node_vecs = outside_vectors[nodes]  # (P, L, d)
    scores = np.einsum("pld,pd->pl", node_vecs, center_vecs)  # (P, L)
    # J = -Σ_j log σ(s_j x_j),  s_j = 2 label_j - 1;  ∂J/∂x_j = σ(x_j) - label_j
    losses = -np.where(mask, log_sigmoid((2.0 * labels - 1.0) * scores), 0.0).sum(axis=1)  # (P,)
    coefs = np.where(mask, sigmoid(scores) - labels, 0.0)  # (P, L)
    grad_center_vecs = np.einsum("pl,pld->pd", coefs, node_vecs)  # (P, d)
    grad_node_vecs = coefs[mask][:, None] * center_vecs[np.nonzero(mask)[0]]  # (Σ L_p, d)
    return losses, grad_center_vecs, RowGradient(nodes[mask], grad_node_vecs)


def naive_softmax_loss_and_gradient_batch(center_vecs: np.ndarray, outside_idx: np.ndarray, outside_vectors):
    """`naive_softmax_loss_and_gradient` for P examples at once.

    center_vecs (P, d), outside_idx (P,). Returns (losses (P,), grad_center_vecs (P, d),
    grad_outside_vectors as a RowGradient of the whole (V, d) matrix), the last summed over the P examples.
    With U = 0 every word has probability 1/V, so each loss is ln V = ln 3:

    >>> naive_softmax_loss_and_gradient_batch(np.ones((2, 2)), np.array([0, 2]), np.zeros((3, 2)))[0].round(4).tolist()
    [1.0986, 1.0986]
    """
    scores = center_vecs @ outside_vectors.T  # (P, V)
    y_hat = softmax(scores)  # (P, V)
    rows = np.arange(len(outside_idx))
    losses = np.logaddexp.reduce(scores, axis=1) - scores[rows, outside_idx]  # (P,)
    delta = y_hat  # (P, V)  ŷ - y
    delta[rows, outside_idx] -= 1.0
    grad_center_vecs = delta @ outside_vectors  # (P, d)
    grad_outside_vectors = delta.T @ center_vecs  # (V, d)
    return losses, grad_center_vecs, RowGradient(None, grad_outside_vectors)


def skipgram_batch(center_idx: np.ndarray, window_id: np.ndarray, outside_idx: np.ndarray, center_vectors: np.ndarray,
                   outside_vectors: np.ndarray, loss_and_gradient_batch: LossAndGradientBatch):
    """`skipgram` over a batch of windows: every pair is one example, its window's center predicting its word.

    center_idx (n,), window_id (P,), outside_idx (P,) word indices. Returns (loss summed over the windows,
    grad_center_vectors, grad_outside_vectors) as RowGradients: the sums of `skipgram`'s over the windows.
    Pair p's ∂J/∂v_c goes to row center_idx[window_id[p]]. Three pairs at U = 0 cost 3 ln 3 (see `skipgram`):

    >>> round(skipgram_batch(np.array([0, 1]), np.array([0, 0, 1]), np.array([1, 2, 0]), np.ones((3, 2)),
    ...                      np.zeros((3, 2)), naive_softmax_loss_and_gradient_batch)[0], 4)
    3.2958
    """
    pair_centers = center_idx[window_id]  # (P,) rows of center_vectors
    losses, grad_center_vecs, grad_outside = loss_and_gradient_batch(
        center_vectors[pair_centers], outside_idx, outside_vectors
    )
    return float(losses.sum()), RowGradient(pair_centers, grad_center_vecs), grad_outside


def cbow_batch(center_idx: np.ndarray, window_id: np.ndarray, outside_idx: np.ndarray, center_vectors: np.ndarray,
               outside_vectors: np.ndarray, loss_and_gradient_batch: LossAndGradientBatch):
    """`cbow` over a batch of windows: every window is one example, the mean of its words predicting its center.

        v̂_i = (1/n_i) Σ_{p: window_id[p] = i} v_{outside_idx[p]}        n_i = pairs of window i (at least 1)
        each pair p gets (1/n_i) ∂J_i/∂v̂_i on row outside_idx[p]
    Same arguments and returns as `skipgram_batch`: the sums of `cbow`'s over the windows. At U = 0 each window
    predicts its center with 1/V = 1/3, so two windows cost 2 ln 3:

    >>> round(cbow_batch(np.array([0, 1]), np.array([0, 0, 1]), np.array([1, 2, 0]), np.ones((3, 2)),
    ...                  np.zeros((3, 2)), naive_softmax_loss_and_gradient_batch)[0], 4)
    2.1972
    """
    num_windows = len(center_idx)
    counts = np.bincount(window_id, minlength=num_windows)  # (n,) n_i
    if not counts.all():
        raise ValueError("cbow_batch needs at least one outside word in every window to average")
    mean_vecs = np.zeros((num_windows, center_vectors.shape[1]))  # (n, d)  v̂_i
    np.add.at(mean_vecs, window_id, center_vectors[outside_idx])
    mean_vecs /= counts[:, None]
    losses, grad_mean_vecs, grad_outside = loss_and_gradient_batch(mean_vecs, center_idx, outside_vectors)
    grad_pair_vecs = (grad_mean_vecs / counts[:, None])[window_id]  # (P, d) each occurrence's 1/n_i share
    return float(losses.sum()), RowGradient(outside_idx, grad_pair_vecs), grad_outside
