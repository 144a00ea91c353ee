"""Counting and encoding a Corpus with compiled kernels (scan_kernels.py): Vocab.build's and encode_blocks's
results, exactly, at tens of millions of tokens a second (one core).

    vocab = count_corpus(corpus, min_count, max_vocab)     # == Vocab.build(corpus, min_count, max_vocab)
    blocks = encode_blocks_fast(corpus, vocab.words)       # == encode_blocks(corpus, vocab.word2ind)

The files are read by Corpus's own reader, corpus.read_blocks (a line longer than a block in pieces cut at white
space), and go to the kernels a block of lines at a time. The kernels read ASCII lines themselves; a line with
other bytes (UTF-8 text, a byte-order mark, NUL), the SST header line and an SST line without a TAB take Corpus's
own steps in Python (corpus.line_words: checks, decode, lower, split) and reach the kernels as their words, so the
errors and the tokens are Corpus's. Every format (text, SST, a folder of both) is compiled.
"""
from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

import w2vcli.vocab as vocab_module
from w2vcli import scan_kernels as kernels
from w2vcli.corpus import BLOCK_BYTES, MAX_SENTENCE_TOKENS, Corpus, line_words, read_blocks
from w2vcli.encoded import BLOCK_TOKENS, encode_blocks
from w2vcli.errors import W2VError
from w2vcli.vocab import Vocab

FIRST_WORDS = 1 << 16  # room for words in a fresh table; it doubles as needed
COMPILED = sys.byteorder == "little"  # the kernels read 8 bytes at a time, little-endian; elsewhere: Python


def load_kernels() -> None:
    """Load the compiled kernels now (from numba's cache; compiled on a first run ever), by counting and encoding
    a two-word file: a fixed cost like an import, kept out of the timing of counting and encoding proper."""
    with tempfile.TemporaryDirectory(prefix="w2v-scan-") as folder:
        path = Path(folder) / "two-words.txt"
        path.write_bytes(b"a b\n")
        corpus = Corpus(path)
        for _ in encode_blocks_fast(corpus, count_corpus(corpus, min_count=1).words):
            pass


def count_corpus(corpus: Corpus, min_count: int = 5, max_vocab: int | None = None,
                 block_size: int = BLOCK_BYTES) -> Vocab:
    """Vocab.build(corpus, min_count, max_vocab), compiled: the same words, counts, order and statistics.

    With max_vocab, at most max_vocab + PRUNE_SLACK words (and one sentence's new ones) are held while counting,
    as there: the table's memory is bounded. Without, it grows with the distinct words only.
    >>> from w2vcli.corpus import BUNDLED_CORPUS
    >>> vocab = count_corpus(Corpus(BUNDLED_CORPUS), min_count=5)
    >>> vocab.words[:4], vocab.counts[:4].tolist(), vocab.corpus_tokens, vocab.corpus_sentences
    (['the', 'a', 'and', 'was'], [21951, 6989, 2663, 2635], 142943, 20000)
    """
    if not COMPILED:
        return Vocab.build(corpus, min_count, max_vocab)
    limit = max_vocab + vocab_module.PRUNE_SLACK if max_vocab else -1  # -1: no bound
    table = kernels.Table(kernels.new_slots(2 * FIRST_WORDS),  # (2^k, 4)
                          np.empty(FIRST_WORDS, np.uint64),  # (capacity,) hashes
                          np.zeros(FIRST_WORDS, np.int64),  # (capacity,) offsets
                          np.empty(16 * FIRST_WORDS, np.uint8))  # arena
    stats = np.zeros(kernels.STATS, np.int64)
    stats[kernels.MIN_REDUCE] = 1
    for file, number, chunk, rules in _chunks(corpus, block_size):
        table = kernels.count_chunk(chunk, rules, limit, table, stats)
        if stats[kernels.ERROR_LINE] >= 0:
            _raise_for_line(file, number, chunk, rules,
                            (stats[kernels.ERROR_LINE], stats[kernels.ERROR_START], stats[kernels.ERROR_END]))
    if stats[kernels.TOKENS] == 0:
        raise W2VError(f"the corpus {corpus.path} has no words")
    num_words = int(stats[kernels.TYPES])
    held = kernels.word_counts(table.slots, num_words)  # (T,) in first-seen order, as Counter's
    ranked = np.argsort(-held, kind="stable")  # (T,) stable: ties stay in first-seen order
    kept = ranked[held[ranked] >= min_count][: max_vocab or None]
    if num_words == 0:
        raise vocab_module.every_word_dropped(max_vocab)
    if len(kept) == 0:
        top = _words(table, ranked[:1])[0]
        raise W2VError(
            f"no word occurs at least {min_count} times (--min-count); the most frequent, "
            f"{top!r}, occurs {held[ranked[0]]} times: lower --min-count"
        )
    return Vocab(_words(table, kept), held[kept].copy(), int(stats[kernels.TOKENS]), num_words,
                 int(stats[kernels.PRUNED]), int(stats[kernels.SENTENCES]))


