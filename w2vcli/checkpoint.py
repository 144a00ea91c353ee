"""Checkpoints: a run's whole state in one .npz, written atomically, verified on load, the last few kept.

A checkpoint holds the two (V, d) matrices, the loss history (n, 5) (step, loss, step_loss, lr, words) and a JSON
meta: step, words_done, running_loss, the RNG state, the run's config and its vocabulary's fingerprint. `--resume`
loads the newest one once (resume_config) and train() continues from it.
"""
from __future__ import annotations

import hashlib
import json
import warnings
import zipfile
from pathlib import Path
from typing import NamedTuple

import numpy as np

from w2vcli.atomic import atomic_write
from w2vcli.config import TrainConfig, config_from_dict
from w2vcli.engines.base import TrainState
from w2vcli.errors import ConfigError, W2VError

RESUME_MAY_CHANGE = ("quiet", "save", "explore")  # options a resumed run may set anew: they do not touch training
KEEP = 3  # checkpoints kept; older ones are deleted
FORMAT_VERSION = 1


class Checkpoint(NamedTuple):
    """One checkpoint, loaded; it unpacks as (state, history, meta)."""

    state: TrainState  # vectors, step, RNG, counters
    history: np.ndarray  # (n, 5) rows of train.HISTORY_COLUMNS: step, loss, step_loss, lr, words
    meta: dict  # format_version, step, words_done, running_loss, rng_state, config, vocab_fingerprint

    @property
    def config(self) -> TrainConfig:
        """The config of the run that wrote it."""
        return config_from_dict(self.meta["config"])


def vocab_fingerprint(vocab) -> str:
    """A hash of the vocabulary's words and counts: a checkpoint only resumes on the corpus it came from."""
    digest = hashlib.sha256()
    for word, count in zip(vocab.words, vocab.counts.tolist()):
        digest.update(f"{word}\t{count}\n".encode())
    return digest.hexdigest()


def checkpoint_path(folder: Path, step: int) -> Path:
    return folder / f"step-{step:09d}.npz"


def save_checkpoint(folder, state: TrainState, history: np.ndarray, config: dict, fingerprint: str,
                    vocab=None) -> Path:
    """Write state (vectors, step, RNG state, counters), the loss history (n, 5) and the config atomically; with
    vocab also its words and counts, which make the file a model.npz (the final checkpoint is linked as one)."""
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
            **({} if vocab is None else {"words": np.array(vocab.words), "counts": vocab.counts}),
        )
    for old in sorted(folder.glob("step-*.npz"))[:-KEEP]:
        old.unlink(missing_ok=True)
    return path


def load_checkpoint(path) -> Checkpoint:
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
    return Checkpoint(state, history, meta)


def latest_checkpoint(folder) -> Checkpoint | None:
    """The newest checkpoint in folder that loads cleanly (a broken one is skipped with a warning), or None."""
    for path in sorted(Path(folder).glob("step-*.npz"), reverse=True):
        try:
            return load_checkpoint(path)
        except W2VError as err:
            warnings.warn(f"{err}; trying an older one", stacklevel=2)
    return None


def checkpoint_to_resume(out_dir) -> Checkpoint:
    """The newest readable checkpoint of the run in out_dir, for --resume."""
    found = latest_checkpoint(Path(out_dir) / "checkpoints")
    if found is None:
        raise W2VError(f"nothing to resume: {Path(out_dir) / 'checkpoints'} holds no readable checkpoint")
    return found


class InitModel(NamedTuple):
    """An earlier run's model.npz, for --init-from: its words and both matrices."""

    words: list[str]  # (V',) most frequent first
    center_vectors: np.ndarray  # (V', d)
    outside_vectors: np.ndarray  # (V', d)


def load_init_model(path, dim: int) -> InitModel:
    """The model.npz (or a run folder holding one) a new run starts from (--init-from), read only; W2VError when
    it is not a model.npz with words or its dimension is not dim."""
    path = Path(path)
    if path.is_dir():
        path = path / "model.npz"
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [name for name in ("words", "center_vectors", "outside_vectors") if name not in data.files]
            if missing:
                raise W2VError(f"--init-from {path} is not a w2vcli model.npz (no {missing[0]!r}): give a run's "
                               "model.npz")
            model = InitModel([str(word) for word in data["words"]], data["center_vectors"], data["outside_vectors"])
    except FileNotFoundError:
        raise W2VError(f"--init-from {path} does not exist") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as err:
        raise W2VError(f"--init-from {path} is unreadable ({type(err).__name__}): give a run's model.npz") from None
    shape = model.center_vectors.shape
    if len(shape) != 2 or model.outside_vectors.shape != shape or shape[0] != len(model.words):
        raise W2VError(f"--init-from {path}: its words and matrices differ in shape")
    if shape[1] != dim:
        raise W2VError(f"--init-from {path} has {shape[1]}-dimensional vectors but this run has --dim {dim}: give "
                       f"--dim {shape[1]}, or a model of dimension {dim}")
    return model


def resume_config(out_dir, options: dict, config_file=None) -> tuple[TrainConfig, Checkpoint]:
    """For `w2v train --out OUT --resume`: the newest checkpoint (loaded once, to be passed on to train()) and the
    config to continue with, the stored one. Only --quiet and --save may change (neither touches training): any
    other option of `options` (None: not
    given) that differs from the stored value, or a --config file, is a usage error.

    e.g. a run stored with dim 8: {"dim": 8, "quiet": True} continues it quietly; {"dim": 16} is refused.
    """
    checkpoint = checkpoint_to_resume(out_dir)
    config = checkpoint.config
    given = {key: value for key, value in options.items() if value is not None and key not in RESUME_MAY_CHANGE}
    changed = [key for key, value in given.items() if getattr(config, key) != value]
    changed += ["config"] if config_file else []
    if changed:
        raise ConfigError(f"--resume continues the stored run; drop --{changed[0].replace('_', '-')}")
    for key in RESUME_MAY_CHANGE:
        if options.get(key) is not None:
            setattr(config, key, options[key])
    return config, checkpoint
