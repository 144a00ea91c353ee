"""Compiled kernels of the fast engine: word2vec's SGD with negative sampling, a window at a time, in numba.

The math first (sigmoid_terms; the update rules neg_pair_update, skipgram_window_update and cbow_update), then
the loop that plans a chunk's windows and runs them (train_segments, taking its inputs in bundles). The support
they stand on (numba's settings, the prefetch hint, the random generator, the alias table of the negatives)
is in kernel_support.py.

Everything here is float32 (the vectors, the dot products, the steps) except the loss, which each thread sums in
float64. Functions are compiled on first use and cached on disk (`cache=True`), so later runs start quickly
(numba keys the cache by this file's text alone, so kernel_support.forget_stale_cache drops it when a file
these kernels inline from changes).

Conventions (tests/test_fast_engine.py checks each against w2vcli.core):
  h        the input vector: a row of center_vectors (skip-gram) or the mean of the context rows (CBOW)
  U        outside_vectors (V, d); o a word to predict, n_1..n_K the negatives (repeats allowed)
  σ        the logistic function 1 / (1 + exp(-x)) for |x| < 6 (from a fine table, exact to float32: see
           sigmoid_terms), clipped to 0 or 1 beyond, as word2vec C clips at MAX_EXP = 6 (the loss is not
           clipped)
Negatives are shared where it costs no quality (measured: SimLex-999 over seeds, benchmarks/README.md): by the
pairs of one skip-gram window (pWord2Vec's idea), by CBOW_SHARE consecutive CBOW windows (BIDMach's).
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
def neg_pair_update(inputs, row, outside_vectors, target, negatives, lr, work, coef):
    """One negative-sampling SGD step on the outside rows, for input h = inputs[row] predicting `target`.

        f_0 = u_o·h,  f_k = u_{n_k}·h                      (scores, with the rows as they were on entry)
        J   = -log σ(f_0) - Σ_k log σ(-f_k)               (returned, float64; k over the negatives ≠ o)
        g_0 = lr (1 - σ(f_0)),  g_k = -lr σ(f_k)           = -lr ∂J/∂f
        work[1] = Σ_k g_k u_k  (k = 0..K)                  = -lr ∂J/∂h   (the caller applies it to h's rows)
        u_k += g_k h  for every k                          = -lr ∂J/∂u_k; a negative drawn twice moves twice
    A negative equal to o is skipped, as word2vec C and gensim skip it. This is exactly one SGD step
    `U -= lr ∂J/∂U` of w2vcli.core.neg_sampling_loss_and_gradient with those negatives (all scores use the rows
    before the step, also for repeated negatives). inputs[row] is read, never written, and must
    not be a row of outside_vectors. work is (2, d) scratch (row 1 is the output), coef (K + 1,) scratch.
    """
    d = outside_vectors.shape[1]
    num = negatives.shape[0] + 1
    loss = 0.0
    for k in range(num):
        w = target if k == 0 else negatives[k - 1]
        if k > 0 and w == target:
            coef[k] = np.float32(0.0)
            continue
        f = np.float32(0.0)
        for j in range(d):
            f += outside_vectors[w, j] * inputs[row, j]
        # With x = f for the true word and x = -f for a negative: J_k = -log σ(x), -lr ∂J/∂f = ±lr (1 - σ(x)).
        x = f if k == 0 else -f
        one_minus_sig, nll = sigmoid_terms(x)
        loss += nll
        coef[k] = one_minus_sig * lr if k == 0 else -one_minus_sig * lr
    # A row drawn twice (a repeated negative) is updated once with the summed coefficient: the same step as two
    # updates computed from the rows on entry, which is what the gradient of J says.
    for k in range(1, num):
        w = negatives[k - 1]
        if w == target:
            continue
        for m in range(k - 1):
            if negatives[m] == w:
                coef[m + 1] += coef[k]
                coef[k] = np.float32(0.0)
                break
    for j in range(d):
        work[1, j] = np.float32(0.0)
    for k in range(num):
        g = coef[k]
        if g == 0.0:  # a merged repeat, or σ clipped: nothing to do
            continue
        w = target if k == 0 else negatives[k - 1]
        for j in range(d):
            work[1, j] += g * outside_vectors[w, j]
            outside_vectors[w, j] += g * inputs[row, j]
    return loss


@njit(**INLINE)
def skipgram_window_update(model, words, lo, hi, pos, negatives, lr, scratch):
    """Skip-gram, one window: v_c (c = words[pos]) predicts each context word o in words[lo:hi] (pos left out,
    n = hi - lo - 1 >= 1 pairs), all pairs against the same negatives N = negatives (K,); one SGD step.

        J   = Σ_o [-log σ(u_o·v_c) - Σ_k log σ(-u_{n_k}·v_c)]      the window's pair losses (returned, float64)
            = Σ_o J(v_c, o, U, N) of w2vcli.core.neg_sampling_loss_and_gradient
        v_c -= lr ∂J/∂v_c,  U -= lr ∂J/∂U                          every gradient at the parameters on entry
    Each distinct row t of the outputs (a context word m_t times, or a negative m_t times) gets one coefficient
        g_t = lr · m_t (1 - σ(f_t)) for a context word,  g_t = -lr · n · m_t σ(f_t) for a negative, f_t = u_t·v_c
    then v_c += Σ_t g_t u_t and u_t += g_t v_c, both from the rows on entry. So the K negatives' scores are
    computed once for the n pairs: 3 (n + K) d flops a window where per-pair SGD takes 3 n (K + 1) d.
    A negative equal to a context word is skipped (as word2vec C and gensim skip one equal to the word
    predicted), so J is Σ_o J(v_c, o, U, N \\ context); one equal to c stays (v_c is in the other matrix).
    scratch.work (2, d): v_c on entry, then the step of v_c; scratch.rows and scratch.coef (2·window + K,).
    """
    center_vectors, outside_vectors = model.center_vectors, model.outside_vectors
    rows, coef, work = scratch.rows, scratch.coef, scratch.work
    d = center_vectors.shape[1]
    c = words[pos]
    n = hi - lo - 1
    m = 0  # distinct output rows: the context words first (rows[:contexts]), then the negatives
    for p in range(lo, hi):
        if p == pos:
            continue
        m = _add_row(rows, coef, 0, m, words[p], np.float32(1.0))
    contexts = m
    for k in range(negatives.shape[0]):
        if _find_row(rows, 0, contexts, negatives[k]) < 0:
            m = _add_row(rows, coef, contexts, m, negatives[k], np.float32(n))
    loss = 0.0
    for j in range(d):
        work[0, j] = center_vectors[c, j]
        work[1, j] = np.float32(0.0)
    for t in range(m):
        w = rows[t]
        f = np.float32(0.0)
        for j in range(d):
            f += outside_vectors[w, j] * work[0, j]
        # x = f for a context word, -f for a negative: J_t = -log σ(x), -lr ∂J/∂f = ±lr (1 - σ(x)), times m_t
        one_minus_sig, nll = sigmoid_terms(f if t < contexts else -f)
        loss += nll * coef[t]
        coef[t] = (one_minus_sig if t < contexts else -one_minus_sig) * lr * coef[t]  # now g_t
    for t in range(m):
        g = coef[t]
        if g == 0.0:  # σ clipped: nothing to do
            continue
        w = rows[t]
        for j in range(d):
            work[1, j] += g * outside_vectors[w, j]
            outside_vectors[w, j] += g * work[0, j]
    for j in range(d):
        center_vectors[c, j] = work[0, j] + work[1, j]
    return loss


@njit(**INLINE)
def _find_row(rows, first, m, word):
    """The index of word in rows[first:m], or -1."""
    for t in range(first, m):
        if rows[t] == word:
            return t
    return -1


@njit(**INLINE)
def _add_row(rows, counts, first, m, word, weight):
    """Add weight to word's count among rows[first:m] (appending it when absent); returns the new m."""
    t = _find_row(rows, first, m, word)
    if t >= 0:
        counts[t] += weight
        return m
    rows[m] = word
    counts[m] = weight
    return m + 1


@njit(**INLINE)
def cbow_update(model, words, lo, hi, pos, negatives, lr, scratch):
    """CBOW, one window: the mean of the context rows predicts the center word words[pos]; one SGD step.

    The context is words[lo:hi] without position pos (n = hi - lo - 1 >= 1 words, repeats counted each time).
        h    = (1/n) Σ_j v_{w_j}                             (word2vec's cbow_mean = 1), in work[0]
        U   -= lr ∂J/∂U                                      (neg_pair_update with input h, target c)
        v_{w_j} -= lr ∂J/∂h   for every context occurrence j — NOT divided by n
    The last line is word2vec C's convention (gensim's too): each context row gets the whole step of the mean
    h, where the exact gradient ∂J/∂v_{w_j} = (1/n) ∂J/∂h (w2vcli.core.cbow) would give 1/n of it. With lr
    0.05 (word2vec's CBOW default) this is the step those tools are tuned for. Returns J.
    """
    center_vectors, outside_vectors = model.center_vectors, model.outside_vectors
    work, coef = scratch.work, scratch.coef
    d = center_vectors.shape[1]
    n = hi - lo - 1
    for j in range(d):
        work[0, j] = np.float32(0.0)
    for p in range(lo, hi):
        if p != pos:
            w = words[p]
            for j in range(d):
                work[0, j] += center_vectors[w, j]
    inv = np.float32(1.0) / np.float32(n)
    for j in range(d):
        work[0, j] *= inv
    loss = neg_pair_update(work, 0, outside_vectors, words[pos], negatives, lr, work, coef)
    for p in range(lo, hi):
        if p != pos:
            w = words[p]
            for j in range(d):
                center_vectors[w, j] += work[1, j]
    return loss


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
    buf: np.ndarray  # (longest segment,) int32: a segment's kept tokens
    plan: np.ndarray  # (3, longest segment) int32: its windows (lo, hi, center position)
    negatives: np.ndarray  # (longest segment, K) int32: their negatives
    work: np.ndarray  # (2, d) float32: the update rules' scratch
    coef: np.ndarray  # (2·window + K,) float32: the update rules' coefficients
    rows: np.ndarray  # (2·window + K,) int32: skipgram_window_update's distinct output rows


_linear_decay = njit(**INLINE)(linear_decay)  # the schedule of base.linear_decay (the NumPy engine's), compiled
PREFETCH_AHEAD = 2  # windows between prefetching rows and updating them
CBOW_SHARE = 8  # consecutive CBOW windows drawing one set of negatives
MAX_REDRAWS = 16  # redraws of a negative equal to a word predicted (skipping it instead costs SimLex-999 ~0.015)


@njit(**INLINE)
def plan_windows(buf, n, window, state, plan):
    """For each kept position i of buf[:n], a window shrunk to a random 1..window and cut at the segment's ends;
    those with a context word go to plan (lo, hi, i). Returns how many."""
    q = 0
    for i in range(n):
        reduced = 1 + below(state, window)
        lo = max(0, i - reduced)
        hi = min(n, i + reduced + 1)
        if hi - lo < 2:
            continue
        plan[0, q] = lo
        plan[1, q] = hi
        plan[2, q] = i
        q += 1
    return q


@njit(**INLINE)
def draw_shared_negatives(state, tables, buf, plan, first, last, cbow, out):
    """Fill out (K,) with the negatives of windows first..last-1 of plan, drawn ∝ count^ns_exponent; a draw equal
    to a word those windows predict (skip-gram: a context word; CBOW: a center) is redrawn, up to MAX_REDRAWS
    times (a tiny vocabulary may have no other word): one still equal is skipped by the update."""
    for k in range(out.shape[0]):
        for _ in range(MAX_REDRAWS + 1):
            word = draw_one(state, tables.accept, tables.alias)
            if not _predicted(buf, plan, first, last, cbow, word):
                break
        out[k] = word


@njit(**INLINE)
def _predicted(buf, plan, first, last, cbow, word):
    """Whether one of windows first..last-1 predicts word: one of its context words (skip-gram), its center (CBOW)."""
    for r in range(first, last):
        lo, hi, i = plan[0, r], plan[1, r], plan[2, r]
        if cbow:
            if buf[i] == word:
                return True
        else:
            for p in range(lo, hi):
                if p != i and buf[p] == word:
                    return True
    return False


@njit(**JIT)
def train_segments(model, tokens, seg_offsets, first_seg, last_seg, tables, schedule, settings, scratch):
    """Train model on segments first_seg..last_seg-1 (sentences, or 10,000-word pieces of longer ones) in order.

    The segments are tokens[seg_offsets[s]:seg_offsets[s + 1]]. For each segment: subsample (keep token t with
    probability keep_probs[t]) into buf, plan its windows (plan_windows) and draw their negatives: one set of K
    per skip-gram window, one per CBOW_SHARE consecutive CBOW windows (draw_shared_negatives); then run the
    windows in order, one SGD step each (skipgram_window_update, cbow_update), each from the parameters the one
    before left.
    Planning first lets the loop prefetch the rows of the window PREFETCH_AHEAD ahead (the rows are scattered
    over matrices much larger than the caches: waiting for them is most of the time).
    lr is linear in raw (pre-subsampling) words: linear_decay(lr_start, lr_end, (raw_before + position) /
    raw_total), set at each segment's start (position: the segment's first token in tokens).
    Bundles: model (Model), tables (SamplingTables), schedule (Schedule), settings (Settings), scratch (Scratch).
    Returns (loss sum, windows trained).
    """
    center_vectors, outside_vectors = model.center_vectors, model.outside_vectors
    keep_probs = tables.keep_probs
    state, buf, plan, negatives = scratch.rng_state, scratch.buf, scratch.plan, scratch.negatives
    cbow = settings.cbow
    share = CBOW_SHARE if cbow else 1
    loss = 0.0
    windows = 0
    for s in range(first_seg, last_seg):
        a = seg_offsets[s]
        b = seg_offsets[s + 1]
        progress = (schedule.raw_before + a) / schedule.raw_total
        lr = np.float32(_linear_decay(schedule.lr_start, schedule.lr_end, progress))
        n = 0
        for p in range(a, b):
            w = tokens[p]
            keep = keep_probs[w]
            if keep < 1.0 and uniform(state) >= keep:
                continue
            buf[n] = w
            n += 1
        q = plan_windows(buf, n, settings.window, state, plan)
        windows += q
        for first in range(0, q, share):  # K negatives for every `share` windows
            last = min(q, first + share)
            draw_shared_negatives(state, tables, buf, plan, first, last, cbow, negatives[first])
            for r in range(first + 1, last):
                negatives[r] = negatives[first]
        for r in range(q):
            ahead = r + PREFETCH_AHEAD
            if ahead < q:
                lo, hi, i = plan[0, ahead], plan[1, ahead], plan[2, ahead]
                for p in range(lo, hi):  # the context rows: inputs (CBOW) or outputs (skip-gram)
                    if p != i:
                        prefetch_row(center_vectors if cbow else outside_vectors, buf[p])
                prefetch_row(outside_vectors if cbow else center_vectors, buf[i])
                if ahead % share == 0:  # the first window of those sharing the negatives
                    for k in range(negatives.shape[1]):
                        prefetch_row(outside_vectors, negatives[ahead, k])
            if cbow:
                loss += cbow_update(model, buf, plan[0, r], plan[1, r], plan[2, r], negatives[r], lr, scratch)
            else:
                loss += skipgram_window_update(model, buf, plan[0, r], plan[1, r], plan[2, r], negatives[r], lr,
                                               scratch)
    return loss, windows
