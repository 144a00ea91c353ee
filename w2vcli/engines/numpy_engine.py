"""The NumPy engine: minibatch SGD on the core's batch models, for teaching, checking and small corpora.

Each step takes a batch of windows, gets their summed loss and gradients from w2vcli.core's skipgram_batch or
cbow_batch, and moves the touched rows by -lr · (mean over the batch's windows of the summed gradient), the
classic assignment's SGD: this file draws the windows and applies the updates, the core does the math.
Losses: neg (negatives drawn from the run's generator), softmax, hs (the Huffman tree of the vocabulary's counts,
built once here; its inner nodes are rows 0..V-2 of the outside matrix).
Two schedules:
  epochs      the corpus in order, `batch_size` tokens of it per step; lr decays linearly to min_lr.
  iterations  `batch_size` random windows per step (a random sentence, then a random position in it);
              lr halves every `anneal_every` steps.
Subsampling redraws which tokens are kept once per epoch (or per corpus-sized stretch of iterations) from a
generator seeded by (seed, pass), so a resumed run sees the same corpus as an uninterrupted one.
"""
from __future__ import annotations

import math
from collections.abc import Iterator
from functools import partial

import numpy as np

from w2vcli import core
from w2vcli.encoded import EncodedCorpus
from w2vcli.engines.base import Engine, StepReport, TrainState, linear_decay, word2vec_init
from w2vcli.vocab import NegativeSampler, huffman_tree, keep_probabilities


class SubsampledPass:
    """One pass's view of the corpus after subsampling: kept tokens and, for each, its sentence's bounds."""

    def __init__(self, corpus: EncodedCorpus, keep_probs: np.ndarray, rng: np.random.Generator):
        keep = rng.random(len(corpus.tokens)) < keep_probs[corpus.tokens]  # (N,)
        sentence_of = np.repeat(np.arange(corpus.num_sentences), np.diff(corpus.offsets))  # (N,)
        self.raw_position = np.flatnonzero(keep)  # (n,) where each kept token was in the full corpus
        self.tokens = corpus.tokens[keep]  # (n,)
        kept_per_sentence = np.bincount(sentence_of[keep], minlength=corpus.num_sentences)  # (S,)
        offsets = np.concatenate([[0], np.cumsum(kept_per_sentence)])  # (S + 1,)
        sentence = sentence_of[keep]  # (n,)
        self.start = offsets[sentence]  # (n,) first kept token of each token's sentence
        self.end = offsets[sentence + 1]  # (n,) one past its last
        self.sentence_start = offsets[:-1]  # (S,)
        self.sentence_length = kept_per_sentence  # (S,)


