"""Atomic output: write to a temporary file in the same folder, then rename, so no file is ever half-written."""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from w2vcli.errors import W2VError

_UMASK = os.umask(0o022)  # read the process umask (os.umask can only read it by setting it) ...
os.umask(_UMASK)  # ... and put it back at once

@contextlib.contextmanager
def atomic_write(path, mode: str = "wb", encoding: str | None = None):
    """Open a temporary file beside `path` for writing; on success fsync and rename it to `path`.

    On any exception the temporary file is removed and `path` is left as it was (absent or the old version).
    """
    path = Path(path)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as err:
        raise W2VError(f"cannot write {path}: {err.strerror}") from None
    try:
        with os.fdopen(fd, mode, encoding=encoding if "b" not in mode else None) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the file ordinary permissions
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


def write_text_atomic(path, text: str) -> None:
    """Write a whole UTF-8 text file atomically."""
    with atomic_write(path, "w", encoding="utf-8") as handle:
        handle.write(text)
