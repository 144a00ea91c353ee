"""`w2v train` as a library call: corpus → vocabulary → engine → checkpoints and output files.

OUT receives vectors.txt, vectors.bin, model.npz, config.yaml, loss.csv, loss.png, pca.png and checkpoints/,
every file written atomically.
"""
from __future__ import annotations

import csv
import dataclasses
import errno
import io
import math
import os
import shutil
import signal
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from w2vcli.atomic import atomic_write, write_text_atomic
from w2vcli.checkpoint import latest_checkpoint, save_checkpoint, vocab_fingerprint
from w2vcli.config import TrainConfig, config_from_dict, config_to_yaml
from w2vcli.corpus import Corpus, resolve_corpus
from w2vcli.encoded import file_bytes, remove_stale
from w2vcli.engines import Engine, TrainState, find_engine, make_engine
from w2vcli.errors import TrainingInterrupted, W2VError
from w2vcli.vectors import save_word2vec_binary, save_word2vec_text
from w2vcli.vocab import Vocab

HISTORY_COLUMNS = ("step", "loss", "step_loss", "lr", "words")  # loss.csv; loss is the running average
ENCODED_PREFIX = ".encoded-"  # OUT/.encoded-PID/: the fast engine's encoded corpus while it trains
OUTPUT_NAMES = ("vectors.txt", "vectors.bin", "model.npz", "config.yaml", "loss.csv", "loss.png", "pca.png")
NUMPY_BYTES_PER_TOKEN = 64  # the NumPy engine: its corpus (~4.4) and a pass's subsampled view (~54, measured)


@dataclass
class TrainResult:
    out_dir: Path
    vocab: Vocab
    state: TrainState
    history: np.ndarray  # (n, 5) rows of HISTORY_COLUMNS
    seconds: float  # wall time of the training loop in this process


def default_out_dir() -> Path:
    """A new folder runs/YYYYmmdd-HHMMSS (with a suffix when that exists)."""
    base = Path("runs") / time.strftime("%Y%m%d-%H%M%S")
    candidate, n = base, 1
    while candidate.exists():
        candidate, n = Path(f"{base}-{n}"), n + 1
    return candidate