class NumpyEngine(Engine):
    name = "numpy"

    def __init__(self, config, vocab, corpus: EncodedCorpus):
        self.config = config
        self.vocab_size = len(vocab)
        self.corpus = corpus
        self.keep_probs = keep_probabilities(vocab.counts, config.sample, config.sample_rule)  # (V,)
        self.sampler = NegativeSampler(vocab.counts, config.ns_exponent) if config.loss == "neg" else None
        self.tree = huffman_tree(vocab.counts) if config.loss == "hs" else None
        self.steps_per_pass = max(1, math.ceil(len(corpus.tokens) / config.batch_size))
        if config.iterations is not None:
            self.total_steps = config.iterations
        else:
            self.total_steps = config.epochs * self.steps_per_pass
        self._pass_index = None
        self._pass = None

    def init_state(self, seed: int) -> TrainState:
        """word2vec's initialisation (base.word2vec_init) in float64, the run's generator seeded by `seed`."""
        return word2vec_init(np.random.default_rng(seed), self.vocab_size, self.config.dim)

    def learning_rate(self, step: int) -> float:
        """lr for a step: halved every anneal_every steps (iterations), or linear from lr to min_lr (epochs)."""
        config = self.config
        if config.iterations is not None:
            return config.effective_lr * 0.5 ** (step // config.anneal_every)
        return linear_decay(config.effective_lr, config.final_lr, step / self.total_steps)

    def subsampled_pass(self, pass_index: int) -> SubsampledPass:
        """The pass's subsampled corpus, drawn from a generator seeded by (seed, pass_index); cached."""
        if self._pass_index != pass_index:
            self._pass = None  # let the old pass go before building the new one (peak memory)
            rng = np.random.default_rng([self.config.seed, 1, pass_index])
            self._pass = SubsampledPass(self.corpus, self.keep_probs, rng)
            self._pass_index = pass_index
        return self._pass

    def batch_positions(self, state: TrainState, view: SubsampledPass, step: int) -> np.ndarray:
        """Positions (in the pass's kept tokens) of this step's centers."""
        if self.config.iterations is not None:
            candidates = np.flatnonzero(view.sentence_length >= 2)  # sentences with a context
            if len(candidates) == 0:
                return np.zeros(0, dtype=np.int64)
            sentences = candidates[state.rng.integers(len(candidates), size=self.config.batch_size)]
            offsets = (state.rng.random(self.config.batch_size) * view.sentence_length[sentences]).astype(np.int64)
            return view.sentence_start[sentences] + offsets
        block = step % self.steps_per_pass  # this step covers raw tokens [block·B, (block+1)·B)
        lo, hi = np.searchsorted(view.raw_position, [block * self.config.batch_size,
                                                     (block + 1) * self.config.batch_size])
        return np.arange(lo, hi)

    def run(self, state: TrainState) -> Iterator[StepReport]:
        while state.step < self.total_steps:
            step = state.step
            view = self.subsampled_pass(step // self.steps_per_pass)
            positions = self.batch_positions(state, view, step)  # (B,)
            lr = self.learning_rate(step)
            window_id, context_pos = window_pairs(state.rng, positions, view.start, view.end, self.config.window)
            with np.errstate(over="ignore", invalid="ignore"):  # divergence shows as a NaN loss; train.py stops it
                loss, num_windows = self.sgd_step(
                    state, view.tokens[positions], window_id, view.tokens[context_pos], lr
                )
            state.step += 1
            state.words_done += num_windows
            yield StepReport(step=state.step, loss=loss, lr=lr, words=num_windows)

    def sgd_step(self, state, center_words, window_id, context_words, lr) -> tuple[float, int]:
        """One SGD step on a batch of windows; returns (mean window loss, number of windows with context).

        center_words (B,), window_id (P,) and context_words (P,): pair p is (center_words[window_id[p]],
        context_words[p]). Windows with no context word are left out of the mean.
        """
        windows, window_id = np.unique(window_id, return_inverse=True)  # renumber windows 0..n-1
        num_windows = len(windows)
        if num_windows == 0:
            return 0.0, 0
        model = core.skipgram_batch if self.config.model == "skipgram" else core.cbow_batch
        loss, grad_center, grad_outside = model(
            center_words[windows], window_id, context_words, state.center_vectors, state.outside_vectors,
            self.loss_and_gradient(state.rng),
        )
        scale = lr / num_windows  # step on the batch mean
        apply_gradient(state.outside_vectors, grad_outside, scale)
        apply_gradient(state.center_vectors, grad_center, scale)
        return loss / num_windows, num_windows

    def loss_and_gradient(self, rng: np.random.Generator) -> core.LossAndGradientBatch:
        """The configured batch loss; negative sampling draws its negatives from rng (the run's generator)."""
        if self.config.loss == "softmax":
            return core.naive_softmax_loss_and_gradient_batch
        if self.config.loss == "hs":
            return core.hs_with_tree(self.tree, batch=True)
        sample_negatives = partial(self.sampler.sample, rng)  # (outside_idx (P,), K) -> negatives (P, K)
        return core.neg_sampling_with_sampler(sample_negatives, self.config.negative, batch=True)


def apply_gradient(matrix: np.ndarray, gradient: core.RowGradient, scale: float) -> None:
    """matrix -= scale · gradient, in place, touching only the gradient's rows (a repeated row gets each part)."""
    if gradient.rows is None:
        matrix -= scale * gradient.grads  # (V, d)
    else:
        np.add.at(matrix, gradient.rows, -scale * gradient.grads)


def window_pairs(rng: np.random.Generator, positions: np.ndarray, start: np.ndarray, end: np.ndarray, window: int):
    """The (window, context position) pairs of windows centred at `positions`, each shrunk to a random 1..window.

    positions (B,) index the kept tokens; start/end give each token's sentence bounds (windows stop there).
    Returns (window_id (P,), context_pos (P,)), in window order and left to right within a window.
    """
    shrink = rng.integers(1, window + 1, size=len(positions))  # (B,) word2vec's random window size
    offsets = np.concatenate([np.arange(-window, 0), np.arange(1, window + 1)])  # (2W,)
    context = positions[:, None] + offsets  # (B, 2W)
    valid = np.abs(offsets) <= shrink[:, None]
    valid &= (context >= start[positions][:, None]) & (context < end[positions][:, None])
    window_id, column = np.nonzero(valid)
    return window_id, context[window_id, column]
