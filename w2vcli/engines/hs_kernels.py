"""Compiled kernels of the fast engine for hierarchical softmax: word2vec's SGD over the Huffman tree, a window at
a time, in numba.

The math first (the coefficients of a path, then the update rules skipgram_hs_window_update and
cbow_hs_window_update, made of fast_kernels' blocks: block_scores, block_steps, block_add; CBOW's one input scored by
_row_scores), then the loop over a chunk (train_segments_hs), which plans the chunk as the negative-sampling loop
does (fast_kernels.plan_chunk: the same subsampling, windows and learning rates, the same random numbers) and needs
no negatives.

The conventions are fast_kernels' (float32 everywhere but the loss, summed in float64; σ and -log σ from
sigmoid_terms; inputs are rows of center_vectors, outputs rows of outside_vectors), with the outputs now the
inner nodes of the Huffman tree (w2vcli.vocab.huffman_tree): the word w's path from the root goes through the inner
nodes n_j = points[w, j], j < lengths[w], taking branch codes[w, j] (0 or 1) at each; inner node n is row n of
outside_vectors (V - 1 of its V rows are used, so model.npz keeps its shape). For an input vector x:
    J(x, w) = -Σ_j log σ(s_j u_{n_j}·x),   s_j = 1 - 2 codes[w, j]          (w2vcli.core.hs_loss_and_gradient)
    g_j     = -lr ∂J/∂(u_{n_j}·x) = lr (1 - codes[w, j] - σ(u_{n_j}·x))   (word2vec C's and gensim's g)
tests/test_hs_kernels.py checks each update against w2vcli.core.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from w2vcli.engines import base, fast_kernels, kernel_support
from w2vcli.engines.fast_kernels import (
    PREFETCH_AHEAD,
    add_to_context,
    block_add,
    block_scores,
    block_step,
    block_steps,
    context_mean,
    context_words,
    plan_chunk,
    sigmoid_terms,
)
from w2vcli.engines.kernel_support import INLINE, JIT, prefetch_row

kernel_support.forget_stale_cache(__file__, [fast_kernels.__file__, kernel_support.__file__, base.__file__])


class HuffmanPaths(NamedTuple):
    """Every word's path in the Huffman tree of the counts (w2vcli.vocab.huffman_tree): fixed for the run."""

    codes: np.ndarray  # (V, L) uint8: the branch (0/1) taken at the j-th inner node of w's path from the root
    points: np.ndarray  # (V, L) int32: that inner node, a row of outside_vectors (0..V-2; the root is V-2)
    lengths: np.ndarray  # (V,) int32: w's code length (entries past it are unused)


@njit(**INLINE)
def _path_coefficients(scores, n, paths, w, lr):
    """Turn scores[a, j] = f = u_{n_j}·x_a (a < n, j < lengths[w]) into g = lr (1 - code_j - σ(f)) in place, code_j
    = codes[w, j]: with s = 1 - 2 code_j and J = -log σ(s f), g = -lr ∂J/∂f = s lr (1 - σ(s f)). Returns ΣJ.
    The sign multiplies rather than branches: the codes are as good as random, a branch on them mispredicted."""
    codes = paths.codes[w]
    loss = 0.0
    for j in range(paths.lengths[w]):
        sign = np.float32(1.0) - np.float32(2.0) * np.float32(codes[j])
        for a in range(n):
            one_minus_sig, nll = sigmoid_terms(sign * scores[a, j])
            scores[a, j] = sign * lr * one_minus_sig
            loss += nll
    return loss


@njit(**INLINE)
def skipgram_hs_window_update(model, words, lo, hi, pos, paths, lr, scratch):
    """Skip-gram, one window, hierarchical softmax, in word2vec's orientation: each context word o_a in
    words[lo:hi] (pos left out, n = hi - lo - 1 >= 1 of them, repeats counted) predicts the center c = words[pos]
    through c's path n_1..n_L (paths: HuffmanPaths); one SGD step on the window's summed pair losses, from the
    window's snapshot.

        f_aj = u_{n_j}·v_{o_a}                                      (a block of scores: n × L dot products)
        J    = Σ_a -Σ_j log σ(s_j f_aj),  s_j = 1 - 2 codes[c, j]    (returned, float64)
             = Σ_a J(v_{o_a}, c, U, tree) of w2vcli.core.hs_loss_and_gradient
        v_{o_a} -= lr ∂J_a/∂v_{o_a}  for each occurrence a,   U -= lr Σ_a ∂J_a/∂U     every gradient on entry
    With g_aj = lr (1 - codes[c, j] - σ(f_aj)): v_{o_a} += Σ_j g_aj u_{n_j} and u_{n_j} += Σ_a g_aj v_{o_a}, all from
    the rows on entry (word2vec C and gensim: the context word's v is the input, the center's path the outputs).
    σ is sigmoid_terms' (clipped at ±6, as the negative-sampling kernels): a node scored beyond 6 on its side gets
    no step, as in word2vec C and gensim; one beyond 6 on the wrong side gets the full ±lr, where they skip it.
    Scratch: rows (the inputs), scores (2·window, L), steps (2·window, d).
    """
    center_vectors, outside_vectors = model.center_vectors, model.outside_vectors
    rows, scores, steps = scratch.rows, scratch.scores, scratch.steps
    c = words[pos]
    nodes, length = paths.points[c], paths.lengths[c]  # the outputs: nodes[:length]
    n = context_words(words, lo, hi, pos, rows)  # the inputs: rows[:n], the context words
    block_scores(center_vectors, rows, n, outside_vectors, nodes, length, scores)
    loss = _path_coefficients(scores, n, paths, c, lr)
    block_step(model, rows, n, nodes, length, scores, steps)
    return loss


