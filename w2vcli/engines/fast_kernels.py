"""Compiled kernels of the fast engine: word2vec's SGD with negative sampling, a window at a time, in numba.

The math first (sigmoid_terms; the update rules skipgram_window_update and cbow_windows_update, and the small
matrix products they are made of: block_scores, block_steps, block_add), then the loop that plans a chunk's
windows and runs them (train_segments, taking its inputs in bundles). The support they stand on (numba's
settings, the prefetch hint, the random generator, the alias table of the negatives) is in kernel_support.py.

Everything here is float32 (the vectors, the dot products, the steps) except the loss, which each thread sums in
float64. Functions are compiled on first use and cached on disk (`cache=True`), so later runs start quickly
(numba keys the cache by this file's text alone, so kernel_support.forget_stale_cache drops it when a file
these kernels inline from changes).

Conventions (tests/test_fast_engine.py checks each update against w2vcli.core):
  inputs   rows of center_vectors (the v's): skip-gram's context words, as in word2vec C and gensim; CBOW's
           window means h
  outputs  rows of outside_vectors U (V, d) (the u's): the word predicted (the window's center) and the
           negatives n_1..n_K (repeats allowed)
  σ        the logistic function 1 / (1 + exp(-x)) for |x| < 6 (from a fine table, exact to float32: see
           sigmoid_terms), clipped to 0 or 1 beyond, as word2vec C clips at MAX_EXP = 6 (the loss is not
           clipped)
An update is one SGD step on the summed losses of its pairs, every gradient taken at the parameters as the update
found them (a snapshot; docs/math.md §7). Negatives are shared where it costs no quality (measured: SimLex-999
over seeds, benchmarks/README.md): by the pairs of one skip-gram window (pWord2Vec's HogBatch), by CBOW_SHARE
consecutive CBOW windows (BIDMach's idea); the shared scores are then small matrix products.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from w2vcli.engines import base, kernel_support
from w2vcli.engines.base import linear_decay
from w2vcli.engines.kernel_support import INLINE, JIT, below, draw_one, prefetch_row, uniform

kernel_support.forget_stale_cache(__file__, [kernel_support.__file__, base.__file__])

MAX_EXP = np.float32(6.0)


# σ(-x) = 1 - σ(x) and -log σ(x) on [-6, 6], tabulated at 2^14 + 1 points and read with linear interpolation:
# the interpolation error (h²/8 · max|f''| with h = 12/2^14) is below 7e-9 for σ and 2e-8 for log σ, under
# float32's resolution, and a lookup costs a few cycles where expf and log1pf are library calls of ~100.
TABLE_SIZE = 1 << 14
_GRID = np.linspace(-6.0, 6.0, TABLE_SIZE + 1)
SIGMOID_TABLE = np.stack([1.0 / (1.0 + np.exp(_GRID)), np.logaddexp(0.0, -_GRID)], axis=1)  # (T + 1, 2)
_TABLE_SCALE = TABLE_SIZE / 12.0


@njit(**INLINE)
def sigmoid_terms(x):
    """(1 - σ(x), -log σ(x)) for a float32 x, σ clipped as word2vec's: 1 - σ = 0 for x >= 6 and 1 for x <= -6.

    Inside (-6, 6) both are read from SIGMOID_TABLE with linear interpolation (error < 2e-8); outside, the
    loss -log σ(x) = log(1 + e^{-x}) is computed exactly (rare once training has started).
    """
    if x != x:  # NaN (a diverged run): say so, rather than index the table with it
        return np.float32(np.nan), np.float64(np.nan)
    if x >= MAX_EXP:
        return np.float32(0.0), math.log1p(math.exp(-np.float64(x)))
    if x <= -MAX_EXP:
        return np.float32(1.0), -np.float64(x) + math.log1p(math.exp(np.float64(x)))
    u = (np.float64(x) + 6.0) * _TABLE_SCALE
    i = min(np.int64(u), TABLE_SIZE - 1)
    frac = u - i
    one_minus_sig = SIGMOID_TABLE[i, 0] + (SIGMOID_TABLE[i + 1, 0] - SIGMOID_TABLE[i, 0]) * frac
    nll = SIGMOID_TABLE[i, 1] + (SIGMOID_TABLE[i + 1, 1] - SIGMOID_TABLE[i, 1]) * frac
    return np.float32(one_minus_sig), nll


@njit(**INLINE)
def skipgram_window_update(model, words, lo, hi, pos, negatives, lr, scratch):
    """Skip-gram, one window, in word2vec's orientation: each context word o_a in words[lo:hi] (pos left out,
    n = hi - lo - 1 >= 1 of them, repeats counted) predicts the center c = words[pos] against the same negatives
    N = negatives (K,); one SGD step on the window's summed pair losses, from the window's snapshot.

        f_at = u_t·v_{o_a}   for the outputs t = c, n_1..n_K           (a block of scores: n × (K + 1) dot products)
        J    = Σ_a [-log σ(f_ac) - Σ_k log σ(-f_{a n_k})]             (returned, float64)
             = Σ_a J(v_{o_a}, c, U, N) of w2vcli.core.neg_sampling_loss_and_gradient
        v_{o_a} -= lr ∂J_a/∂v_{o_a}  for each occurrence a,   U -= lr Σ_a ∂J_a/∂U     every gradient on entry
    With g_at = lr (1 - σ(f_ac)) for t = c and -lr σ(f_at) for a negative: v_{o_a} += Σ_t g_at u_t and
    u_t += Σ_a g_at v_{o_a}, all from the rows on entry (word2vec C and gensim: the context word's v is the input,
    the center's u the output; the window's pairs share the negatives, pWord2Vec's HogBatch). A negative equal to
    c is skipped (as word2vec C and gensim skip one equal to the word predicted); a negative drawn twice counts
    twice. Scratch: rows (outputs, then inputs), scores (2·window, K + 1), steps (2·window, d).
    """
    center_vectors, outside_vectors = model.center_vectors, model.outside_vectors
    rows, scores, steps = scratch.rows, scratch.scores, scratch.steps
    c = words[pos]
    rows[0] = c  # the outputs: rows[:m], the center first
    m = 1
    for k in range(negatives.shape[0]):
        if negatives[k] != c:
            rows[m] = negatives[k]
            m += 1
    inputs = rows[m:]  # the inputs: the context words
    n = context_words(words, lo, hi, pos, inputs)
    block_scores(center_vectors, inputs, n, outside_vectors, rows, m, scores)
    loss = 0.0
    for a in range(n):
        for t in range(m):
            loss += _coefficient(scores, a, t, t == 0, lr)
    block_step(model, inputs, n, rows, m, scores, steps)
    return loss


@njit(**INLINE)
def context_words(words, lo, hi, pos, out):
    """out[:n] = words[lo:hi] without position pos, in order; returns n."""
    n = 0
    for p in range(lo, hi):
        if p != pos:
            out[n] = words[p]
            n += 1
    return n


@njit(**INLINE)
def block_step(model, in_rows, n, out_rows, m, coefs, steps):
    """One SGD step of a block from its coefficients coefs (n, m), g_at = -lr ∂J/∂f_at with f_at =
    u_{out_rows[t]}·v_{in_rows[a]}: v_a += Σ_t g_at u_t (steps (n, d), taken before the u's move), then
    u_t += Σ_a g_at v_a from the v's on entry, then the v's move; rows listed twice get every step."""
    center_vectors, outside_vectors = model.center_vectors, model.outside_vectors
    block_steps(steps, n, outside_vectors, out_rows, m, coefs)  # Σ_t g_at u_t, before the u's move
    block_add(outside_vectors, out_rows, m, center_vectors, in_rows, n, coefs)  # u_t += Σ_a g_at v_a
    for a in range(n):
        o = in_rows[a]
        for j in range(steps.shape[1]):
            center_vectors[o, j] += steps[a, j]


@njit(**INLINE)
def cbow_windows_update(model, words, plan, first, last, negatives, lr, scratch):
    """CBOW, windows first..last-1 of plan (b <= CBOW_SHARE of them) sharing the negatives N = negatives (K,):
    one SGD step on the sum of their losses, from the parameters as the windows found them.

    Window r has center c_r = words[i_r] and context words[lo_r:hi_r] without i_r (n_r >= 1 words).
        h_r  = (1/n_r) Σ_j v_{w_j}                                      (word2vec's cbow_mean = 1), in inputs[r]
        J    = Σ_r J(h_r, c_r, U, N)  of w2vcli.core.neg_sampling_loss_and_gradient      (returned, float64)
        U   -= lr ∂J/∂U;    v_{w_j} -= lr ∂J_r/∂h_r  for every context occurrence j of window r — NOT divided by n_r
    The last line is word2vec C's convention (gensim's too): each context row gets the whole step of the mean,
    where the exact gradient ∂J/∂v_{w_j} = (1/n_r) ∂J/∂h_r (w2vcli.core.cbow) would give 1/n_r of it; with lr 0.05
    (word2vec's CBOW default) this is the step those tools are tuned for. Sharing N lets the b × K negative scores
    be one block (BIDMach's idea); a negative equal to c_r is skipped for window r, one drawn twice counts twice.
    Scratch: inputs (b, d), rows, scores (b, K + 1: the negatives', then the center's in column K), steps (b, d).
    """
    center_vectors, outside_vectors = model.center_vectors, model.outside_vectors
    inputs, rows, scores, steps = scratch.inputs, scratch.rows, scratch.scores, scratch.steps
    d = inputs.shape[1]
    num = negatives.shape[0]
    b = last - first
    for r in range(b):  # the means, every one before any context row moves
        rows[r] = r
        context_mean(center_vectors, words, plan[0, first + r], plan[1, first + r], plan[2, first + r], inputs[r])
    block_scores(inputs, rows, b, outside_vectors, negatives, num, scores)
    loss = 0.0
    for r in range(b):
        c = words[plan[2, first + r]]
        f = np.float32(0.0)
        for j in range(d):
            f += outside_vectors[c, j] * inputs[r, j]
        scores[r, num] = f
        loss += _coefficient(scores, r, num, True, lr)
        for k in range(num):
            if negatives[k] == c:
                scores[r, k] = np.float32(0.0)
            else:
                loss += _coefficient(scores, r, k, False, lr)
    block_steps(steps, b, outside_vectors, negatives, num, scores)  # Σ_k g_rk u_k, before the u's move
    for r in range(b):
        c = words[plan[2, first + r]]
        g = scores[r, num]
        for j in range(d):
            steps[r, j] += g * outside_vectors[c, j]
    block_add(outside_vectors, negatives, num, inputs, rows, b, scores)  # u_k += Σ_r g_rk h_r
    for r in range(b):
        c = words[plan[2, first + r]]
        g = scores[r, num]
        for j in range(d):
            outside_vectors[c, j] += g * inputs[r, j]
    for r in range(b):
        add_to_context(center_vectors, words, plan[0, first + r], plan[1, first + r], plan[2, first + r], steps[r])
    return loss


@njit(**INLINE)
def context_mean(center_vectors, words, lo, hi, pos, mean):
    """mean (d,) = the mean of center_vectors' rows of words[lo:hi] without position pos (hi - lo - 1 >= 1)."""
    d = mean.shape[0]
    for j in range(d):
        mean[j] = np.float32(0.0)
    for p in range(lo, hi):
        if p != pos:
            w = words[p]
            for j in range(d):
                mean[j] += center_vectors[w, j]
    inv = np.float32(1.0) / np.float32(hi - lo - 1)
    for j in range(d):
        mean[j] *= inv


@njit(**INLINE)
def add_to_context(center_vectors, words, lo, hi, pos, step):
    """center_vectors[words[p]] += step (d,) for every position p of lo..hi-1 but pos (a word twice, twice)."""
    for p in range(lo, hi):
        if p != pos:
            w = words[p]
            for j in range(step.shape[0]):
                center_vectors[w, j] += step[j]


@njit(**INLINE)
def _coefficient(scores, a, t, positive, lr):
    """Turn scores[a, t] = f into its coefficient g = -lr ∂J/∂f: lr (1 - σ(f)) for the word predicted,
    -lr σ(f) for a negative (J = -log σ(x) with x = f or -f: -lr ∂J/∂f = ±lr (1 - σ(x))). Returns J."""
    f = scores[a, t]
    one_minus_sig, nll = sigmoid_terms(f if positive else -f)
    scores[a, t] = one_minus_sig * lr if positive else -one_minus_sig * lr
    return nll


# The blocks: small matrix products over rows of the matrices, written so that one load of a row feeds several
# multiply-adds and several sums run side by side: two inputs by three outputs per pass over the d columns for the
# scores (one row at a time, each sum waits on the one before, and the kernels were bound by that latency). A
# short block is filled up with a row already in it and a coefficient of zero, which reads but changes nothing.


@njit(**INLINE)
def block_scores(inputs, in_rows, n, outputs, out_rows, m, scores):
    """scores[a, t] = inputs[in_rows[a]] · outputs[out_rows[t]] for a < n, t < m."""
    d = inputs.shape[1]
    for a in range(0, n, 2):
        a1 = min(a + 1, n - 1)
        x0, x1 = in_rows[a], in_rows[a1]
        for t in range(0, m, 3):
            t1, t2 = min(t + 1, m - 1), min(t + 2, m - 1)
            w0, w1, w2 = out_rows[t], out_rows[t1], out_rows[t2]
            f00, f01, f02 = np.float32(0.0), np.float32(0.0), np.float32(0.0)
            f10, f11, f12 = np.float32(0.0), np.float32(0.0), np.float32(0.0)
            for j in range(d):
                v0, v1 = inputs[x0, j], inputs[x1, j]
                u0, u1, u2 = outputs[w0, j], outputs[w1, j], outputs[w2, j]
                f00 += u0 * v0
                f01 += u1 * v0
                f02 += u2 * v0
                f10 += u0 * v1
                f11 += u1 * v1
                f12 += u2 * v1
            scores[a, t], scores[a, t1], scores[a, t2] = f00, f01, f02  # a short block writes a score twice
            scores[a1, t], scores[a1, t1], scores[a1, t2] = f10, f11, f12


@njit(**INLINE)
def block_steps(steps, n, outputs, out_rows, m, coefs):
    """steps[a] = Σ_t coefs[a, t] outputs[out_rows[t]] for a < n (t < m)."""
    d = steps.shape[1]
    for a in range(n):
        for j in range(d):
            steps[a, j] = np.float32(0.0)
        for t in range(0, m, 3):
            t1, t2 = min(t + 1, m - 1), min(t + 2, m - 1)
            w0, w1, w2 = out_rows[t], out_rows[t1], out_rows[t2]
            g0 = coefs[a, t]
            g1 = coefs[a, t1] if t + 1 < m else np.float32(0.0)
            g2 = coefs[a, t2] if t + 2 < m else np.float32(0.0)
            for j in range(d):
                steps[a, j] += g0 * outputs[w0, j] + g1 * outputs[w1, j] + g2 * outputs[w2, j]


@njit(**INLINE)
def block_add(outputs, out_rows, m, inputs, in_rows, n, coefs):
    """outputs[out_rows[t]] += Σ_a coefs[a, t] inputs[in_rows[a]] for t < m (a < n); a row listed twice gets both.
    inputs must not be outputs (they are read as they were on entry)."""
    d = inputs.shape[1]
    for t in range(m):
        w = out_rows[t]
        for a in range(0, n, 3):
            a1, a2 = min(a + 1, n - 1), min(a + 2, n - 1)
            x0, x1, x2 = in_rows[a], in_rows[a1], in_rows[a2]
            g0 = coefs[a, t]
            g1 = coefs[a1, t] if a + 1 < n else np.float32(0.0)
            g2 = coefs[a2, t] if a + 2 < n else np.float32(0.0)
            for j in range(d):
                outputs[w, j] += g0 * inputs[x0, j] + g1 * inputs[x1, j] + g2 * inputs[x2, j]


# --- the loop: one thread's chunk, its inputs in bundles (numba compiles named tuples of arrays) ---


class Model(NamedTuple):
    """The parameters, trained in place; threads update the same two matrices (Hogwild)."""

    center_vectors: np.ndarray  # (V, d) float32, the v's
    outside_vectors: np.ndarray  # (V, d) float32, the u's


class SamplingTables(NamedTuple):
    """Which tokens are kept and which negatives are drawn: fixed for the run."""

    keep_probs: np.ndarray  # (V,) float64: keep token t with probability keep_probs[t] (subsampling)
    accept: np.ndarray  # (V,) float64, with alias: the alias table of the negatives (kernel_support.build_alias)
    alias: np.ndarray  # (V,) int32


class Schedule(NamedTuple):
    """The learning rate, linear from lr_start to lr_end over raw_total raw (pre-subsampling) words."""

    lr_start: float
    lr_end: float
    raw_before: int  # raw words of the run before tokens[0]: epoch · N + where tokens start in the corpus
    raw_total: int  # epochs · N


class Settings(NamedTuple):
    """The run's model and window: fixed for the run."""

    window: int  # the largest window: each is shrunk to a random 1..window
    cbow: bool  # CBOW (the context's mean predicts the center) or skip-gram (the center predicts each context word)


class Scratch(NamedTuple):
    """One thread's buffers, overwritten by every call: threads never share one."""

    rng_state: np.ndarray  # (1,) uint64: the splitmix64 generator's state, seeded by the caller
    buf: np.ndarray  # (longest chunk,) int32: a chunk's kept tokens
    plan: np.ndarray  # (3, longest chunk) int32: its windows (lo, hi, center position)
    negatives: np.ndarray  # (longest chunk, K) int32: their negatives
    rates: np.ndarray  # (longest chunk,) float32: their learning rates
    rows: np.ndarray  # (R + K + 1,) int32: a window's output rows, then its input rows (or 0..b-1 for CBOW)
    inputs: np.ndarray  # (R, d) float32: CBOW's window means
    scores: np.ndarray  # (R, K + 1), or (R, L) with loss hs, float32: the blocks' scores, then their coefficients
    steps: np.ndarray  # (R, d) float32: each input's step
    # R = max(2·window, CBOW_SHARE): the inputs of one update (context words, or CBOW windows)


_linear_decay = njit(**INLINE)(linear_decay)  # the schedule of base.linear_decay (the NumPy engine's), compiled
PREFETCH_AHEAD = 2  # updates between prefetching rows and using them
CBOW_SHARE = 8  # consecutive CBOW windows drawing one set of negatives
MAX_REDRAWS = 16  # redraws of a negative equal to a center (skipping it instead costs SimLex-999 ~0.015)


@njit(**INLINE)
def plan_windows(buf, start, n, window, state, plan, q):
    """For each kept position i of one segment, buf[start:n], a window shrunk to a random 1..window and cut at the
    segment's ends; those with a context word go to plan (lo, hi, i) from column q on. Returns the new q."""
    for i in range(start, n):
        reduced = 1 + below(state, window)
        lo = max(start, i - reduced)
        hi = min(n, i + reduced + 1)
        if hi - lo < 2:
            continue
        plan[0, q] = lo
        plan[1, q] = hi
        plan[2, q] = i
        q += 1
    return q


@njit(**INLINE)
def draw_shared_negatives(state, tables, buf, plan, first, last, out):
    """Fill out (K,) with the negatives of windows first..last-1 of plan, drawn ∝ count^ns_exponent; a draw equal
    to one of their centers (the words they predict) is redrawn, up to MAX_REDRAWS times (a tiny vocabulary may
    have no other word): one still equal is skipped by the update."""
    for k in range(out.shape[0]):
        for _ in range(MAX_REDRAWS + 1):
            word = draw_one(state, tables.accept, tables.alias)
            if not _is_center(buf, plan, first, last, word):
                break
        out[k] = word


@njit(**INLINE)
def _is_center(buf, plan, first, last, word):
    """Whether word is the center of one of windows first..last-1."""
    for r in range(first, last):
        if buf[plan[2, r]] == word:
            return True
    return False


@njit(**INLINE)
def _prefetch_windows(model, buf, plan, first, last, negatives):
    """Start loading the rows windows first..last-1 will use: their context rows (v), their centers' rows and the
    negatives' (u)."""
    for r in range(first, last):
        lo, hi, i = plan[0, r], plan[1, r], plan[2, r]
        for p in range(lo, hi):
            if p != i:
                prefetch_row(model.center_vectors, buf[p])
        prefetch_row(model.outside_vectors, buf[i])
    for k in range(negatives.shape[0]):
        prefetch_row(model.outside_vectors, negatives[k])


@njit(**INLINE)
def plan_chunk(tokens, seg_offsets, first_seg, last_seg, keep_probs, schedule, window, state, buf, plan, rates):
    """Plan segments first_seg..last_seg-1 (tokens[seg_offsets[s]:seg_offsets[s + 1]]) in order: each subsampled
    (keep token t with probability keep_probs[t]) into buf after the one before, its windows planned
    (plan_windows: they never cross the segment's ends) and every window's lr noted in rates: linear_decay(lr_start,
    lr_end, (raw_before + position) / raw_total), set at each segment's start (position: its first token in
    tokens). Returns q, the windows planned (plan[:, :q], rates[:q])."""
    n = 0  # tokens kept so far
    q = 0  # windows planned so far
    for s in range(first_seg, last_seg):
        a = seg_offsets[s]
        progress = (schedule.raw_before + a) / schedule.raw_total
        lr = np.float32(_linear_decay(schedule.lr_start, schedule.lr_end, progress))
        start = n
        for p in range(a, seg_offsets[s + 1]):
            w = tokens[p]
            keep = keep_probs[w]
            if keep < 1.0 and uniform(state) >= keep:
                continue
            buf[n] = w
            n += 1
        planned = q
        q = plan_windows(buf, start, n, window, state, plan, q)
        for r in range(planned, q):
            rates[r] = lr
    return q


@njit(**JIT)
def train_segments(model, tokens, seg_offsets, first_seg, last_seg, tables, schedule, settings, scratch):
    """Train model on segments first_seg..last_seg-1 (sentences, or 10,000-word pieces of longer ones) in order.

    The segments are tokens[seg_offsets[s]:seg_offsets[s + 1]]. First the whole chunk is planned (plan_chunk:
    subsampled, its windows and their learning rates), then the negatives drawn, one set of K per skip-gram window,
    one per CBOW_SHARE consecutive CBOW windows (draw_shared_negatives). Then the updates run in order, one SGD
    step each (skipgram_window_update; cbow_windows_update for CBOW_SHARE windows), each from the parameters the
    one before left, with the lr of its first window.
    Planning first lets the loop prefetch the rows of the update PREFETCH_AHEAD ahead, across sentences (the rows
    are scattered over matrices larger than the caches: waiting for them was most of the time).
    Bundles: model (Model), tables (SamplingTables), schedule (Schedule), settings (Settings), scratch (Scratch).
    Returns (loss sum, windows trained).
    """
    state, buf, plan, negatives, rates = scratch.rng_state, scratch.buf, scratch.plan, scratch.negatives, scratch.rates
    share = CBOW_SHARE if settings.cbow else 1
    q = plan_chunk(tokens, seg_offsets, first_seg, last_seg, tables.keep_probs, schedule, settings.window, state,
                   buf, plan, rates)
    for first in range(0, q, share):  # K negatives for every `share` windows
        draw_shared_negatives(state, tables, buf, plan, first, min(q, first + share), negatives[first])
    loss = 0.0
    for first in range(0, q, share):
        last = min(q, first + share)
        ahead = first + PREFETCH_AHEAD * share
        if ahead < q:
            _prefetch_windows(model, buf, plan, ahead, min(q, ahead + share), negatives[ahead])
        if settings.cbow:
            loss += cbow_windows_update(model, buf, plan, first, last, negatives[first], rates[first], scratch)
        else:
            loss += skipgram_window_update(model, buf, plan[0, first], plan[1, first], plan[2, first],
                                           negatives[first], rates[first], scratch)
    windows = q
    return loss, windows
