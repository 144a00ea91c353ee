"""The corpus as word indices: in memory (EncodedCorpus) or in two files read back a piece at a time (EncodedFile).

Both hold N tokens, sentences one after another, and S + 1 offsets (sentence s is tokens[offsets[s]:offsets[s+1]]),
and both answer the same three questions, so an engine that only asks them works on either:
  sentence_offsets(first, last)   offsets[first:last + 1], (last - first + 1,) int64
  token_range(start, stop)        tokens[start:stop], (stop - start,) int32
  offset_blocks(size)             (first, offsets[first:first + size + 1]) for first = 0, size, 2·size, ...
EncodedFile keeps its memory flat whatever the corpus size: the fast engine reads one chunk at a time, so a
corpus larger than RAM trains (the files sit on disk, 4 bytes a token and 8 a sentence).
encode and encode_to_folder make them from sentences of words and the vocabulary's word index (Vocab.word2ind).
Sentences are at most MAX_SENTENCE_TOKENS long (longer ones are cut into pieces by corpus.cut_long, as gensim does).
"""
from __future__ import annotations

import os
import shutil
import tempfile
from array import array
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from w2vcli.corpus import MAX_SENTENCE_TOKENS, cut_long

try:
    import fcntl
except ImportError:  # not Unix: stale folders are never deleted
    fcntl = None

BLOCK_TOKENS = 1 << 20  # tokens encoded (and written) per block
OFFSET_BLOCK = 1 << 20  # offsets read per block when scanning a whole corpus
LOCK_NAME = "lock"  # EncodedFile's lock file: locked while its run is alive


def encode(sentences: Iterable[list[str]], word2ind: dict[str, int]) -> EncodedCorpus:
    """The corpus as word indices, in memory: out-of-vocabulary tokens dropped, sentences left empty dropped.

    >>> encode([["the", "cat", "sat"], ["a", "dog"], ["the"]], {"the": 0, "cat": 1, "dog": 2}).tokens.tolist()
    [0, 1, 2, 0]

    ("sat" and "a" are not in the vocabulary; the offsets are [0, 2, 3, 4].)
    """
    return EncodedCorpus.from_blocks(encode_blocks(sentences, word2ind))


def encode_to_folder(sentences: Iterable[list[str]], word2ind: dict[str, int], folder) -> EncodedFile:
    """The same, written to files in folder (created; it must not exist) a block at a time: memory stays flat."""
    return EncodedFile.write(encode_blocks(sentences, word2ind), folder)


