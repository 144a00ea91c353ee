"""Compiled kernels of `w2v phrases` (phrases.py drives them): counting words and adjacent word pairs, and writing
a chunk back with the chosen pairs joined.

They read chunks exactly as scan_kernels.py's counting does (its tokenizer, its table of words, its rules for
lines and sentences), so the words, sentences and errors are Corpus's. Pairs live in a second table: pairs
(2^k, 2) int64, open addressing with linear probing, at most scan_kernels.MAX_LOAD full, a row [key or -1 when
empty, count (counting) or phrase index (rewriting)], key = first << 32 | second (word indices of the table of
words), slot picked by murmur3's finaliser of the key.

numba's on-disk cache is keyed by this file's text; forget_stale_cache drops it when scan_kernels.py or
kernel_support.py (whose functions are compiled into these kernels) change.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from w2vcli import scan_kernels as sk
from w2vcli.engines import kernel_support
from w2vcli.engines.kernel_support import prefetch_row
from w2vcli.scan_kernels import (
    DONE,
    ENDS_SENTENCE,
    ERROR_END,
    ERROR_LINE,
    ERROR_START,
    MAX_LOAD,
    MIN_REDUCE,
    NEWLINE,
    PREFETCH_AHEAD,
    PRUNED,
    SENTENCES,
    TOKENS,
    TYPES,
    Table,
    word_counts,
)

kernel_support.forget_stale_cache(__file__, [sk.__file__, kernel_support.__file__])

JIT = {"cache": True, "nogil": True}
INLINE = {**JIT, "inline": "always"}

PAIRS = sk.STATS  # stats index: pairs held (after scan_kernels' TYPES, TOKENS, ... ERROR_END)
STATS = sk.STATS + 1
FIRST_WORDS = 1 << 16  # room in fresh tables; they double as needed
FIRST_PAIRS = 1 << 18
SPACE = 32
_LOW32 = 0xFFFFFFFF


def empty_counts(limit: int = -1) -> tuple[Table, np.ndarray, np.ndarray]:
    """(table of words, pairs, stats (STATS,) int64) to count into: empty. With a limit (>= 0) on the words and
    pairs held, the tables start no larger than it needs (they hold at most limit and a batch), as pruning reads
    every slot: a small limit prunes after almost every sentence."""
    words, pairs = FIRST_WORDS, FIRST_PAIRS
    if limit >= 0:
        needed = 1 << int(limit + sk.BATCH).bit_length()  # a power of two above limit + BATCH
        words, pairs = min(words, max(needed, 1024)), min(pairs, max(needed, 1024))
    table = Table(sk.new_slots(2 * words),  # (2^k, 4)
                  np.empty(words, np.uint64),  # (capacity,) hashes
                  np.zeros(words, np.int64),  # (capacity,) offsets
                  np.empty(16 * words, np.uint8))  # arena
    stats = np.zeros(STATS, np.int64)
    stats[MIN_REDUCE] = 1
    return table, new_pairs(2 * pairs), stats


@njit(**JIT)
def new_pairs(num_slots):
    """Empty pair slots (num_slots, 2)."""
    return np.full((num_slots, 2), -1, np.int64)


@njit(**INLINE)
def _pair_home(key, mask):
    """The slot where key's probing starts (murmur3's fmix64 of key, masked)."""
    return np.int64(sk.fmix64(np.uint64(key)) & np.uint64(mask))


@njit(**INLINE)
def _pair_slot(pairs, key, slot):
    """(slot, True) of key in pairs, or (the empty slot where it goes, False), probing from slot (_pair_home)."""
    mask = len(pairs) - 1
    while True:
        held = pairs[slot, 0]
        if held == key:
            return slot, True
        if held < 0:
            return slot, False
        slot = (slot + 1) & mask


@njit(**INLINE)
def _find_pair(pairs, key):
    """_pair_slot from key's home slot."""
    return _pair_slot(pairs, key, _pair_home(key, len(pairs) - 1))


@njit(**JIT)
def _pairs_resized(pairs, num_slots):
    """The pairs in new slots (num_slots, 2)."""
    bigger = new_pairs(num_slots)
    for slot in range(len(pairs)):
        if pairs[slot, 0] >= 0:
            empty, _ = _find_pair(bigger, pairs[slot, 0])
            bigger[empty, 0], bigger[empty, 1] = pairs[slot, 0], pairs[slot, 1]
    return bigger


