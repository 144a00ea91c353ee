"""`w2v train` as a library call, in the order it happens: corpus → vocabulary → encoding → engine → the loop,
with its checkpoints → output files.

OUT receives vocab.txt (the vocabulary, written before training as word2vec's -save-vocab does), the vector files
chosen by save (vectors.bin, vectors.txt), model.npz (the final checkpoint, linked), config.yaml, loss.csv,
loss.png, pca.png and checkpoints/, every file written atomically (outputs.py).
read_vocab takes the vocabulary from a file instead of counting; init_from starts from an earlier model's vectors.
Beside it: signals.py (how a run stops), preflight.py (will it fit in memory and on disk), rundir.py (the
folder OUT), checkpoint.py (saving and resuming).
"""
from __future__ import annotations

import dataclasses
import errno
import functools
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from w2vcli.atomic import write_text_atomic
from w2vcli.checkpoint import (
    Checkpoint,
    InitModel,
    checkpoint_to_resume,
    load_init_model,
    save_checkpoint,
    vocab_fingerprint,
)
from w2vcli.config import TrainConfig, config_to_yaml
from w2vcli.corpus import Corpus, resolve_corpus
from w2vcli.encoded import EncodedCorpus, EncodedFile, file_bytes
from w2vcli.engines import Engine, TrainState, find_engine, make_engine
from w2vcli.errors import W2VError
from w2vcli.outputs import HISTORY_COLUMNS, start_drawing, write_outputs
from w2vcli.preflight import check_disk, check_memory
from w2vcli.rundir import check_out_dir, create_out_dir, default_out_dir, new_encoded_folder, removed_on_failure
from w2vcli.scan import count_corpus, encode_blocks_fast, load_kernels
from w2vcli.signals import interrupted, stop_signals, terminate_raises
from w2vcli.vocab import Vocab, read_vocab_file, vocab_text

VOCAB_FILE = "vocab.txt"  # OUT/vocab.txt: the run's vocabulary, `word count` lines (vocab.vocab_text)


@dataclass
class TrainResult:
    out_dir: Path
    vocab: Vocab
    state: TrainState
    history: np.ndarray  # (n, 5) rows of HISTORY_COLUMNS
    seconds: float  # wall time of the training loop in this process
    phases: dict[str, float]  # wall seconds of each phase: start (loading kernels), count, encode, train, outputs


