"""The fast engine: word2vec's training loop (SGD, negative sampling or hierarchical softmax) compiled with numba, a
window at a time, threaded.

What it does, per epoch, as word2vec and gensim do:
  - the corpus in order, sentence by sentence (sentences longer than 10,000 words are cut into 10,000-word
    pieces, as gensim does); windows never cross a sentence (piece) boundary;
  - each token subsampled with w2vcli.vocab.keep_probabilities (config sample, sample_rule), drawn anew
    every epoch;
  - each window shrunk to a random 1..window;
  - skip-gram: an SGD step per window, each context word's vector predicting the center (word2vec C's and
    gensim's orientation) against K negatives that the window's pairs share (fast_kernels.skipgram_window_update);
    CBOW: one SGD step per CBOW_SHARE consecutive windows sharing K negatives, the mean of each window's context
    rows predicting its center, the step added to every context row undivided (word2vec's cbow_mean=1
    convention, fast_kernels.cbow_windows_update);
  - negatives drawn ∝ count^ns_exponent (an alias table: exact and O(1)), redrawn when equal to a center of the
    windows sharing them (up to MAX_REDRAWS times; then skipped, as word2vec C and gensim skip it);
  - with loss hs (hierarchical softmax), no negatives: the word predicted is reached through its path in the
    Huffman tree of the counts (w2vcli.vocab.huffman_tree, built once), the path's inner nodes being rows of the
    outside matrix (V - 1 of its V rows used); one SGD step per window, skip-gram or CBOW
    (hs_kernels.skipgram_hs_window_update, cbow_hs_window_update; the same orientation and cbow_mean convention);
    the chunks are planned as with negative sampling (the same subsampling, windows and learning rates);
  - lr decaying linearly from lr to min_lr (default lr/1e4) over the raw words of all epochs, set per sentence.
Parameters are float32; the loss is summed in float64.

Steps, threads and determinism: a step is one chunk of whole sentences of about CHUNK_WORDS raw words (the same
chunks whatever the thread count), so total_steps = epochs · chunks, and train.py checkpoints every
checkpoint_every steps (not at each epoch's end: on GCIDE those writes were 8% of a 5-epoch CBOW run). Chunk c
of epoch e is trained by one thread, drawing its random numbers from a splitmix64 generator seeded by (seed, e,
c) through numpy's SeedSequence, so with threads = 1 a run is a function of the seed alone, and a run resumed
from any step's checkpoint equals an uninterrupted one.
With T > 1 threads, T workers take the next chunk as soon as they finish one (as gensim's corpus_file workers
go through their own stretch of the file, never waiting for each other) and update the shared matrices without
locks (Hogwild), so runs differ slightly, as in word2vec and gensim. The main thread only reports the steps, in
order, and the workers stop for it just where train.py checkpoints: every checkpoint_every steps and when
asked to (request_pause, on Ctrl-C or SIGTERM).

Memory: the engine reads the corpus one chunk at a time (w2vcli.encoded: from the encoded files train.py
writes). It holds the two (V, d) matrices (with loss hs also the tree's paths: 5·V·L bytes, L the longest code),
scratch sized by the longest chunk and the threads, and the chunk table: 16 bytes per chunk, the only part that
grows with the corpus (1.6 MB for 10^9 tokens).

The loss reported per step is the mean over the chunk's windows of each window's summed pair losses (as the
numpy engine's), and words are the windows trained (centers with at least one context word after
subsampling).
"""
from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterator

import numpy as np

from w2vcli.encoded import OFFSET_BLOCK, EncodedCorpus, EncodedFile
from w2vcli.engines.base import Engine, StepReport, TrainState, linear_decay, word2vec_init
from w2vcli.vocab import NegativeSampler, huffman_tree, keep_probabilities

CHUNK_WORDS = 10_000  # raw words per step (a chunk ends with the first sentence that reaches it)
PAD_FLOATS = 32  # 128 bytes of float32: the padding between threads' scratch rows