@njit(**JIT)
def count_pairs_chunk(chunk, rules, limit, table, pairs, stats):
    """Count the words of a chunk (scan_kernels.Chunk read by LineRules) into table (stats[TYPES] words) as
    scan_kernels.count_chunk does, and each pair of adjacent words of a sentence into pairs (stats[PAIRS]).
    After each sentence, while more than limit (>= 0) words and pairs are held, drop those with count <=
    stats[MIN_REDUCE] and raise it by one (_prune). Returns (table, pairs), arrays new ones where they grew.
    An SST line without a TAB stops the count: stats[ERROR_LINE] is its index in the chunk.

    A batch's words are found first, then its pairs, whose slots are prefetched PREFETCH_AHEAD pairs ahead (the
    pair table is larger than the caches). With a limit, a batch goes a sentence at a time, so that pruning
    comes after each sentence exactly."""
    buf = chunk.buf
    lower = sk.LOWERED if rules.lowercase else sk.AS_IS
    reading, batch = sk._reader(chunk, rules)
    flags = batch[5]
    slots, hashes, offsets, arena = table
    num_words, num_pairs = stats[TYPES], stats[PAIRS]
    pair_keys, homes = np.empty(sk.BATCH, np.int64), np.empty(sk.BATCH, np.int64)  # (BATCH,) -1: no pair
    previous = -1  # the sentence's last word, or -1 at its start
    while not reading[DONE]:
        n = sk._fill(chunk, rules, reading, batch)
        if n == 0:
            continue
        table = sk.with_room(table, num_words, batch, n)  # room for n new words and pairs first
        slots, hashes, offsets, arena = table
        while num_pairs + n > MAX_LOAD * len(pairs):
            pairs = _pairs_resized(pairs, 2 * len(pairs))
        mask = len(pairs) - 1
        sk._prefetch_first(table, batch, n)
        begin = 0
        while begin < n:
            end = n
            if limit >= 0:  # up to the sentence's end
                end = begin
                while end < n - 1 and not flags[end] & ENDS_SENTENCE:
                    end += 1
                end += 1
            for i in range(begin, end):
                slot, word, byte_map = sk._find_in_batch(table, buf, batch, i, n, lower)
                if word >= 0:
                    slots[slot, 3] += 1
                else:
                    word = num_words
                    sk.add_word(table, buf, batch, i, slot, word, byte_map)
                    num_words += 1
                pair_keys[i] = -1 if previous < 0 else (previous << 32) | word
                previous = -1 if flags[i] & ENDS_SENTENCE else word
                if pair_keys[i] >= 0:
                    homes[i] = _pair_home(pair_keys[i], mask)
            for i in range(begin, min(end, begin + PREFETCH_AHEAD)):
                if pair_keys[i] >= 0:
                    prefetch_row(pairs, homes[i])
            for i in range(begin, end):
                ahead = i + PREFETCH_AHEAD
                if ahead < end and pair_keys[ahead] >= 0:
                    prefetch_row(pairs, homes[ahead])
                if pair_keys[i] >= 0:
                    pair, found = _pair_slot(pairs, pair_keys[i], homes[i])
                    if found:
                        pairs[pair, 1] += 1
                    else:
                        pairs[pair, 0], pairs[pair, 1] = pair_keys[i], 1
                        num_pairs += 1
                if flags[i] & ENDS_SENTENCE:
                    stats[SENTENCES] += 1
            if limit >= 0 and flags[end - 1] & ENDS_SENTENCE and num_words + num_pairs > limit:
                num_words, num_pairs = _prune(table, num_words, pairs, num_pairs, limit, stats)
            begin = end
        stats[TOKENS] += n
    stats[TYPES], stats[PAIRS] = num_words, num_pairs
    stats[ERROR_LINE], stats[ERROR_START], stats[ERROR_END] = reading[sk.BAD_LINE], reading[sk.BAD_START], \
        reading[sk.BAD_END]
    return Table(slots, hashes, offsets, arena), pairs


@njit(**JIT)
def _prune(table, num_words, pairs, num_pairs, limit, stats):
    """word2vec's ReduceVocab over words and pairs together, as phrases._count_python: while more than limit are
    held, drop every one with count <= stats[MIN_REDUCE] and raise that by one. The words left move down in order
    (scan_kernels._prune), the pairs are renumbered to match, both tables' slots refilled. A pair never outcounts
    its words, so a pair left has both its words left. Returns (words, pairs) left."""
    slots, hashes, offsets, arena = table
    counts = word_counts(slots, num_words)  # (num_words,)
    cut = stats[MIN_REDUCE]
    while True:  # the rounds' last threshold: dropping <= it drops what the rounds one by one would
        left = 0
        for word in range(num_words):
            left += counts[word] > cut
        for slot in range(len(pairs)):
            left += pairs[slot, 0] >= 0 and pairs[slot, 1] > cut
        cut += 1
        if left <= limit:
            break
    stats[MIN_REDUCE] = cut
    cut -= 1
    renumbered = np.full(num_words, -1, np.int64)  # (num_words,) a word's index after, -1 when dropped
    kept, byte = 0, 0
    for word in range(num_words):
        first, end = offsets[word], offsets[word + 1]  # read before offsets[kept] (kept <= word) is written
        if counts[word] > cut:
            for k in range(end - first):  # bytes move down (byte <= first): a forward copy is safe
                arena[byte + k] = arena[first + k]
            offsets[kept], hashes[kept], counts[kept] = byte, hashes[word], counts[word]
            renumbered[word] = kept
            byte += end - first
            kept += 1
    offsets[kept] = byte
    sk.refill_slots(table, kept, counts)
    held_keys, held_counts = np.empty(num_pairs, np.int64), np.empty(num_pairs, np.int64)
    kept_pairs = 0
    for slot in range(len(pairs)):
        key = pairs[slot, 0]
        if key >= 0 and pairs[slot, 1] > cut:
            first, second = renumbered[key >> 32], renumbered[key & _LOW32]
            if first >= 0 and second >= 0:
                held_keys[kept_pairs], held_counts[kept_pairs] = (first << 32) | second, pairs[slot, 1]
                kept_pairs += 1
    pairs[:] = -1
    for j in range(kept_pairs):
        slot, _ = _find_pair(pairs, held_keys[j])
        pairs[slot, 0], pairs[slot, 1] = held_keys[j], held_counts[j]
    stats[PRUNED] += num_words + num_pairs - kept - kept_pairs
    return kept, kept_pairs