def train(config: TrainConfig, out_dir=None, resume: bool | Checkpoint | None = False, log=print) -> TrainResult:
    """Train word vectors as config says and write every output into out_dir; see the module docstring.

    resume=True continues the run in out_dir from its newest checkpoint; a Checkpoint continues from that one,
    already loaded (checkpoint.resume_config loads it for the CLI); False or None start a new run. A resumed
    run's vectors come from its checkpoint (init_from is not read again); with read_vocab it reads its own
    OUT/vocab.txt, the vocabulary it was trained with.
    Outside the training loop SIGTERM is an exception like Ctrl-C (so the encoded corpus is deleted), and a
    failure before training removes what this run created in out_dir; in the loop, SIGINT/SIGTERM save a
    checkpoint and stop (signals.py).
    """
    out_dir = Path(out_dir) if out_dir is not None else default_out_dir()
    clock = _PhaseClock()
    with terminate_raises() as stop_hint:
        check_out_dir(out_dir, resume=bool(resume))
        resumed = checkpoint_to_resume(out_dir) if resume is True else resume or None
        # The child drawing the PNGs imports matplotlib (~0.7 s of a core) while this process counts and encodes
        # on one core: later, it would take that core from the training threads.
        drawing = start_drawing()
        try:
            load_kernels()
            clock.lap("start")
            corpus, vocab = load_corpus(config, log, resumed_in=out_dir if resumed is not None else None)
            clock.lap("count")
            check_memory(config, vocab, log)
            if config.loss == "hs" and config.negative:  # gensim's hs=1 adds negative sampling unless negative=0
                log(f"negative is ignored with loss hs (negative {config.negative}): hierarchical softmax alone, "
                    "as gensim's hs=1, negative=0")
            find_engine(config)  # a missing dependency fails now, not after encoding
            fingerprint = vocab_fingerprint(vocab)
            if resumed is not None and resumed.meta["vocab_fingerprint"] != fingerprint:
                raise W2VError("the corpus differs from the one the checkpoint was trained on: cannot resume")
            initial = load_init_model(config.init_from, config.dim) if config.init_from and resumed is None else None
            with removed_on_failure(out_dir) as setup:
                create_out_dir(out_dir)
                write_text_atomic(out_dir / VOCAB_FILE, vocab_text(vocab))  # before training, as word2vec's
                with encode_corpus(config, corpus, vocab, out_dir, log) as encoded:
                    clock.lap("encode")
                    engine = make_engine(config, vocab, encoded)
                    setup.done = True
                    fresh = None if resumed is not None else new_state(config, engine, vocab, initial, log)
                    del initial  # the earlier model's matrices are not held while training
                    draw = functools.partial(drawing.draw, out_dir, vocab, config=config)  # the PNGs are drawn
                    state, history, final = train_loop(config, engine, resumed, vocab, fingerprint, out_dir, log, fresh,
                                                       draw)  # ... while the final checkpoint is written
                    del engine, encoded  # the corpus is not needed for the outputs (leaving the block deletes it)
        except BaseException:
            drawing.stop()
            raise
        seconds = clock.lap("train")
        stop_hint.append(f" while writing the outputs; the final checkpoint is saved: `w2v train --out {out_dir} "
                         "--resume` writes them")
        write_outputs(out_dir, vocab, state, history, config, final, drawing)
        clock.lap("outputs")
    log("phases: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in clock.phases.items()))
    return TrainResult(out_dir, vocab, state, history, seconds, clock.phases)


class _PhaseClock:
    """Wall seconds of each phase of a run, in order: lap(name) ends the phase `name` and returns its seconds."""

    def __init__(self):
        self.phases: dict[str, float] = {}
        self.last = time.perf_counter()

    def lap(self, name: str) -> float:
        now = time.perf_counter()
        self.phases[name], self.last = now - self.last, now
        return self.phases[name]


def load_corpus(config: TrainConfig, log=print, resumed_in: Path | None = None) -> tuple[Corpus, Vocab]:
    """The corpus and its vocabulary (a first pass over the text, counting; the text is never held in memory):
    Vocab.build's result, counted by compiled kernels (scan.py). With read_vocab the corpus is not counted: the
    vocabulary is the file's (vocab.read_vocab_file), or for a run resumed in resumed_in, its own vocab.txt."""
    corpus = Corpus(resolve_corpus(config.corpus), config.format, config.lowercase)
    if config.read_vocab:
        return corpus, read_vocab(config, corpus, log, resumed_in)
    vocab = count_corpus(corpus, config.min_count, config.max_vocab)
    log(
        f"corpus {corpus.path}: {vocab.corpus_tokens:,} tokens, {vocab.corpus_types:,} types; "
        f"vocabulary {len(vocab):,} words (min_count {config.min_count}), {vocab.total:,} tokens kept"
    )
    if vocab.pruned_types:
        log(f"pruned {vocab.pruned_types:,} rare types while counting, to stay within --max-vocab "
            f"{config.max_vocab:,} (as word2vec does; counts of kept words may be slightly low)")
    return corpus, vocab


def read_vocab(config: TrainConfig, corpus: Corpus, log=print, resumed_in: Path | None = None) -> Vocab:
    """The vocabulary of config.read_vocab (or of resumed_in/vocab.txt), min_count and max_vocab applied."""
    path = Path(config.read_vocab) if resumed_in is None else resumed_in / VOCAB_FILE
    if resumed_in is not None and not path.is_file():
        raise W2VError(f"{path} is missing: a run trained with --read-vocab resumes with the vocabulary it saved "
                       "there; put it back to resume")
    vocab = read_vocab_file(path, config.min_count, config.max_vocab)
    log(f"vocabulary {len(vocab):,} words read from {path} (of its {vocab.corpus_types:,}; min_count "
        f"{config.min_count}), {vocab.total:,} tokens by its counts; corpus {corpus.path} not counted")
    return vocab


def encode_corpus(config: TrainConfig, corpus: Corpus, vocab: Vocab, out_dir: Path, log=print):
    """The corpus as word indices (a second pass over the text): in memory for the NumPy engine; for the fast
    engine in files in OUT/.encoded-PID/ (4 bytes a token, 8 a sentence), read back a chunk at a time and deleted
    when the run ends, so memory stays flat however large the corpus. Folders of killed runs are deleted first.
    The blocks of encoded.encode_blocks, encoded by compiled kernels (scan.py). With read_vocab, a word of the
    vocabulary that the encoded corpus never holds is an error (its vectors would never be trained)."""
    blocks = encode_blocks_fast(corpus, vocab.words)
    occurrences = np.zeros(len(vocab), np.int64) if config.read_vocab else None  # (V,) in the encoded corpus
    if occurrences is not None:
        blocks = _tallied(blocks, occurrences)
    if config.engine == "fast":
        folder = new_encoded_folder(out_dir)
        check_disk(config, vocab, out_dir)
        try:
            encoded = EncodedFile.write(blocks, folder)
        except OSError as err:
            if err.errno not in (errno.ENOSPC, errno.EDQUOT):
                raise
            raise W2VError(f"cannot write the encoded corpus to {folder}: {err.strerror}; free some disk or "
                           "choose another --out") from None
    else:
        encoded = EncodedCorpus.from_blocks(blocks)
    try:
        if config.engine == "fast":
            disk = file_bytes(encoded.num_tokens, encoded.num_sentences) / 2**20
            log(f"encoded {encoded.num_sentences:,} sentences into {encoded.folder} ({disk:,.1f} MB, read a chunk "
                "at a time, deleted at the end)")
        if occurrences is not None:
            check_occurs(occurrences, vocab, config, corpus)
        if encoded.longest_sentence < 2:
            raise W2VError(
                f"corpus {corpus.path}: no sentence has two in-vocabulary words, so no window has a context word "
                f"(--min-count {config.min_count}); give several words per line, or lower --min-count"
            )
    except BaseException:
        encoded.close()
        raise
    return encoded


def _tallied(blocks, occurrences: np.ndarray):
    """The blocks of encode_blocks, passed on unchanged, each token counted into occurrences (V,)."""
    for tokens, lengths in blocks:
        occurrences += np.bincount(tokens, minlength=len(occurrences))
        yield tokens, lengths


def check_occurs(occurrences: np.ndarray, vocab: Vocab, config: TrainConfig, corpus: Corpus) -> None:
    """Refuse a read vocabulary with words that never occur in the encoded corpus: word2vec would keep their
    random vectors untrained, a sign that the file belongs to another corpus (or other --lowercase)."""
    absent = np.flatnonzero(occurrences == 0)  # (A,) indices of words never seen
    if len(absent):
        examples = ", ".join(repr(vocab.words[i]) for i in absent[:3])
        some = f"{len(absent):,} words of --read-vocab {config.read_vocab} never occur" if len(absent) > 1 else (
            f"a word of --read-vocab {config.read_vocab} never occurs")
        raise W2VError(f"{some} in the corpus {corpus.path} (e.g. {examples}): give the vocabulary of this corpus")


def train_loop(config: TrainConfig, engine: Engine, resumed: Checkpoint | None, vocab: Vocab, fingerprint: str,
               out_dir: Path, log, fresh: TrainState | None = None, trained=None):
    """The training loop from a new state (fresh, or the engine's init_state), or from resumed's, under
    stop_signals; a checkpoint every checkpoint_every steps, at a stop and at the end (that one with the
    vocabulary: it is model.npz too). trained(state, history (n, 5)), when given, is called once the last step
    is done and no stop came, before the final checkpoint is written. Returns (state, history (n, 5), the final
    checkpoint's path)."""
    if resumed is not None:
        state, history = resumed.state, [tuple(row) for row in resumed.history]
        log(f"resuming {out_dir} at step {state.step:,} of {engine.total_steps:,}")
    else:
        state, history = (engine.init_state(config.seed) if fresh is None else fresh), []
    write_text_atomic(out_dir / "config.yaml", config_to_yaml(config))
    config_dict = dataclasses.asdict(config)

    def checkpoint(final_history: np.ndarray | None = None) -> Path:  # the final one: with the history as returned
        if not (_all_finite(state.center_vectors) and _all_finite(state.outside_vectors)):
            raise diverged("the vectors became NaN or infinite", state.step, config, out_dir)  # never saved
        final = final_history is not None
        return save_checkpoint(out_dir / "checkpoints", state, final_history if final else _history_array(history),
                               config_dict, fingerprint, vocab if final else None)

    with stop_signals() as stop:
        run_steps(engine, state, history, config, checkpoint, stop, out_dir)
    history_array = _history_array(history)  # (n, 5)
    if trained is not None and stop.signal is None:
        trained(state, history_array)
    path = checkpoint(history_array)
    if stop.signal is not None:  # it came after the loop's last look
        raise interrupted(state.step, path, out_dir, stop.signal)
    return state, history_array, path


def new_state(config: TrainConfig, engine: Engine, vocab: Vocab, initial: InitModel | None, log=print) -> TrainState:
    """A new run's state at step 0: the engine's init_state (word2vec's), then with initial (--init-from) the rows
    of the words both vocabularies hold copied from it (start_from)."""
    state = engine.init_state(config.seed)
    if initial is not None:
        shared = start_from(state, initial, vocab)
        log(f"init-from {config.init_from}: {shared:,} of {len(vocab):,} words start from its vectors")
    return state


def start_from(state: TrainState, initial: InitModel, vocab: Vocab) -> int:
    """Copy initial's rows of both matrices into state's for the words both vocabularies hold (in the state's
    dtype: exact from float32 to either engine, rounded from float64 to float32); the other rows keep their
    usual initialisation. Returns how many words were copied."""
    rows = {word: i for i, word in enumerate(initial.words)}
    shared = [(i, rows[word]) for i, word in enumerate(vocab.words) if word in rows]
    new = np.array([i for i, _ in shared], dtype=np.int64)  # (S,) rows in this run
    old = np.array([j for _, j in shared], dtype=np.int64)  # (S,) their rows in initial
    state.center_vectors[new] = initial.center_vectors[old]  # (S, d)
    state.outside_vectors[new] = initial.outside_vectors[old]  # (S, d)
    return len(shared)


def run_steps(engine: Engine, state: TrainState, history: list, config, checkpoint, stop, out_dir) -> None:
    """Take the engine's steps: the running loss (0.95 old + 0.05 new), a history row, checkpoints, the progress
    bar; a NaN loss or a stop signal ends the loop at a step boundary."""
    from tqdm import tqdm

    log_every = max(1, engine.total_steps // 20000)  # at most ~20,000 rows in loss.csv
    bar = tqdm(total=engine.total_steps, initial=state.step, disable=config.quiet, unit="step",
               dynamic_ncols=True, desc="train")
    started, words_at_start = time.perf_counter(), state.words_done
    due = False  # a checkpoint is owed: written at the first settled report (no update in flight)
    try:
        for report in engine.run(state):
            if not math.isfinite(report.loss):
                raise diverged(f"the loss became {report.loss}", report.step, config, out_dir)
            if report.words:  # a step whose windows were all subsampled away has no loss to average in
                old = state.running_loss
                state.running_loss = report.loss if old is None else 0.95 * old + 0.05 * report.loss
            running = state.running_loss
            if running is not None and (report.step % log_every == 0 or report.step == engine.total_steps):
                history.append((report.step, running, report.loss, report.lr, state.words_done))
            due = due or bool(config.checkpoint_every and report.step % config.checkpoint_every == 0)
            if due and report.step < engine.total_steps:  # the last step's is the final checkpoint, written after
                if report.settled:  # the fast engine settles at these very steps (FastEngine.pause_after)
                    checkpoint()
                    due = False
                else:
                    engine.request_pause()
            if report.step % 50 == 0 or report.step == engine.total_steps:
                rate = (state.words_done - words_at_start) / max(time.perf_counter() - started, 1e-9)
                shown = "-" if running is None else f"{running:.3f}"
                bar.set_postfix(loss=shown, lr=f"{report.lr:.3g}", words_s=f"{rate:,.0f}", refresh=False)
                bar.update(report.step - bar.n)
            if stop.signal is not None:
                if not report.settled:  # threads still updating: let them finish their chunks first
                    engine.request_pause()
                    continue
                raise interrupted(report.step, checkpoint(), out_dir, stop.signal)
    finally:
        bar.close()


def diverged(what: str, step: int, config: TrainConfig, out_dir: Path) -> W2VError:
    """The one message of a run that diverged: a NaN loss, or NaN vectors found before a checkpoint."""
    lr = config.effective_lr
    return W2VError(f"{what} at step {step:,}: training diverged; try a lower --lr (now {lr:g}, e.g. {lr / 10:g}). "
                    f"The last good checkpoint is kept in {out_dir / 'checkpoints'}")


def _all_finite(matrix: np.ndarray) -> bool:
    """No NaN or infinity in matrix, without a (V, d) temporary: its min and max are finite (NaN propagates)."""
    return bool(np.isfinite(matrix.min()) and np.isfinite(matrix.max()))


def _history_array(history: list) -> np.ndarray:
    return np.array(history, dtype=np.float64).reshape(-1, len(HISTORY_COLUMNS))
