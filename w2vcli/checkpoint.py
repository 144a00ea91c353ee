"""Checkpoints: a run's whole state in one .npz, written atomically, verified on load, the last few kept."""
from __future__ import annotations

import hashlib
import json
import warnings
import zipfile
from pathlib import Path

import numpy as np

from w2vcli.atomic import atomic_write
from w2vcli.engines.base import TrainState
from w2vcli.errors import W2VError

KEEP = 3  # checkpoints kept; older ones are deleted
FORMAT_VERSION = 1


def vocab_fingerprint(vocab) -> str:
    """A hash of the vocabulary's words and counts: a checkpoint only resumes on the corpus it came from."""
    digest = hashlib.sha256()
    for word, count in zip(vocab.words, vocab.counts.tolist()):
        digest.update(f"{word}\t{count}\n".encode())
    return digest.hexdigest()


def checkpoint_path(folder: Path, step: int) -> Path:
    return folder / f"step-{step:09d}.npz"


def save_checkpoint(folder, state: TrainState, history: np.ndarray, config: dict, fingerprint: str) -> Path:
    """Write state (vectors, step, RNG state, counters), the loss history (n, 4) and the config atomically."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    meta = {
        "format_version": FORMAT_VERSION,
        "step": state.step,
        "words_done": state.words_done,
        "running_loss": state.running_loss,
        "rng_state": state.rng.bit_generator.state,
        "config": config,
        "vocab_fingerprint": fingerprint,
    }
    path = checkpoint_path(folder, state.step)
    with atomic_write(path) as handle:
        np.savez(
            handle,
            center_vectors=state.center_vectors,
            outside_vectors=state.outside_vectors,
            history=history,
            meta=np.array(json.dumps(meta)),
        )
    for old in sorted(folder.glob("step-*.npz"))[:-KEEP]:
        old.unlink(missing_ok=True)
    return path


def load_checkpoint(path) -> tuple[TrainState, np.ndarray, dict]:
    """(state, history, meta) from one checkpoint file; W2VError if it is unreadable or inconsistent."""
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            center_vectors = data["center_vectors"]
            outside_vectors = data["outside_vectors"]
            history = data["history"]
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:  # torn or foreign file
        raise W2VError(f"checkpoint {path} is unreadable ({type(err).__name__})") from None
    required = ("format_version", "step", "words_done", "running_loss", "rng_state", "config", "vocab_fingerprint")
    if (
        not isinstance(meta, dict)
        or any(key not in meta for key in required)
        or meta["format_version"] != FORMAT_VERSION
        or center_vectors.shape != outside_vectors.shape
    ):
        raise W2VError(f"checkpoint {path} is not a w2vcli checkpoint of this version")
    rng = np.random.default_rng()
    try:
        rng.bit_generator.state = meta["rng_state"]
    except (TypeError, ValueError, KeyError):
        raise W2VError(f"checkpoint {path} holds an unusable random state") from None
    state = TrainState(
        center_vectors, outside_vectors, meta["step"], rng, meta["words_done"], meta["running_loss"]
    )
    return state, history, meta


def latest_checkpoint(folder) -> tuple[TrainState, np.ndarray, dict] | None:
    """The newest checkpoint in folder that loads cleanly (a broken one is skipped with a warning), or None."""
    for path in sorted(Path(folder).glob("step-*.npz"), reverse=True):
        try:
            return load_checkpoint(path)
        except W2VError as err:
            warnings.warn(f"{err}; trying an older one", stacklevel=2)
    return None
