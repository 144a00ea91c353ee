"""Signals during `w2v train`: outside the training loop SIGTERM raises, like Ctrl-C, so clean-up code runs; inside
it SIGINT and SIGTERM only set a flag, and the loop checkpoints at a step boundary and stops.

Either way the run ends as TrainingInterrupted with exit code 128 + the signal's number (130 Ctrl-C, 143 SIGTERM).
"""
from __future__ import annotations

import signal
from contextlib import contextmanager

from w2vcli.errors import TrainingInterrupted


class Terminated(BaseException):
    """SIGTERM outside the training loop: a BaseException, like KeyboardInterrupt, so that no `except Exception`
    on the way (a checkpoint reader skipping a bad file, a library) can swallow it."""


@contextmanager
def terminate_raises():
    """SIGTERM raises everywhere but in the training loop (which installs its own handler, stop_signals), so
    clean-up code runs; it leaves as TrainingInterrupted (exit 143). Yields a list: its last item, when any, is
    the hint the message ends with."""
    hint = [" before training started"]

    def handler(signum, frame):
        raise Terminated(signum)

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: signals stay as they are
        previous = False
    try:
        yield hint
    except Terminated as stop:
        raise TrainingInterrupted(f"terminated (SIGTERM){hint[-1]}",
                                  exit_code=128 + stop.args[0]) from None
    finally:
        if previous is not False and previous is not None:  # None: a handler not set from Python
            signal.signal(signal.SIGTERM, previous)


class StopFlag:
    signal: int | None = None  # the signal that asked the loop to stop, once one has


@contextmanager
def stop_signals():
    """While training, SIGINT and SIGTERM set a flag; the loop then checkpoints at a step boundary and stops."""
    flag = StopFlag()
    previous = {}

    def handler(signum, frame):
        flag.signal = signum

    try:
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, handler)
    except ValueError:  # not the main thread: signals stay as they are
        pass
    try:
        yield flag
    finally:
        for sig, old in previous.items():
            if old is not None:  # None: a handler not set from Python
                signal.signal(sig, old)


def interrupted(step: int, path, out_dir, signum: int) -> TrainingInterrupted:
    """The error a stopped loop leaves with, once its checkpoint at `path` is saved."""
    return TrainingInterrupted(f"interrupted at step {step:,}; checkpoint saved to {path}. Continue with: "
                               f"w2v train --out {out_dir} --resume", exit_code=128 + signum)
