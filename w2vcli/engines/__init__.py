"""Training engines: one file per engine, all behind the interface in base.py."""
from __future__ import annotations

from w2vcli.engines.base import Engine, StepReport, TrainState


def find_engine(config) -> type[Engine]:
    """The engine class named by config.engine, its dependencies imported (an error when one is missing)."""
    if config.engine == "numpy":
        from w2vcli.engines.numpy_engine import NumpyEngine

        return NumpyEngine
    if config.engine == "fast":
        try:
            import numba  # noqa: F401
        except ImportError:
            from w2vcli.errors import W2VError

            raise W2VError("--engine fast needs numba (pip install 'numba>=0.59'); or use --engine numpy") from None
        from w2vcli.engines.fast_engine import FastEngine

        return FastEngine
    raise ValueError(f"unknown engine {config.engine!r}")


def make_engine(config, vocab, corpus) -> Engine:
    """The engine named by config.engine, built for this vocabulary and encoded corpus."""
    return find_engine(config)(config, vocab, corpus)


__all__ = ["Engine", "StepReport", "TrainState", "find_engine", "make_engine"]
