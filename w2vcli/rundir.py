"""The run's folder OUT: its default name, the checks before a run may use it, its creation, its removal when the
run fails before training starts, and the names of what it receives.

OUT/
  checkpoints/step-000001000.npz ...   the last few checkpoints (checkpoint.py)
  .encoded-PID/                        the fast engine's encoded corpus while process PID trains (encoded.py)
  vocab.txt                            the vocabulary, `word count` lines, written before training (train.py)
  vectors.bin vectors.txt              the vector files chosen by save (config.py), written when the run ends
  model.npz                            the final checkpoint under a second name (a hard link, outputs.py)
  config.yaml loss.csv loss.png pca.png explore.html
"""
from __future__ import annotations

import os
import shutil
import time
from contextlib import contextmanager, suppress
from pathlib import Path

from w2vcli.encoded import remove_stale
from w2vcli.errors import W2VError

OUTPUT_NAMES = ("vectors.txt", "vectors.bin", "model.npz", "vocab.txt", "config.yaml", "loss.csv", "loss.png",
                "pca.png", "explore.html")  # all
ENCODED_PREFIX = ".encoded-"  # OUT/.encoded-PID/: the fast engine's encoded corpus while it trains


def output_names(config) -> list[str]:
    """The files a run with this config writes into OUT: the vector files chosen by save, then the others."""
    skipped = set() if config.explore else {"explore.html"}  # --no-explore
    return [*config.vector_files, *(name for name in OUTPUT_NAMES
                                    if not name.startswith("vectors.") and name not in skipped)]


def default_out_dir() -> Path:
    """A new folder runs/YYYYmmdd-HHMMSS (with a suffix when that exists)."""
    base = Path("runs") / time.strftime("%Y%m%d-%H%M%S")
    candidate, n = base, 1
    while candidate.exists():
        candidate, n = Path(f"{base}-{n}"), n + 1
    return candidate


def check_out_dir(out_dir: Path, resume: bool) -> None:
    """Refuse an --out that cannot receive this run, before any work (nothing is created here). A resumed run's
    checkpoint is found by checkpoint.checkpoint_to_resume, which says when there is nothing to resume."""
    if out_dir.exists() and not out_dir.is_dir():
        raise W2VError(f"--out {out_dir} is a file, not a folder; choose another --out")
    if not resume and any((out_dir / "checkpoints").glob("step-*.npz")):
        raise W2VError(f"{out_dir} already holds a run: add --resume to continue it, or choose another --out")


def create_out_dir(out_dir: Path) -> None:
    try:
        (out_dir / "checkpoints").mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise W2VError(f"cannot create --out {out_dir}: {err.strerror}") from None


class Setup:
    done = False  # set once training starts: from then on the run's folder is kept, whatever happens


@contextmanager
def removed_on_failure(out_dir: Path):
    """Until setup.done is set, a failure removes what this run created: out_dir itself, or its checkpoints/ and
    the outputs it wrote (vocab.txt) that were not there before."""
    setup = Setup()
    created_out, created_checkpoints = not out_dir.exists(), not (out_dir / "checkpoints").exists()
    absent = [name for name in OUTPUT_NAMES if not (out_dir / name).exists()]
    try:
        yield setup
    except BaseException:
        if not setup.done:
            if created_out:
                shutil.rmtree(out_dir, ignore_errors=True)
            else:
                for name in absent:
                    with suppress(OSError):
                        (out_dir / name).unlink(missing_ok=True)
                if created_checkpoints:
                    with suppress(OSError):
                        (out_dir / "checkpoints").rmdir()  # only when still empty
        raise


def new_encoded_folder(out_dir: Path) -> Path:
    """OUT/.encoded-PID/, the name of this process's encoded corpus, once the folders of killed runs are deleted
    (a live run's folder is kept: it holds its lock)."""
    remove_stale(out_dir.glob(f"{ENCODED_PREFIX}*"))
    return out_dir / f"{ENCODED_PREFIX}{os.getpid()}"


def run_files_bytes(out_dir: Path) -> int:
    """Bytes the checkpoints and outputs already in out_dir take (a resumed run's, or 0 for a new one); a file
    with two names (model.npz, a hard link to the final checkpoint) is counted once."""
    files = [*(out_dir / "checkpoints").glob("step-*.npz"), *(out_dir / name for name in OUTPUT_NAMES)]
    sizes = {}  # (device, inode) -> bytes
    for path in files:
        if path.is_file():
            stat = path.stat()
            sizes[stat.st_dev, stat.st_ino] = stat.st_size
    return sum(sizes.values())
