"""A finished run's files: the vector formats chosen by `save`, model.npz, loss.csv, loss.png, pca.png and
explore.html (unless config.explore is false: `--no-explore`).

model.npz is the final checkpoint under a second name (a hard link: no byte is copied, and deleting the
checkpoint when newer ones rotate it out leaves model.npz whole); where the file system cannot link, a copy.
The checkpoint holds what model.npz always held (center_vectors, outside_vectors, words, counts) and more
(history, meta), which the readers of model.npz ignore.

The PNGs are drawn by a child process, `python -m w2vcli.outputs` (start_drawing), so that matplotlib's import
(~0.4 s, ~40 MB) is not added to the trainer's memory: it imports matplotlib, then reads from stdin the path of a
temporary .npz holding the little it needs (the loss history, the plotted words' rows), and draws while the
parent writes the vectors and explore.html (NumPy only: the first explore.DEFAULT_WORDS rows, their neighbours).
Started before the corpus is read, its start-up costs no wall time at all.

Example: write_outputs(out, vocab, state, history, config, out / "checkpoints/step-000000075.npz") writes
vectors.bin (save "bin"), model.npz, loss.csv, loss.png, pca.png and explore.html into out.
"""
from __future__ import annotations

import contextlib
import csv
import io
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

import w2vcli
from w2vcli.atomic import atomic_write, write_text_atomic
from w2vcli.errors import W2VError

HISTORY_COLUMNS = ("step", "loss", "step_loss", "lr", "words")  # loss.csv; loss is the running average
MODEL_ARRAYS = ("center_vectors", "outside_vectors", "words", "counts")  # what model.npz holds for its readers
PICTURES = ("loss.png", "pca.png")  # the child's, named in its errors
EXPLORE_PAGE = "explore.html"
COPY_CHUNK = 16 * 2**20  # bytes per read when model.npz must be copied
STOP_SECONDS = 5  # a child asked to stop is killed after this long


def write_outputs(out_dir, vocab, state, history: np.ndarray, config, final_checkpoint: Path,
                  drawing: Drawing | None = None) -> None:
    """Write the run's outputs into out_dir: config.vector_files (center vectors, most frequent word first),
    model.npz (final_checkpoint linked), loss.csv (history (n, 5) rows of HISTORY_COLUMNS), loss.png, pca.png.
    drawing: the child started earlier to draw the PNGs (start_drawing), or None to start it here."""
    out_dir = Path(out_dir)
    drawing = drawing or start_drawing()
    try:
        if drawing.inputs is None:  # not handed over yet (train.py hands them over before the final checkpoint)
            drawing.draw(out_dir, vocab, state, history, config)  # first: it draws while the vectors are written
        write_vectors(out_dir, vocab.words, state.center_vectors, config.vector_files)
        link_model(Path(final_checkpoint), out_dir / "model.npz")
        write_loss_csv(out_dir / "loss.csv", history)
        write_page(out_dir, vocab.words, state.center_vectors, config)
    except BaseException:
        drawing.stop()
        raise
    drawing.wait()


def write_page(out_dir: Path, words: list[str], vectors: np.ndarray, config) -> None:
    """explore.html of the first explore.DEFAULT_WORDS words (the most frequent); without config.explore, none
    (one left by an earlier run is deleted)."""
    from w2vcli.explore import DEFAULT_WORDS, write_explore_page
    from w2vcli.vectors import WordVectors

    if not config.explore or len(words) < 2:
        (out_dir / EXPLORE_PAGE).unlink(missing_ok=True)
        return
    rows = min(len(words), DEFAULT_WORDS)
    source = out_dir / (config.vector_files or ["model.npz"])[0]
    page = WordVectors(words[:rows], vectors[:rows], str(source))  # (rows, d)
    write_explore_page(out_dir / EXPLORE_PAGE, page, title=f"PCA of {source}")


def write_vectors(out_dir: Path, words: list[str], vectors: np.ndarray, names: list[str]) -> None:
    """The chosen files among vectors.txt and vectors.bin; one left by an earlier run and not chosen now is
    deleted, so that every vector file in out_dir holds this run's vectors."""
    from w2vcli.config import VECTOR_FORMATS
    from w2vcli.vectors import save_word2vec_binary, save_word2vec_text  # compiled writers: numba, imported here

    for name in VECTOR_FORMATS.values():
        if name not in names:
            (out_dir / name).unlink(missing_ok=True)
    for name in names:
        (save_word2vec_binary if name.endswith(".bin") else save_word2vec_text)(out_dir / name, words, vectors)