def _words(table: kernels.Table, chosen: np.ndarray) -> list[str]:
    """The words chosen (indices into the table), decoded at once: no word holds a b"\\n"."""
    return kernels.joined(table.arena, table.offsets, chosen).tobytes().decode("utf-8").split("\n")[:-1]


def encode_blocks_fast(corpus: Corpus, words: list[str], block_tokens: int = BLOCK_TOKENS,
                       block_size: int = BLOCK_BYTES) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """encode_blocks(corpus, {word: i for i, word in enumerate(words)}, block_tokens), compiled: the same
    blocks of (tokens (n,) int32, sentence lengths (m,) int64), cut where it cuts them.

    >>> from w2vcli.corpus import BUNDLED_CORPUS
    >>> [(tokens[:3].tolist(), lengths[:2].tolist())
    ...  for tokens, lengths in encode_blocks_fast(Corpus(BUNDLED_CORPUS), ["the", "a", "girl"])]
    [([1, 2, 0], [2, 3])]

    (The corpus starts "a girl asked for directions" (a, girl: 1, 2) and "the princess wore a crown at the feast"
    (the, a, the: 0, 1, 0); the other words are not in this vocabulary.)
    """
    if not COMPILED:
        yield from encode_blocks(corpus, {word: i for i, word in enumerate(words)}, block_tokens)
        return
    table = kernels.lookup_table(*_arena(words))
    written = np.zeros(4, np.int64)  # tokens and lengths written, an error line's bytes
    token_parts, length_parts, held = [], [], 0  # encoded and not yet handed over
    tokens_out, lengths_out = np.empty(0, np.int32), np.empty(0, np.int64)  # the kernel's output, reused
    for file, number, chunk, rules in _chunks(corpus, block_size):
        room = len(chunk.buf) // 2 + 1  # a word and its white space take 2 bytes at least
        if len(tokens_out) < room:
            tokens_out, lengths_out = np.empty(room, np.int32), np.empty(room, np.int64)
        tokens, lengths = tokens_out[:room], lengths_out[:room]
        line = kernels.encode_chunk(chunk, rules, table, tokens, lengths, written)
        if line >= 0:
            _raise_for_line(file, number, chunk, rules, (line, written[2], written[3]))
        if written[1]:
            token_parts.append(tokens[:written[0]].copy())
            length_parts.append(lengths[:written[1]].copy())
            held += int(written[0])
        while held >= block_tokens:  # encode_blocks hands a block over after the sentence that fills it
            tokens, lengths = np.concatenate(token_parts), np.concatenate(length_parts)
            ends = np.cumsum(lengths)  # (m,)
            last = int(np.searchsorted(ends, block_tokens))  # the first sentence reaching block_tokens
            yield tokens[:ends[last]].copy(), lengths[:last + 1].copy()
            token_parts, length_parts = [tokens[ends[last]:]], [lengths[last + 1:]]
            held -= int(ends[last])
    if length_parts and sum(len(part) for part in length_parts):
        yield np.concatenate(token_parts), np.concatenate(length_parts)