@njit(**INLINE)
def cbow_hs_window_update(model, words, lo, hi, pos, paths, lr, scratch):
    """CBOW, one window, hierarchical softmax: the mean of the context rows predicts the center c = words[pos]
    through c's path n_1..n_L (paths: HuffmanPaths); one SGD step from the window's snapshot.

        h    = (1/n) Σ_i v_{w_i}   over the context words[lo:hi] without pos (n >= 1)   (cbow_mean = 1), inputs[0]
        f_j  = u_{n_j}·h,   J = -Σ_j log σ(s_j f_j)  = J(h, c, U, tree) of w2vcli.core.hs_loss_and_gradient
        U   -= lr ∂J/∂U  (u_{n_j} += g_j h);   v_{w_i} -= lr ∂J/∂h = Σ_j g_j u_{n_j}  for every context occurrence
    with g_j = lr (1 - codes[c, j] - σ(f_j)). The context rows' step is NOT divided by n: word2vec C's and
    gensim's convention, as fast_kernels.cbow_windows_update's (whose docstring says why). σ as in
    skipgram_hs_window_update. Scratch: inputs (1, d) at least (h), rows (1,), scores (1, L), steps (1, d).
    """
    center_vectors, outside_vectors = model.center_vectors, model.outside_vectors
    inputs, rows, scores, steps = scratch.inputs, scratch.rows, scratch.scores, scratch.steps
    c = words[pos]
    nodes, length = paths.points[c], paths.lengths[c]
    rows[0] = 0
    context_mean(center_vectors, words, lo, hi, pos, inputs[0])
    _row_scores(inputs, outside_vectors, nodes, length, scores)
    loss = _path_coefficients(scores, 1, paths, c, lr)
    block_steps(steps, 1, outside_vectors, nodes, length, scores)  # Σ_j g_j u_{n_j}, before the u's move
    block_add(outside_vectors, nodes, length, inputs, rows, 1, scores)  # u_{n_j} += g_j h
    add_to_context(center_vectors, words, lo, hi, pos, steps[0])
    return loss


@njit(**INLINE)
def _row_scores(inputs, outputs, out_rows, m, scores):
    """scores[0, t] = inputs[0] · outputs[out_rows[t]] for t < m: block_scores for one input (whose 2-row blocks
    would compute each score twice), three outputs per pass over the d columns."""
    d = inputs.shape[1]
    for t in range(0, m, 3):
        t1, t2 = min(t + 1, m - 1), min(t + 2, m - 1)
        w0, w1, w2 = out_rows[t], out_rows[t1], out_rows[t2]
        f0, f1, f2 = np.float32(0.0), np.float32(0.0), np.float32(0.0)
        for j in range(d):
            v = inputs[0, j]
            f0 += outputs[w0, j] * v
            f1 += outputs[w1, j] * v
            f2 += outputs[w2, j] * v
        scores[0, t], scores[0, t1], scores[0, t2] = f0, f1, f2


@njit(**INLINE)
def _prefetch_window(model, buf, plan, r, paths):
    """Start loading the rows window r will use: its context rows (v) and its center's path (u)."""
    lo, hi, i = plan[0, r], plan[1, r], plan[2, r]
    for p in range(lo, hi):
        if p != i:
            prefetch_row(model.center_vectors, buf[p])
    c = buf[i]
    nodes = paths.points[c]
    for j in range(paths.lengths[c]):
        prefetch_row(model.outside_vectors, nodes[j])


@njit(**JIT)
def train_segments_hs(model, tokens, seg_offsets, first_seg, last_seg, tables, paths, schedule, settings, scratch):
    """Train model with hierarchical softmax on segments first_seg..last_seg-1 (tokens[seg_offsets[s]:
    seg_offsets[s + 1]]) in order: fast_kernels.train_segments with the Huffman tree's paths for the negatives.

    The chunk is planned first (plan_chunk: subsampled, its windows and their learning rates), then one SGD step a
    window, in order (skipgram_hs_window_update, or cbow_hs_window_update), each from the parameters the one
    before left, prefetching the rows of the window PREFETCH_AHEAD ahead (and the path of the one 2·PREFETCH_AHEAD
    ahead, which that prefetch reads: measured ~5% faster on GCIDE).
    Bundles: model (Model), tables (SamplingTables: keep_probs only), paths (HuffmanPaths), schedule (Schedule),
    settings (Settings), scratch (Scratch: negatives unused) of fast_kernels.
    Returns (loss sum, windows trained).
    """
    state, buf, plan, rates = scratch.rng_state, scratch.buf, scratch.plan, scratch.rates
    q = plan_chunk(tokens, seg_offsets, first_seg, last_seg, tables.keep_probs, schedule, settings.window, state,
                   buf, plan, rates)
    loss = 0.0
    for r in range(q):
        if r + PREFETCH_AHEAD < q:
            _prefetch_window(model, buf, plan, r + PREFETCH_AHEAD, paths)
        if r + 2 * PREFETCH_AHEAD < q:  # the path of the window after: its nodes are read to prefetch their rows
            c = buf[plan[2, r + 2 * PREFETCH_AHEAD]]
            prefetch_row(paths.points, c)
            prefetch_row(paths.codes, c)
        if settings.cbow:
            loss += cbow_hs_window_update(model, buf, plan[0, r], plan[1, r], plan[2, r], paths, rates[r], scratch)
        else:
            loss += skipgram_hs_window_update(model, buf, plan[0, r], plan[1, r], plan[2, r], paths, rates[r],
                                              scratch)
    windows = q
    return loss, windows