def resolve_threads(threads: int) -> int:
    """The thread count: config threads, or every core the process may use when it is 0."""
    if threads > 0:
        return threads
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def chunk_bounds(corpus, chunk_words: int = CHUNK_WORDS, block: int = OFFSET_BLOCK) -> tuple[np.ndarray, np.ndarray]:
    """Where the chunks start: sentence indices (C + 1,) and token positions (C + 1,), both ending with the end
    of the corpus. Chunks are whole sentences of about chunk_words words: a chunk ends after the sentence whose
    end first reaches (or passes) the next multiple of chunk_words.

    The offsets are read `block` at a time, so memory stays flat (C is about N / chunk_words).
    """
    sentences, starts = [np.zeros(1, np.int64)], [np.zeros(1, np.int64)]
    for first, offsets in corpus.offset_blocks(block):  # offsets[i] is where sentence first + i starts
        crossing = np.flatnonzero(offsets[1:] // chunk_words > offsets[:-1] // chunk_words) + 1  # sentence ends
        sentences.append(first + crossing)
        starts.append(offsets[crossing])
    sentences.append(np.array([corpus.num_sentences]))
    starts.append(np.array([corpus.num_tokens]))
    sentences, keep = np.unique(np.concatenate(sentences), return_index=True)
    return sentences.astype(np.int64), np.concatenate(starts)[keep].astype(np.int64)


def _return_large_blocks_to_the_os() -> None:
    """Keep glibc's mmap threshold at 128 KiB, for the whole process. By default it rises to the size of the
    largest block freed (up to 32 MiB), so after each checkpoint's 15 MB write buffer the next ones come from the
    heap and stay resident when freed: ~20 MB of peak memory on GCIDE. Set when the engine is made: after the
    corpus passes, which it would slow by ~40% (fresh 1 MB buffers, each one mapped anew). Elsewhere than glibc,
    nothing happens."""
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").mallopt(-3, 128 * 1024)  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        pass


class FastEngine(Engine):
    name = "fast"

    def __init__(self, config, vocab, corpus: EncodedCorpus | EncodedFile):
        from w2vcli.engines import fast_kernels, hs_kernels
        from w2vcli.engines.kernel_support import build_alias

        _return_large_blocks_to_the_os()  # for the checkpoints' buffers; not earlier: it slows the corpus passes

        self.kernels = fast_kernels
        self.config = config
        self.vocab_size = len(vocab)
        self.corpus = corpus  # read one chunk at a time
        self.num_tokens = corpus.num_tokens
        self.chunks, self.chunk_starts = chunk_bounds(corpus)  # (C + 1,) first sentence, (C + 1,) first token
        self.chunks_per_epoch = len(self.chunks) - 1
        self.total_steps = config.epochs * self.chunks_per_epoch
        keep_probs = keep_probabilities(vocab.counts, config.sample, config.sample_rule)  # (V,) float64
        self.paths = None  # hierarchical softmax's paths (hs_kernels.HuffmanPaths), with loss hs
        if config.loss == "hs":
            tree = huffman_tree(vocab.counts)
            self.paths = hs_kernels.HuffmanPaths(np.ascontiguousarray(tree.codes, dtype=np.uint8),
                                                 np.ascontiguousarray(tree.points, dtype=np.int32),
                                                 np.ascontiguousarray(tree.lengths, dtype=np.int32))
            accept, alias = np.ones(0), np.zeros(0, dtype=np.int32)  # no negatives
        else:
            negative_probs = NegativeSampler(vocab.counts, config.ns_exponent).probs  # (V,) ∝ count^ns_exponent
            accept, alias = build_alias(negative_probs)  # the same distribution, O(1) draws
        self.hs_kernels = hs_kernels
        self.tables = fast_kernels.SamplingTables(keep_probs, accept, alias)
        self.settings = fast_kernels.Settings(config.window, config.model == "cbow")
        self.threads = resolve_threads(config.threads)
        max_segment = max(1, corpus.longest_sentence)
        reach = min(config.window, max_segment - 1)  # no window reaches past its sentence (piece)
        t, d = self.threads, config.dim
        k = config.negative if self.paths is None else 0  # negatives per update
        path_length = 0 if self.paths is None else self.paths.codes.shape[1]  # L, the longest code
        columns = max(k + 1, path_length)  # an update's scores per input: the word and its negatives, or a path
        inputs = max(2 * max(reach, 1), fast_kernels.CBOW_SHARE)  # an update's inputs: context words, CBOW windows
        longest = max(1, int(np.diff(self.chunk_starts).max(initial=0)))  # the longest chunk, in tokens
        self._bufs = np.zeros((t, longest), dtype=np.int32)  # each thread's kept tokens of a chunk
        self._plan = np.zeros((t, 3, longest), dtype=np.int32)  # ... its windows
        self._negatives = np.zeros((t, longest, k), dtype=np.int32)  # ... their negatives
        self._rates = np.zeros((t, longest + PAD_FLOATS), dtype=np.float32)  # ... and learning rates
        # The small per-thread scratch is written at every update: padding keeps each thread's on cache lines of
        # its own (threads writing to one line would make it bounce between the cores: false sharing).
        self._rows = np.zeros((t, inputs + k + 1 + PAD_FLOATS), dtype=np.int32)
        self._inputs = np.zeros((t, inputs + 1, d), dtype=np.float32)  # the last row of each: padding
        self._scores = np.zeros((t, inputs + 1, columns + PAD_FLOATS), dtype=np.float32)
        self._steps = np.zeros((t, inputs + 1, d), dtype=np.float32)
        self._rng = np.zeros((t, PAD_FLOATS // 2), dtype=np.uint64)  # each thread's generator state in column 0
        self._workers = None  # the running _Workers when threads > 1
        self.scratch = [fast_kernels.Scratch(self._rng[i, :1], self._bufs[i], self._plan[i], self._negatives[i],
                                             self._rates[i, :longest], self._rows[i, :inputs + k + 1],
                                             self._inputs[i, :inputs], self._scores[i, :inputs, :columns],
                                             self._steps[i, :inputs])
                        for i in range(t)]

    def init_state(self, seed: int) -> TrainState:
        """word2vec's initialisation (base.word2vec_init) in float32."""
        return word2vec_init(np.random.default_rng(seed), self.vocab_size, self.config.dim, dtype=np.float32)

    def learning_rate(self, raw_words_done: int) -> float:
        """lr after raw_words_done raw words of the run: linear from lr to min_lr over epochs · N words."""
        config = self.config
        return linear_decay(config.effective_lr, config.final_lr, raw_words_done / (config.epochs * self.num_tokens))

    def chunk_rng_state(self, epoch: int, chunk: int) -> np.uint64:
        """Chunk `chunk` of epoch `epoch`'s generator state, from (seed, epoch, chunk), whichever thread trains it."""
        return np.random.SeedSequence([self.config.seed, 2, epoch, chunk]).generate_state(1, dtype=np.uint64)[0]

    def _as_float32(self, state: TrainState) -> None:
        for name in ("center_vectors", "outside_vectors"):
            matrix = getattr(state, name)
            if matrix.dtype != np.float32 or not matrix.flags.c_contiguous or not matrix.flags.writeable:
                setattr(state, name, np.array(matrix, dtype=np.float32, order="C"))

    def read_chunk(self, chunk: int) -> tuple[np.ndarray, np.ndarray]:
        """A chunk's sentence offsets (m + 1,) int64, in the corpus, and its tokens (offsets[-1] - offsets[0],)."""
        offsets = self.corpus.sentence_offsets(self.chunks[chunk], self.chunks[chunk + 1])
        return offsets, self.corpus.token_range(offsets[0], offsets[-1])

    def train_chunk(self, state: TrainState, step: int, thread: int = 0) -> tuple[float, int]:
        """Train the chunk of step `step` (chunk step % C of epoch step // C) with thread `thread`'s scratch;
        returns (loss sum, windows). Threads may call it at once for different steps (Hogwild)."""
        config, n = self.config, self.num_tokens
        epoch, chunk = divmod(step, self.chunks_per_epoch)
        offsets, tokens = self.read_chunk(chunk)
        start = int(offsets[0])
        scratch = self.scratch[thread]
        scratch.rng_state[0] = self.chunk_rng_state(epoch, chunk)
        model = self.kernels.Model(state.center_vectors, state.outside_vectors)
        schedule = self.kernels.Schedule(config.effective_lr, config.final_lr, epoch * n + start, config.epochs * n)
        segments = len(offsets) - 1
        if self.paths is None:
            loss, windows = self.kernels.train_segments(model, tokens, offsets - start, 0, segments, self.tables,
                                                      schedule, self.settings, scratch)
        else:
            loss, windows = self.hs_kernels.train_segments_hs(model, tokens, offsets - start, 0, segments,
                                                              self.tables, self.paths, schedule, self.settings,
                                                              scratch)
        return loss, int(windows)

    def report(self, state: TrainState, step: int, loss: float, windows: int) -> StepReport:
        """Count step `step` (0-based) as done in state and describe it."""
        epoch, chunk = divmod(step, self.chunks_per_epoch)
        state.step, state.words_done = step + 1, state.words_done + windows
        lr = self.learning_rate(epoch * self.num_tokens + int(self.chunk_starts[chunk]))
        return StepReport(step=step + 1, loss=loss / windows if windows else 0.0, lr=lr, words=windows)

    def pause_after(self, step: int) -> int:
        """The first step count after `step` at which the workers stop for train.py: a checkpoint step or the
        end of the run."""
        every = self.config.checkpoint_every
        if not every:
            return self.total_steps
        return min((step // every + 1) * every, self.total_steps)

    def run(self, state: TrainState) -> Iterator[StepReport]:
        self._as_float32(state)
        if self.threads == 1:
            while state.step < self.total_steps:
                yield self.report(state, state.step, *self.train_chunk(state, state.step))
            return
        yield from _Workers(self, state).reports()

    def request_pause(self) -> None:
        """Stop handing out chunks: the next reports finish the chunks in flight, the last one settled."""
        if self._workers is not None:
            self._workers.pause()


class _Workers:
    """T threads taking chunks in order from a shared counter, never waiting for each other; the main thread
    yields their steps in order. Chunks at or past `limit` are not handed out: when every step before it is
    done, no update is in flight, so train.py may checkpoint (StepReport.settled)."""

    def __init__(self, engine: FastEngine, state: TrainState):
        self.engine, self.state = engine, state
        self.lock = threading.Condition()
        self.next_step = state.step  # the next chunk to hand out
        self.limit = engine.pause_after(state.step)
        self.stopping = False
        self.done: queue.Queue = queue.Queue()  # (step, loss, windows) or (None, exception, 0)

    def pause(self) -> None:
        """Hand out no chunk past those in flight (at least one more, so that a settled report follows)."""
        with self.lock:
            self.limit = max(min(self.limit, self.next_step), self.state.step + 1)
            self.lock.notify_all()

    def work(self, thread: int) -> None:
        try:
            while True:
                with self.lock:
                    while not self.stopping and self.next_step >= self.limit:
                        self.lock.wait()
                    if self.stopping:
                        return
                    step, self.next_step = self.next_step, self.next_step + 1
                self.done.put((step, *self.engine.train_chunk(self.state, step, thread)))
        except BaseException as error:  # noqa: B036 -- handed to the main thread, which raises it
            self.done.put((None, error, 0))

    def reports(self) -> Iterator[StepReport]:
        engine, state = self.engine, self.state
        threads = [threading.Thread(target=self.work, args=(t,), name=f"w2v-fast-{t}", daemon=True)
                   for t in range(engine.threads)]
        engine._workers = self
        finished: dict[int, tuple[float, int]] = {}  # steps done out of order, waiting for their turn
        try:
            for thread in threads:
                thread.start()
            while state.step < engine.total_steps:
                step, loss, windows = self.done.get()
                if step is None:
                    raise loss
                finished[step] = (loss, windows)
                while state.step in finished:
                    report = engine.report(state, state.step, *finished.pop(state.step))
                    with self.lock:
                        report.settled = state.step == self.limit  # every chunk handed out is done
                    yield report
                    if report.settled:
                        with self.lock:
                            self.limit = engine.pause_after(state.step)
                            self.lock.notify_all()
        finally:
            with self.lock:
                self.stopping = True
                self.lock.notify_all()
            for thread in threads:
                if thread.is_alive():
                    thread.join()
            engine._workers = None