def _arena(words: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(arena (bytes,) uint8, offsets (V + 1,) int64): the words' UTF-8 one after another, word i is
    arena[offsets[i]:offsets[i + 1]]."""
    joined = np.frombuffer("\n".join(words).encode("utf-8"), np.uint8)
    ends = np.flatnonzero(joined == kernels.NEWLINE)  # (V - 1,) when no word holds a b"\n", as none can match
    if len(ends) != len(words) - 1:  # some do (never found), or there are no words
        data = [word.encode("utf-8") for word in words]
        offsets = np.zeros(len(data) + 1, np.int64)
        np.cumsum([len(b) for b in data], out=offsets[1:])
        return np.frombuffer(b"".join(data), np.uint8), offsets
    starts = np.concatenate([[0], ends + 1])  # (V,) where each word starts in joined
    lengths = np.diff(np.append(starts, len(joined) + 1)) - 1  # (V,)
    keep = np.ones(len(joined), np.bool_)
    keep[ends] = False
    offsets = np.zeros(len(words) + 1, np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return joined[keep], offsets


class _Padded:
    """One buffer that holds each chunk in turn as the kernels read it: (buf (n,) uint8, buf64 (n // 8 + 2,) uint64
    the same memory), spaces after the chunk's end."""

    def __init__(self):
        self.memory = np.zeros(0, np.uint64)

    def hold(self, chunk) -> tuple[np.ndarray, np.ndarray]:
        size = len(chunk) // 8 + 2
        if len(self.memory) < size:
            self.memory = np.empty(max(size, 2 * len(self.memory)), np.uint64)
        buf64 = self.memory[:size]
        buf = buf64.view(np.uint8)
        buf[:len(chunk)] = np.frombuffer(chunk, np.uint8)
        buf[len(chunk):] = ord(" ")
        return buf[:len(chunk)], buf64


def _chunks(corpus: Corpus, block_size: int) -> Iterator[tuple[Path, int, kernels.Chunk, kernels.LineRules]]:
    """(file, number of the first line, chunk, rules) for the corpus's files in order: each chunk whole lines (or
    one piece of a long line) ready for the kernels (scan_kernels' plain and worded lines), held by a _Padded that
    the next chunk reuses."""
    padded = _Padded()
    for file in corpus.files:
        rules = kernels.LineRules(corpus.is_sst(file), corpus.lowercase, MAX_SENTENCE_TOKENS)
        for number, lines, continued in read_blocks(file, block_size):
            buf, buf64 = padded.hold(lines)
            if not kernels.is_plain(buf64) or (rules.sst and number == 1 and not continued):  # the SST header line
                buf, buf64 = padded.hold(_kernel_ready(file, number, bytes(lines), continued, rules))
            yield file, number, kernels.Chunk(buf, buf64, continued), rules


def _kernel_ready(file: Path, number: int, chunk: bytes, continued: bool, rules: kernels.LineRules) -> bytes:
    """The chunk with every line the kernels do not read themselves replaced by b"\\0" and its words."""
    lines = chunk.split(b"\n")
    for index, raw in enumerate(lines):
        first = continued and index == 0
        sst_line = rules.sst and not first
        if raw.isascii() and b"\0" not in raw and not (sst_line and (b"\t" not in raw or number + index == 1)):
            continue
        words = line_words(file, number + index, raw, first, rules.sst, rules.lowercase)
        lines[index] = b"\0" + " ".join(words).encode("utf-8")
    return b"\n".join(lines)


def _raise_for_line(file: Path, number: int, chunk: kernels.Chunk, rules: kernels.LineRules, error) -> None:
    """Raise Corpus's error for the line a kernel stopped at: error is (its index in the chunk, its first and end
    byte)."""
    line, start, end = (int(value) for value in error)
    raw = chunk.buf[start:end].tobytes()
    line_words(file, number + line, raw, chunk.first_continued and line == 0, rules.sst, rules.lowercase)  # raises
    raise AssertionError(f"{file}:{number + line}: the kernel and Corpus disagree on this line")