def check_out_dir(out_dir: Path, resume: bool) -> None:
    """Refuse an --out that cannot receive this run, before any work (nothing is created here)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise W2VError(f"--out {out_dir} is a file, not a folder; choose another --out")
    has_checkpoints = any((out_dir / "checkpoints").glob("step-*.npz"))
    if resume and not has_checkpoints:
        raise W2VError(f"nothing to resume: {out_dir / 'checkpoints'} holds no checkpoint")
    if not resume and has_checkpoints:
        raise W2VError(f"{out_dir} already holds a run: add --resume to continue it, or choose another --out")


def create_out_dir(out_dir: Path) -> None:
    try:
        (out_dir / "checkpoints").mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise W2VError(f"cannot create --out {out_dir}: {err.strerror}") from None


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
    """State the memory the run will take and refuse when it exceeds the memory available: the parameters,
    V × d × 2 matrices × bytes per value, (+ the (P, V) buffers of the naive softmax); with the NumPy engine also
    the corpus, which it holds in memory (the fast engine reads it from disk a chunk at a time)."""
    bytes_per_value = 4 if config.engine == "fast" else 8  # float32 / float64
    parameters = len(vocab) * config.dim * 2 * bytes_per_value
    if config.loss == "softmax":
        parameters += config.batch_size * 2 * config.window * len(vocab) * 8 * 3  # (P, V) scores, ŷ and gradient
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


def stored_config(out_dir: Path) -> TrainConfig:
    """The config of the run in out_dir, from its latest checkpoint (for --resume)."""
    found = latest_checkpoint(out_dir / "checkpoints")
    if found is None:
        raise W2VError(f"nothing to resume: {out_dir / 'checkpoints'} holds no readable checkpoint")
    return config_from_dict(found[2]["config"])


def load_corpus(config: TrainConfig, log=print) -> tuple[Corpus, Vocab]:
    """The corpus and its vocabulary (a first pass over the text, counting; the text is never held in memory)."""
    corpus = Corpus(resolve_corpus(config.corpus), config.format, config.lowercase)
    vocab = Vocab.build(corpus, config.min_count, config.max_vocab)
    log(
        f"corpus {corpus.path}: {vocab.corpus_tokens:,} tokens, {vocab.corpus_types:,} types; "
        f"vocabulary {len(vocab):,} words (min_count {config.min_count}), {vocab.total:,} tokens kept"
    )
    if vocab.pruned_types:
        log(f"pruned {vocab.pruned_types:,} rare types while counting, to stay within --max-vocab "
            f"{config.max_vocab:,} (as word2vec does; counts of kept words may be slightly low)")
    return corpus, vocab


def encode_corpus(config: TrainConfig, corpus: Corpus, vocab: Vocab, out_dir: Path, log=print):
    """The corpus as word indices (a second pass over the text): in memory for the NumPy engine; for the fast
    engine in files in OUT/.encoded-PID/ (4 bytes a token, 8 a sentence), read back a chunk at a time and deleted
    when the run ends, so memory stays flat however large the corpus. Folders of killed runs are deleted first."""
    if config.engine == "fast":
        remove_stale(out_dir.glob(f"{ENCODED_PREFIX}*"))
        _check_disk(config, vocab, out_dir)
        folder = out_dir / f"{ENCODED_PREFIX}{os.getpid()}"
        try:
            encoded = vocab.encode_to_folder(corpus, folder)
        except OSError as err:
            if err.errno not in (errno.ENOSPC, errno.EDQUOT):
                raise
            raise W2VError(f"cannot write the encoded corpus to {folder}: {err.strerror}; free some disk or "
                           "choose another --out") from None
    else:
        encoded = vocab.encode(corpus)
    try:
        if config.engine == "fast":
            disk = file_bytes(encoded.num_tokens, encoded.num_sentences) / 2**20
            log(f"encoded {encoded.num_sentences:,} sentences into {encoded.folder} ({disk:,.1f} MB, read a chunk "
                "at a time, deleted at the end)")
        if encoded.longest_sentence < 2:
            raise W2VError(
                f"corpus {corpus.path}: no sentence has two in-vocabulary words, so no window has a context word "
                f"(--min-count {config.min_count}); give several words per line, or lower --min-count"
            )
    except BaseException:
        encoded.close()
        raise
    return encoded


def _check_disk(config: TrainConfig, vocab: Vocab, out_dir: Path) -> None:
    """Refuse when out_dir's disk cannot hold the encoded corpus, the checkpoints and the outputs (less what a
    resumed run's files already take there)."""
    encoded = file_bytes(vocab.total, vocab.corpus_sentences)  # an upper bound: empty sentences are dropped
    parameters = len(vocab) * config.dim * 2 * 4  # P: both matrices in float32, one checkpoint's worth
    later = 7 * parameters  # 3 checkpoints kept + 1 being written; vectors.txt (~1.5 P), .bin, model.npz
    present = sum(path.stat().st_size for path in [*(out_dir / "checkpoints").glob("step-*.npz"),
                                                   *(out_dir / name for name in OUTPUT_NAMES)] if path.is_file())
    needed = encoded + max(later - present, 2 * parameters)
    free = shutil.disk_usage(out_dir).free
    if needed > free:
        raise W2VError(f"the encoded corpus, checkpoints and outputs need about {needed / 2**20:,.0f} MB of disk in "
                       f"{out_dir} but {free / 2**20:,.0f} MB is free: free some disk or choose another --out")


def train(config: TrainConfig, out_dir=None, resume: bool = False, log=print) -> TrainResult:
    """Train word vectors as config says and write every output into out_dir; see the module docstring.

    Outside the training loop SIGTERM is an exception like Ctrl-C (so the encoded corpus is deleted), and a
    failure before training removes what this run created in out_dir; in the loop, SIGINT/SIGTERM save a
    checkpoint and stop.
    """
    out_dir = Path(out_dir) if out_dir is not None else default_out_dir()
    if config.engine == "fast":
        _return_large_blocks_to_the_os()
    with _terminate_raises() as stop_hint:
        check_out_dir(out_dir, resume)
        corpus, vocab = load_corpus(config, log)
        check_memory(config, vocab, log)
        find_engine(config)  # a missing dependency fails now, not after encoding
        fingerprint = vocab_fingerprint(vocab)
        resumed = _checkpoint_to_resume(out_dir, fingerprint) if resume else None
        with _removed_on_failure(out_dir) as setup:
            create_out_dir(out_dir)
            with encode_corpus(config, corpus, vocab, out_dir, log) as encoded:
                engine = make_engine(config, vocab, encoded)
                setup.done = True
                state, history, seconds = _run(config, engine, resumed, fingerprint, out_dir, log)
                del engine, encoded  # the corpus is not needed for the outputs (leaving the block deletes its files)
        stop_hint.append(f" while writing the outputs; the final checkpoint is saved: `w2v train --out {out_dir} "
                         "--resume` writes them")
        history_array = _history_array(history)
        write_outputs(out_dir, vocab, state, history_array, config)
    return TrainResult(out_dir, vocab, state, history_array, seconds)