@njit(**JIT)
def phrase_table(keys):
    """Pair slots holding keys (F,) int64, each row [key, its index in keys], for rewrite_chunk."""
    num_slots = 16
    while len(keys) > MAX_LOAD * num_slots:
        num_slots *= 2
    phrases = new_pairs(num_slots)
    for index in range(len(keys)):
        slot, _ = _find_pair(phrases, keys[index])
        phrases[slot, 0], phrases[slot, 1] = keys[index], index
    return phrases


@njit(**INLINE)
def _put(out, at, buf, start, stop, byte_map):
    """Write the token byte_map[buf[start:stop]] to out at byte at; returns the byte after it."""
    for k in range(stop - start):
        out[at + k] = byte_map[buf[start + k]]
    return at + stop - start


@njit(**JIT)
def rewrite_chunk(chunk, rules, table, phrases, glue, out, joins, last, written):
    """Write the sentences of a chunk (read by rules, as counting read it) into out, one a line, tokens separated
    by a space, a word and the next joined by glue (the delimiter's bytes) when their pair is in phrases
    (phrase_table): left to right, a joined pair's second word never starts another (phrases.py's docstring).
    A word not in table (pruned) is never joined. joins[phrase] counts each phrase's joins, last[phrase] is the
    number of its last join (written[4] counts the joins, from one chunk to the next); out holds at least
    len(chunk.buf) + 1 + (len(chunk.buf) // 2 + 1) · max(len(glue) - 1, 0) bytes. written: (5,) int64, [0:2] set
    to the bytes and tokens written. Returns the index of an SST line without a TAB (written[2:4]: its first and
    end byte), or -1."""
    buf = chunk.buf
    lower = sk.LOWERED if rules.lowercase else sk.AS_IS
    reading, batch = sk._reader(chunk, rules)
    starts, stops, flags = batch[0], batch[1], batch[5]
    at = tokens = 0
    pending = False  # a word waits to be joined with the next: its bytes, whether read as they are, its index
    pending_start = pending_stop = pending_word = 0
    pending_as_is = False
    while not reading[DONE]:
        n = sk._fill(chunk, rules, reading, batch)
        sk._prefetch_first(table, batch, n)
        for i in range(n):
            _, word, byte_map = sk._find_in_batch(table, buf, batch, i, n, lower)
            as_is = flags[i] & sk.AS_IS_BYTES != 0
            if pending:
                phrase = -1
                if pending_word >= 0 and word >= 0:
                    slot, found = _find_pair(phrases, (pending_word << 32) | word)
                    if found:
                        phrase = phrases[slot, 1]
                at = _put(out, at, buf, pending_start, pending_stop, sk.AS_IS if pending_as_is else lower)
                if phrase >= 0:
                    for k in range(len(glue)):
                        out[at + k] = glue[k]
                    at = _put(out, at + len(glue), buf, starts[i], stops[i], byte_map)
                    joins[phrase] += 1
                    last[phrase] = written[4]
                    written[4] += 1
                    pending = False
                else:
                    pending_start, pending_stop, pending_word, pending_as_is = starts[i], stops[i], word, as_is
                out[at] = SPACE
                at += 1
                tokens += 1
            else:
                pending, pending_start, pending_stop, pending_word, pending_as_is = True, starts[i], stops[i], \
                    word, as_is
            if flags[i] & ENDS_SENTENCE:
                if pending:
                    at = _put(out, at, buf, pending_start, pending_stop, sk.AS_IS if pending_as_is else lower)
                    at += 1
                    tokens += 1
                    pending = False
                out[at - 1] = NEWLINE
    written[0], written[1], written[2], written[3] = at, tokens, reading[sk.BAD_START], reading[sk.BAD_END]
    return reading[sk.BAD_LINE]