def link_model(checkpoint: Path, model: Path) -> None:
    """model.npz as a hard link to the final checkpoint, replacing any older model.npz atomically; a copy
    where linking fails (another file system, or one without hard links)."""
    try:
        with zipfile.ZipFile(checkpoint) as archive:
            missing = [key for key in MODEL_ARRAYS if f"{key}.npy" not in archive.namelist()]
    except (OSError, zipfile.BadZipFile) as err:
        raise W2VError(f"the final checkpoint {checkpoint} cannot be read ({type(err).__name__})") from None
    if missing:
        raise W2VError(f"the final checkpoint {checkpoint} lacks {', '.join(missing)}: it cannot be model.npz")
    if model.exists() and os.path.samefile(checkpoint, model):
        return  # linked already (os.replace would leave the temporary name behind)
    temporary = model.with_name(f".{model.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    try:
        os.link(checkpoint, temporary)
    except OSError:
        with open(checkpoint, "rb") as source, atomic_write(model) as target:
            shutil.copyfileobj(source, target, COPY_CHUNK)
        return
    try:
        os.replace(temporary, model)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_loss_csv(path: Path, history: np.ndarray) -> None:
    """loss.csv: a header of HISTORY_COLUMNS, then step, loss, step_loss (6 decimals), lr (6 digits), words."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HISTORY_COLUMNS)
    for row in history:
        writer.writerow([int(row[0]), f"{row[1]:.6f}", f"{row[2]:.6f}", f"{row[3]:.6g}", int(row[4])])
    write_text_atomic(path, buffer.getvalue())


# -- the child process drawing loss.png and pca.png -------------------------------------------------------------


class Drawing:
    """The child process that draws the PNGs. Started by start_drawing (it imports matplotlib, then waits for
    its inputs on stdin), handed them by draw(), then wait() for it (a failure is one W2VError), or stop() it."""

    def __init__(self, process: subprocess.Popen, errors, started: float):
        self.process, self.errors, self.started = process, errors, started
        self.inputs: Path | None = None  # the temporary .npz, once handed over
        self.seconds: float | None = None  # the child's wall time, from start to exit, once waited for

    def draw(self, out_dir: Path, vocab, state, history: np.ndarray, config) -> None:
        """Hand the child the history and the rows of the plotted words (plot_words.default_plot_words) in a
        temporary .npz, and return at once: it draws out_dir/loss.png and out_dir/pca.png."""
        from w2vcli.plot_words import default_plot_words

        out_dir = Path(out_dir)
        words = default_plot_words(vocab.words)
        wanted = set(words)
        rows = {word: i for i, word in enumerate(vocab.words) if word in wanted}  # not vocab.word2ind: V entries
        vector_file = (config.vector_files or ["model.npz"])[0]
        handle, name = tempfile.mkstemp(prefix="w2v-drawing-", suffix=".npz")
        self.inputs = Path(name)
        with os.fdopen(handle, "wb") as file:
            np.savez(
                file,
                history=history,  # (n, 5)
                words=np.array(words, dtype=str),  # (m,)
                vectors=np.asarray(state.center_vectors[[rows[w] for w in words]]),  # (m, d)
                out_dir=np.array(str(out_dir)),
                loss_title=np.array(f"w2v train: {config.model}, {config.loss} loss ({out_dir.name})"),
                pca_title=np.array(f"PCA of {out_dir / vector_file}"),
            )
        try:
            self.process.stdin.write(f"{self.inputs}\n".encode())
            self.process.stdin.close()
        except OSError:  # the child has ended already: wait() says why
            pass

    def wait(self) -> None:
        try:
            code = self.process.wait()
            self.seconds = time.perf_counter() - self.started
            if code != 0:
                self.errors.seek(0)
                lines = self.errors.read().decode("utf-8", errors="replace").strip().splitlines()
                reason = lines[-1].removeprefix("Error: ") if lines else f"exit code {code}"
                if code < 0:
                    reason = f"killed by signal {-code}"
                raise W2VError(f"drawing {' and '.join(PICTURES)} failed: {reason}")
        finally:
            self.stop()

    def stop(self) -> None:
        """End the child if still running (closing its stdin ends one still waiting for inputs; SIGTERM one
        drawing, so that its atomic writes clean up; SIGKILL after STOP_SECONDS) and remove its inputs. Safe to
        call more than once."""
        if not self.process.stdin.closed:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.errors.close()
        if self.inputs is not None:
            self.inputs.unlink(missing_ok=True)


def start_drawing() -> Drawing:
    """Start the child that will draw the PNGs, and return at once. It imports matplotlib (~1 s) and then waits:
    started while training runs, it is ready when the inputs come (Drawing.draw)."""
    package_root = str(Path(w2vcli.__file__).resolve().parent.parent)
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root,
                                                                           os.environ.get("PYTHONPATH")]))}
    errors = tempfile.TemporaryFile()  # not a pipe: a chatty child could fill one while the parent writes
    try:
        process = subprocess.Popen([sys.executable, "-m", "w2vcli.outputs"], stdin=subprocess.PIPE,
                                   stdout=subprocess.DEVNULL, stderr=errors, env=environment)
    except OSError as err:
        errors.close()
        raise W2VError(f"cannot start the process drawing {' and '.join(PICTURES)}: {err.strerror}") from None
    return Drawing(process, errors, time.perf_counter())


def draw(inputs: Path) -> None:
    """The child's work: loss.png and pca.png from the arrays Drawing.draw saved."""
    from w2vcli.plot import plot_loss, plot_words_2d

    with np.load(inputs, allow_pickle=False) as data:
        out_dir = Path(str(data["out_dir"]))
        plot_loss(data["history"], out_dir / "loss.png", title=str(data["loss_title"]))
        plot_words_2d([str(w) for w in data["words"]], data["vectors"], out_dir / "pca.png",
                      title=str(data["pca_title"]))


def main() -> int:
    """`python -m w2vcli.outputs`: import matplotlib, read the inputs' path from stdin, draw; on bad input print
    one `Error:` line (exit code 1). Nothing on stdin (the parent ended first): exit quietly. SIGTERM
    (Drawing.stop) leaves as an exception, so no temporary PNG is left behind."""
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    os.nice(10)  # background work: where it shares a core with the parent's corpus passes, they go first
    import adjustText  # noqa: F401 (the slow imports, done while the parent still works) ...

    import w2vcli.plot

    w2vcli.plot.warm_up()  # ... and matplotlib's first drawing of text (its fonts)

    inputs = sys.stdin.readline().strip()
    if not inputs:
        return 0
    try:
        draw(Path(inputs))
    except W2VError as err:
        print(f"Error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