def _checkpoint_to_resume(out_dir: Path, fingerprint: str):
    """(state, history, meta) of the newest readable checkpoint, refused when the corpus has changed."""
    found = latest_checkpoint(out_dir / "checkpoints")
    if found is None:
        raise W2VError(f"nothing to resume: {out_dir / 'checkpoints'} holds no readable checkpoint")
    if found[2]["vocab_fingerprint"] != fingerprint:
        raise W2VError("the corpus differs from the one the checkpoint was trained on: cannot resume")
    return found


def _run(config, engine: Engine, resumed, fingerprint: str, out_dir: Path, log):
    """Train from the start, or from resumed's checkpoint, with checkpoints; returns (state, history, seconds)."""
    config_dict = dataclasses.asdict(config)
    if resumed is not None:
        state, history, _ = resumed
        history = [tuple(row) for row in history]
        log(f"resuming {out_dir} at step {state.step:,} of {engine.total_steps:,}")
    else:
        state, history = engine.init_state(config.seed), []
    write_text_atomic(out_dir / "config.yaml", config_to_yaml(config))

    def checkpoint():
        if not (np.isfinite(state.center_vectors).all() and np.isfinite(state.outside_vectors).all()):
            raise W2VError(  # never checkpoint (or write) them
                f"the vectors became NaN or infinite by step {state.step:,}: training diverged; try a lower --lr "
                f"(now {config.effective_lr:g}). The last good checkpoint is kept in {out_dir / 'checkpoints'}"
            )
        return save_checkpoint(out_dir / "checkpoints", state, _history_array(history), config_dict, fingerprint)

    started = time.perf_counter()
    with _stop_signals() as stop:
        _train_loop(engine, state, history, config, checkpoint, stop, out_dir)
    seconds = time.perf_counter() - started
    path = checkpoint()
    if stop.signal is not None:  # it came after the loop's last look
        raise _interrupted(state.step, path, out_dir, stop.signal)
    return state, history, seconds


class _Setup:
    done = False  # set once training starts: from then on the run's folder is kept, whatever happens


@contextmanager
def _removed_on_failure(out_dir: Path):
    """Until setup.done is set, a failure removes what this run created: out_dir itself, or its checkpoints/."""
    setup = _Setup()
    created_out, created_checkpoints = not out_dir.exists(), not (out_dir / "checkpoints").exists()
    try:
        yield setup
    except BaseException:
        if not setup.done:
            if created_out:
                shutil.rmtree(out_dir, ignore_errors=True)
            elif created_checkpoints:
                with suppress(OSError):
                    (out_dir / "checkpoints").rmdir()  # only when still empty
        raise


class _Terminated(BaseException):
    """SIGTERM outside the training loop: a BaseException, like KeyboardInterrupt, so that no `except Exception`
    on the way (a checkpoint reader skipping a bad file, a library) can swallow it."""


@contextmanager
def _terminate_raises():
    """SIGTERM raises everywhere but in the training loop (which installs its own handler, _stop_signals), so
    clean-up code runs; it leaves as TrainingInterrupted (exit 143). Yields a list: its last item, when any, is
    the hint the message ends with."""
    hint = [" before training started"]

    def handler(signum, frame):
        raise _Terminated(signum)

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: signals stay as they are
        previous = False
    try:
        yield hint
    except _Terminated as stop:
        raise TrainingInterrupted(f"terminated (SIGTERM){hint[-1]}",
                                  exit_code=128 + stop.args[0]) from None
    finally:
        if previous is not False and previous is not None:  # None: a handler not set from Python
            signal.signal(signal.SIGTERM, previous)


