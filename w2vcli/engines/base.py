"""The interface every engine implements: parameters in a TrainState, training as a stream of steps."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np


@dataclass
class TrainState:
    """Everything needed to continue a run exactly: saved in checkpoints (w2vcli/checkpoint.py)."""

    center_vectors: np.ndarray  # (V, d) the v's, the vectors written to vectors.txt
    outside_vectors: np.ndarray  # (V, d) the u's
    step: int  # steps done
    rng: np.random.Generator  # the run's one generator: window shrink, negatives, sampled windows
    words_done: int = 0  # center words trained on so far
    running_loss: float | None = None  # 0.95 * old + 0.05 * new, as the classic assignment prints


def linear_decay(lr_start: float, lr_end: float, progress: float) -> float:
    """word2vec's learning rate after a fraction `progress` of the run: linear from lr_start to lr_end, never below.

    >>> linear_decay(0.025, 0.0, 0.25)
    0.01875
    Plain Python on scalars, so the fast engine's kernels compile this same function with numba.
    """
    return max(lr_start - (lr_start - lr_end) * progress, lr_end)


def word2vec_init(rng: np.random.Generator, vocab_size: int, dim: int, dtype=np.float64) -> TrainState:
    """word2vec's initialisation: center vectors uniform in (-0.5/d, 0.5/d), outside vectors zero; step 0."""
    center_vectors = rng.random((vocab_size, dim), dtype=dtype)  # (V, d), then in place: no temporary copies
    center_vectors -= 0.5
    center_vectors /= dim
    outside_vectors = np.zeros((vocab_size, dim), dtype=dtype)  # (V, d)
    return TrainState(center_vectors, outside_vectors, step=0, rng=rng)


@dataclass
class StepReport:
    step: int  # steps done after this one
    loss: float  # this step's loss: mean over its windows of each window's summed loss
    lr: float  # learning rate used for this step
    words: int  # center words in this step
    settled: bool = True  # no update is in flight: the state is this step's, safe to checkpoint


class Engine:
    """An engine trains a TrainState in place, one step at a time, and says how many steps the run has."""

    name = "base"
    total_steps: int

    def init_state(self, seed: int) -> TrainState:
        raise NotImplementedError

    def run(self, state: TrainState) -> Iterator[StepReport]:
        """Train from state.step to total_steps, yielding after every step. A report is settled (safe to
        checkpoint) at least at every checkpoint_every-th step and at the end."""
        raise NotImplementedError

    def request_pause(self) -> None:
        """Make a settled report come soon (an engine whose reports are all settled has nothing to do)."""