def encode_blocks(sentences: Iterable[list[str]], word2ind: dict[str, int],
                  block_tokens: int = BLOCK_TOKENS) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(tokens (n,) int32, sentence lengths (m,) int64) blocks of about block_tokens tokens: each sentence as
    word indices, out-of-vocabulary tokens dropped, sentences left empty dropped, long ones cut in pieces."""
    tokens, lengths = array("i"), array("q")
    lookup = word2ind.get
    for sentence in sentences:
        ids = [i for i in map(lookup, sentence) if i is not None]
        for piece in cut_long(ids):
            tokens.extend(piece)
            lengths.append(len(piece))
        if len(tokens) >= block_tokens:
            yield np.frombuffer(tokens, np.int32).copy(), np.frombuffer(lengths, np.int64).copy()
            tokens, lengths = array("i"), array("q")
    if lengths:
        yield np.frombuffer(tokens, np.int32).copy(), np.frombuffer(lengths, np.int64).copy()


def segment_offsets(offsets: np.ndarray, max_len: int = MAX_SENTENCE_TOKENS) -> np.ndarray:
    """Sentence offsets (S + 1,) with every sentence longer than max_len cut into pieces by cut_long.

    >>> segment_offsets(np.array([0, 3, 25]), max_len=10).tolist()
    [0, 3, 13, 23, 25]
    """
    offsets = np.asarray(offsets, dtype=np.int64)  # (S + 1,)
    long = np.flatnonzero(np.diff(offsets) > max_len)  # the sentences to cut
    if len(long) == 0:
        return offsets.copy()
    inner = [piece.start for s in long for piece in cut_long(range(offsets[s], offsets[s + 1]), max_len)[1:]]
    return np.sort(np.concatenate([offsets, np.array(inner, dtype=np.int64)]))  # cuts fall inside their sentence


def file_bytes(num_tokens: int, num_sentences: int) -> int:
    """Disk bytes of an EncodedFile: int32 tokens and int64 offsets (one more than the sentences)."""
    return num_tokens * 4 + (num_sentences + 1) * 8


class _Encoded:
    num_sentences: int

    def sentence_offsets(self, first: int, last: int) -> np.ndarray:
        raise NotImplementedError

    def offset_blocks(self, size: int = OFFSET_BLOCK) -> Iterator[tuple[int, np.ndarray]]:
        for first in range(0, max(self.num_sentences, 1), size):
            yield first, self.sentence_offsets(first, min(first + size, self.num_sentences))

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class EncodedCorpus(_Encoded):
    """The encoded corpus in memory (the NumPy engine draws windows from anywhere in it)."""

    def __init__(self, tokens: np.ndarray, offsets: np.ndarray):
        self.tokens = np.ascontiguousarray(tokens, dtype=np.int32)  # (N,)
        self.offsets = segment_offsets(offsets)  # (S + 1,)
        lengths = np.diff(self.offsets)
        self.num_tokens = len(self.tokens)
        self.num_sentences = len(lengths)
        self.longest_sentence = int(lengths.max(initial=0))

    @classmethod
    def from_blocks(cls, blocks: Iterable[tuple[np.ndarray, np.ndarray]]) -> EncodedCorpus:
        token_blocks, length_blocks = [np.zeros(0, np.int32)], [np.zeros(0, np.int64)]
        for tokens, lengths in blocks:
            token_blocks.append(tokens)
            length_blocks.append(lengths)
        lengths = np.concatenate(length_blocks)
        return cls(np.concatenate(token_blocks), np.concatenate([[0], np.cumsum(lengths)]))

    def sentence_offsets(self, first: int, last: int) -> np.ndarray:
        return self.offsets[first:last + 1]

    def token_range(self, start: int, stop: int) -> np.ndarray:
        return self.tokens[start:stop]


class EncodedFile(_Encoded):
    """The encoded corpus in FOLDER/tokens.i32 and FOLDER/offsets.i64 (raw arrays, this machine's byte order).

    Read with plain reads into fresh arrays, never memory-mapped: pages read once do not stay counted in the
    process. While open, the folder's `lock` file is locked (flock), which tells remove_stale that its run is
    alive. close() deletes the folder.
    """

    def __init__(self, folder: Path, num_tokens: int, num_sentences: int, longest_sentence: int, lock=None):
        self.folder = Path(folder)
        self.num_tokens, self.num_sentences, self.longest_sentence = num_tokens, num_sentences, longest_sentence
        self._lock, self._handles = lock, []
        try:
            self._tokens = self._open("tokens.i32")
            self._offsets = self._open("offsets.i64")
        except BaseException:
            self.close()
            raise

    def _open(self, name: str):
        handle = open(self.folder / name, "rb", buffering=0)
        self._handles.append(handle)
        return handle

    @classmethod
    def write(cls, blocks: Iterable[tuple[np.ndarray, np.ndarray]], folder: Path) -> EncodedFile:
        """Write the blocks of encode_blocks into folder (created; it must not exist) and open them.

        The folder is made under a temporary name, locked, and only then renamed to its own: a folder under
        that name always has its lock file, so remove_stale never mistakes a starting run for a dead one.
        """
        folder = Path(folder)
        starting = Path(tempfile.mkdtemp(prefix=".starting-", dir=folder.parent))
        lock = None
        num_tokens = num_sentences = longest = 0
        try:
            lock = _hold_lock(starting / LOCK_NAME)
            starting.rename(folder)
            starting = folder
            with open(folder / "tokens.i32", "wb") as tokens_out, open(folder / "offsets.i64", "wb") as offsets_out:
                offsets_out.write(np.zeros(1, np.int64).tobytes())
                for tokens, lengths in blocks:
                    tokens_out.write(memoryview(np.ascontiguousarray(tokens, np.int32)))  # no copy
                    offsets_out.write(memoryview(num_tokens + np.cumsum(lengths, dtype=np.int64)))
                    num_tokens += len(tokens)
                    num_sentences += len(lengths)
                    longest = max(longest, int(lengths.max(initial=0)))
        except BaseException:  # a bad line, a full disk, Ctrl-C: no half-written folder stays behind
            if lock is not None:
                os.close(lock)
            shutil.rmtree(starting, ignore_errors=True)
            raise
        return cls(folder, num_tokens, num_sentences, longest, lock)

    def sentence_offsets(self, first: int, last: int) -> np.ndarray:
        return _read(self._offsets, np.dtype(np.int64), first, last + 1)

    def token_range(self, start: int, stop: int) -> np.ndarray:
        return _read(self._tokens, np.dtype(np.int32), start, stop)

    def close(self) -> None:
        for handle in self._handles:
            handle.close()
        if self._lock is not None:  # released first: a file still open cannot be deleted everywhere
            os.close(self._lock)
            self._lock = None
        shutil.rmtree(self.folder, ignore_errors=True)


def remove_stale(folders: Iterable[Path]) -> list[Path]:
    """Delete the encoded-corpus folders whose run has ended without closing them (killed): those whose lock
    file is missing or not locked. Returns the folders deleted."""
    removed = []
    for folder in folders:
        try:
            lock = os.open(folder / LOCK_NAME, os.O_RDONLY)
        except FileNotFoundError:
            lock = None  # its run died before taking the lock
        except OSError:
            continue  # not ours to judge (not a folder, not readable)
        try:
            if lock is not None and fcntl is not None:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # BlockingIOError: its run is alive
            elif lock is not None:
                continue  # no flock here (not Unix): never delete
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
        except OSError:
            pass  # alive (BlockingIOError), or locks do not work here: keep it
        finally:
            if lock is not None:
                os.close(lock)
    return removed


def _hold_lock(path: Path) -> int:
    """A file descriptor holding an exclusive flock on path (created); the lock lasts until it is closed."""
    lock = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    if fcntl is not None:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            os.close(lock)
            raise OSError(err.errno, f"cannot lock {path}: {err.strerror}") from None
    return lock


def _read(handle, dtype: np.dtype, start: int, stop: int) -> np.ndarray:
    """Elements start..stop-1 of a raw array file, as a new writable native array. Positional reads (pread), so
    threads may read one handle at once."""
    out = np.empty(max(stop - start, 0), dtype=dtype)  # (stop - start,)
    view = memoryview(out).cast("B")
    offset, done = start * dtype.itemsize, 0
    while done < len(view):
        got = os.preadv(handle.fileno(), [view[done:]], offset + done)
        if not got:
            raise OSError(f"{handle.name} ended at byte {offset + done}: the encoded corpus is cut")
        done += got
    return out