def _train_loop(engine: Engine, state: TrainState, history: list, config, checkpoint, stop, out_dir) -> None:
    from tqdm import tqdm

    log_every = max(1, engine.total_steps // 20000)  # at most ~20,000 rows in loss.csv
    bar = tqdm(total=engine.total_steps, initial=state.step, disable=config.quiet, unit="step",
               dynamic_ncols=True, desc="train")
    started, words_at_start = time.perf_counter(), state.words_done
    try:
        for report in engine.run(state):
            if not math.isfinite(report.loss):
                raise _diverged(report, f"loss became {report.loss}", out_dir)
            if report.words:  # a step whose windows were all subsampled away has no loss to average in
                old = state.running_loss
                state.running_loss = report.loss if old is None else 0.95 * old + 0.05 * report.loss
            running = state.running_loss
            if running is not None and (report.step % log_every == 0 or report.step == engine.total_steps):
                history.append((report.step, running, report.loss, report.lr, state.words_done))
            if config.checkpoint_every and (report.step % config.checkpoint_every == 0 or report.epoch_end):
                checkpoint()
            if report.step % 50 == 0 or report.step == engine.total_steps:
                rate = (state.words_done - words_at_start) / max(time.perf_counter() - started, 1e-9)
                shown = "-" if running is None else f"{running:.3f}"
                bar.set_postfix(loss=shown, lr=f"{report.lr:.3g}", words_s=f"{rate:,.0f}", refresh=False)
                bar.update(report.step - bar.n)
            if stop.signal is not None:
                raise _interrupted(report.step, checkpoint(), out_dir, stop.signal)
    finally:
        bar.close()


def _interrupted(step: int, path: Path, out_dir: Path, signum: int) -> TrainingInterrupted:
    return TrainingInterrupted(f"interrupted at step {step:,}; checkpoint saved to {path}. Continue with: "
                               f"w2v train --out {out_dir} --resume", exit_code=128 + signum)


def _diverged(report, what: str, out_dir: Path) -> W2VError:
    return W2VError(
        f"{what} at step {report.step:,} with lr {report.lr:g}: training diverged; try a lower --lr "
        f"(e.g. {report.lr / 10:g}). The last good checkpoint is kept in {out_dir / 'checkpoints'}"
    )


class _StopFlag:
    signal: int | None = None


@contextmanager
def _stop_signals():
    """While training, SIGINT and SIGTERM set a flag; the loop then checkpoints at a step boundary and stops."""
    flag = _StopFlag()
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


def _return_large_blocks_to_the_os() -> None:
    """Keep glibc's mmap threshold at 128 KiB. By default it rises to the size of the largest block freed
    (up to 32 MiB), so after each checkpoint's 15 MB write buffer the next ones come from the heap and stay
    resident when freed: ~20 MB of peak memory on GCIDE. Elsewhere than glibc, nothing happens."""
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").mallopt(-3, 128 * 1024)  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        pass


def _history_array(history: list) -> np.ndarray:
    return np.array(history, dtype=np.float64).reshape(-1, len(HISTORY_COLUMNS))


def write_outputs(out_dir: Path, vocab: Vocab, state: TrainState, history: np.ndarray, config) -> None:
    """vectors.txt/.bin (center vectors, most frequent first), model.npz, loss.csv, loss.png, pca.png."""
    from w2vcli.plot import default_plot_words, plot_loss, plot_words_2d

    save_word2vec_text(out_dir / "vectors.txt", vocab.words, state.center_vectors)
    save_word2vec_binary(out_dir / "vectors.bin", vocab.words, state.center_vectors)
    with atomic_write(out_dir / "model.npz") as handle:
        np.savez(
            handle,
            center_vectors=np.asarray(state.center_vectors, dtype=np.float32),
            outside_vectors=np.asarray(state.outside_vectors, dtype=np.float32),
            words=np.array(vocab.words),
            counts=vocab.counts,
        )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HISTORY_COLUMNS)
    for row in history:
        writer.writerow([int(row[0]), f"{row[1]:.6f}", f"{row[2]:.6f}", f"{row[3]:.6g}", int(row[4])])
    write_text_atomic(out_dir / "loss.csv", buffer.getvalue())
    plot_loss(history, out_dir / "loss.png", title=f"w2v train: {config.model}, {config.loss} loss ({out_dir.name})")
    words = default_plot_words(vocab.words)
    rows = [vocab.word2ind[w] for w in words]
    plot_words_2d(words, state.center_vectors[rows], out_dir / "pca.png", title=f"PCA of {out_dir / 'vectors.txt'}")
