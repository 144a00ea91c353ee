"""Before training: will the run fit in memory and on disk? Each check states what the run takes and refuses with
one line saying what to change, before anything slow happens.

Both checks start from the size of the parameters, the two (V, d) matrices: V × d × 2 × bytes per value;
e.g. 10,000 words × 100 dimensions in float32 take 10,000 · 100 · 2 · 4 = 8,000,000 bytes (7.6 MB).
"""
from __future__ import annotations

import math
import shutil
from pathlib import Path

from w2vcli.config import TrainConfig
from w2vcli.encoded import file_bytes
from w2vcli.errors import W2VError
from w2vcli.rundir import run_files_bytes
from w2vcli.vocab import Vocab

NUMPY_BYTES_PER_TOKEN = 64  # the NumPy engine: its corpus (~4.4) and a pass's subsampled view (~54, measured)


def parameter_bytes(vocab_size: int, dim: int, bytes_per_value: int) -> int:
    """Bytes of the center and outside vectors: V × d × 2 matrices × bytes per value."""
    return vocab_size * dim * 2 * bytes_per_value


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (MemAvailable of /proc/meminfo), or None if unknown."""
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def check_memory(config: TrainConfig, vocab: Vocab, log=print) -> None:
    """State the memory the run will take and refuse when it exceeds the memory available: the parameters
    (+ the (P, V) buffers of the naive softmax); with the NumPy engine also the corpus, which it holds in memory
    (the fast engine reads it from disk a chunk at a time)."""
    bytes_per_value = 4 if config.engine == "fast" else 8  # float32 / float64
    parameters = parameter_bytes(len(vocab), config.dim, bytes_per_value)
    if config.loss == "softmax":
        parameters += config.batch_size * 2 * config.window * len(vocab) * 8 * 3  # (P, V) scores, ŷ and gradient
    if config.loss == "hs":  # the tree's paths: (V, L) codes (1 byte) and points (4), L ~ 2 log2 V at most in practice
        parameters += 5 * len(vocab) * 2 * max(1, math.ceil(math.log2(max(len(vocab), 2))))
    corpus = 0 if config.engine == "fast" else vocab.total * NUMPY_BYTES_PER_TOKEN
    available = available_memory()
    log(f"memory: {parameters / 2**20:,.1f} MB for {len(vocab):,} x {config.dim} vectors x 2 "
        f"({'float32' if bytes_per_value == 4 else 'float64'})"
        + (f", {corpus / 2**20:,.1f} MB for the corpus" if corpus else ", the corpus read from disk")
        + (f"; {available / 2**20:,.0f} MB available" if available else ""))
    if available is not None and parameters + corpus > available:
        fix = "lower --dim, raise --min-count or set --max-vocab"
        if corpus > parameters:
            fix = "use --engine fast, which reads the corpus from disk, or train on less text"
        raise W2VError(
            f"training needs about {(parameters + corpus) / 2**30:.1f} GiB but only {available / 2**30:.1f} GiB "
            f"is available: {fix}"
        )


def check_disk(config: TrainConfig, vocab: Vocab, out_dir: Path) -> None:
    """Refuse when out_dir's disk cannot hold the fast engine's encoded corpus, the checkpoints and the outputs
    (less what a resumed run's files already take there)."""
    encoded = file_bytes(vocab.total, vocab.corpus_sentences)  # an upper bound: empty sentences are dropped
    parameters = parameter_bytes(len(vocab), config.dim, 4)  # P: float32, one checkpoint's worth
    text = 1.5 * parameters if "vectors.txt" in config.vector_files else 0  # ~12 bytes a value
    later = 4.5 * parameters + text  # 3 checkpoints kept + 1 being written, vectors.bin; model.npz is a link
    present = run_files_bytes(out_dir)
    needed = encoded + max(later - present, 2 * parameters)
    free = shutil.disk_usage(out_dir).free
    if needed > free:
        raise W2VError(f"the encoded corpus, checkpoints and outputs need about {needed / 2**20:,.0f} MB of disk in "
                       f"{out_dir} but {free / 2**20:,.0f} MB is free: free some disk or choose another --out")
