"""Compiled kernels of counting and encoding (w2vcli/scan.py drives them): a byte tokenizer and a table of words.

A chunk is whole lines joined by b"\\n" (no final one); scan.py makes every line one of two kinds:
  plain   ASCII without NUL. Words are the runs between ASCII white space, exactly str.split's for ASCII
          (\\t \\n \\v \\f \\r \\x1c-\\x1f and space), A-Z lowered when lowercase (str.lower on ASCII). With sst,
          the words are what follows the line's first TAB; a line without one is blank, or an error.
  worded  b"\\0", then the line's words as Python made them (decode, lower, split) joined by spaces, taken as
          they are: lines with other bytes (UTF-8 text, NUL), the SST header line.
Each line gives sentences of at most max_sentence words (corpus.MAX_SENTENCE_TOKENS), as Corpus cuts them:
25,000 words give 10,000, 10,000 and 5,000. The kernels read a chunk as buf (n,) uint8 and as buf64
(n // 8 + 2,) uint64, the same memory padded with spaces: a word is read 8 bytes at a time (little-endian), its
white space and capitals found by bit tricks on all 8 at once.

A table of words: arena (uint8) holds the words one after another, word i is arena[offsets[i]:offsets[i + 1]],
hashes[i] its hash. slots (2^k, 4) int64, open addressing with linear probing, at most MAX_LOAD full, one 32-byte
row a word: [(tag << 32) | i or -1 when empty, key, key2, count (counting) or unused], tag the hash's top 31
bits, key the word's bytes 0-6 and its length (byte 7), key2 its bytes 7-14: a word of up to 15 bytes is whole in
its row, so most words are found without reading the arena. The hash: 64-bit FNV-1a over the word's 8-byte
pieces and its length, then murmur3's finaliser so its low bits pick slots well.

numba's on-disk cache is keyed by this file's text (and forget_stale_cache drops it when kernel_support.py changes):
after an edit, the kernels are compiled again on first use (about 15 s).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit
from numba.cpython.unsafe.numbers import trailing_zeros

from w2vcli.engines import kernel_support
from w2vcli.engines.kernel_support import prefetch_row

kernel_support.forget_stale_cache(__file__, [kernel_support.__file__])  # prefetch_row is compiled into the kernels

JIT = {"cache": True, "nogil": True}
INLINE = {**JIT, "inline": "always"}

WHITE = [9, 10, 11, 12, 13, 28, 29, 30, 31, 32]  # str.split's white space among ASCII bytes
AS_IS = np.arange(256, dtype=np.uint8)  # a word's bytes as they are, 0 for white space (and NUL)
AS_IS[WHITE] = 0
LOWERED = AS_IS.copy()  # the same with A-Z lowered (str.lower on ASCII)
LOWERED[65:91] += 32
NEWLINE, TAB, WORDED = 10, 9, 0  # line end; the SST separator; the first byte of a worded line

COLUMNS = 4  # of slots: tag | word, key, key2, count
MAX_LOAD = 0.7  # slots grow (double) beyond this fraction full
BATCH = 256  # words read ahead of the table, so their slots can be prefetched PREFETCH_AHEAD words before use
PREFETCH_AHEAD = 16
ENDS_SENTENCE, AS_IS_BYTES = 1, 2  # a batch's word flags
# stats (int64 array) of a count: distinct words held, tokens, sentences, rare words pruned, pruning's next
# threshold, and a line in error (its index in the chunk, its first and end byte; index -1: none)
TYPES, TOKENS, SENTENCES, PRUNED, MIN_REDUCE, ERROR_LINE, ERROR_START, ERROR_END = range(8)
STATS = 8
# a chunk's reading state (int64 array): the next byte, the line, words so far in the sentence, the line is worded,
# the chunk is read, and an SST line without a TAB (its index, first and end byte; index -1: none)
AT, LINE, IN_SENTENCE, LINE_WORDED, DONE, BAD_LINE, BAD_START, BAD_END = range(8)
READING = 8

_FNV_OFFSET = np.uint64(14695981039346656037)
_FNV_PRIME = np.uint64(1099511628211)
_MIX1 = np.uint64(0xFF51AFD7ED558CCD)
_MIX2 = np.uint64(0xC4CEB9FE1A85EC53)
_S1, _S2, _S3, _S8, _S33, _S56, _S63 = (np.uint64(s) for s in (1, 2, 3, 8, 33, 56, 63))
_ONE = np.uint64(1)
_ONES = np.uint64(0x0101010101010101)
_LOW56 = np.uint64((1 << 56) - 1)
_LOW32 = 0xFFFFFFFF
_HIGH_BITS = np.uint64(0x8080808080808080)
_LOW_BITS = np.uint64(0x7F7F7F7F7F7F7F7F)
# added to each byte b < 0x80, 0x80 - k sets the byte's high bit exactly when b >= k (and never carries)
_AT_LEAST_9, _AT_LEAST_14, _AT_LEAST_28, _AT_LEAST_33, _AT_LEAST_A, _ABOVE_Z = (
    np.uint64(0x0101010101010101 * (0x80 - k)) for k in (9, 14, 28, 33, 65, 91))


# --- the kernels' inputs in bundles (numba compiles named tuples of arrays and scalars) ---


class Chunk(NamedTuple):
    """Lines as the kernels read them (scan.py's _Padded holds them)."""

    buf: np.ndarray  # (n,) uint8: whole lines joined by b"\n" (no final one), each plain or worded
    buf64: np.ndarray  # (n // 8 + 2,) uint64: the same memory, padded with spaces
    first_continued: bool  # the first line is a later piece of a long line (corpus.read_blocks): no SST index


class LineRules(NamedTuple):
    """How lines become sentences: the same for a whole file."""

    sst: bool  # lines are `index<TAB>words`
    lowercase: bool  # A-Z lowered (worded lines come lowered already, when asked)
    max_sentence: int  # a line's words come in sentences of at most this many (corpus.MAX_SENTENCE_TOKENS)


class Table(NamedTuple):
    """A table of words (see above): counting's grows (count_chunk), encoding's holds a vocabulary (lookup_table)."""

    slots: np.ndarray  # (2^k, COLUMNS) int64: tag | word, key, key2, count
    hashes: np.ndarray  # (capacity,) uint64: word i's hash
    offsets: np.ndarray  # (capacity + 1,) int64: word i is arena[offsets[i]:offsets[i + 1]]
    arena: np.ndarray  # (bytes,) uint8: the words one after another


@njit(**INLINE)
def _load(buf64, p):
    """buf[p:p + 8] as a little-endian uint64, from the two aligned uint64 it spans."""
    shift = np.uint64(p & 7) << _S3
    return (buf64[p >> 3] >> shift) | ((buf64[(p >> 3) + 1] << _S1) << (_S63 - shift))


@njit(**JIT)
def is_plain(buf64):
    """True when the padded chunk buf64 holds no byte >= 0x80 and no NUL: all its lines are plain."""
    high = zero = np.uint64(0)
    for i in range(len(buf64)):
        piece = buf64[i]
        high |= piece
        zero |= (piece - _ONES) & ~piece  # a byte's high bit set when it is 0 (or >= 0x80, found by high)
    return (high | zero) & _HIGH_BITS == 0


@njit(**INLINE)
def fmix64(h):
    """murmur3's fmix64: every bit of h (uint64) moves every bit of the result."""
    h ^= h >> _S33
    h *= _MIX1
    h ^= h >> _S33
    h *= _MIX2
    h ^= h >> _S33
    return h


@njit(**INLINE)
def _finish(h, first, second, length):
    """(hash, key, key2) of a word from its running hash, its first two 8-byte pieces and its length."""
    h = fmix64(h ^ np.uint64(length))
    key = np.int64((first & _LOW56) | (np.uint64(min(length, 255)) << _S56))
    return h, key, np.int64((first >> _S56) | (second << _S8))


@njit(**INLINE)
def _word(buf64, p, lower):
    """(end, hash, key, key2) of the word that starts at byte p: it runs to the next white space, 8 bytes at a
    time. E.g. b"Cat " lowered: (p + 3, hash, b"cat" | 3 << 56, 0). Padding spaces end a word at the chunk's end."""
    start, h, first, second = p, _FNV_OFFSET, np.uint64(0), np.uint64(0)
    while True:
        piece = _load(buf64, p)
        low = piece & _LOW_BITS
        ascii = ~piece & _HIGH_BITS  # bytes >= 0x80 are word bytes (worded lines' UTF-8)
        white = (((low + _AT_LEAST_9) & ~(low + _AT_LEAST_14)) | ((low + _AT_LEAST_28) & ~(low + _AT_LEAST_33))) & ascii
        if lower:
            piece |= ((low + _AT_LEAST_A) & ~(low + _ABOVE_Z) & ascii) >> _S2  # 0x80 >> 2: A-Z to a-z
        inside = 8 if white == 0 else np.int64(trailing_zeros(white) >> _S3)  # word bytes among the 8
        if inside < 8:
            piece &= (_ONE << np.uint64(8 * inside)) - _ONE
        if inside > 0:
            h = (h ^ piece) * _FNV_PRIME
            if p == start:
                first = piece
            elif p == start + 8:
                second = piece
        p += inside
        if inside < 8:
            break
    h, key, key2 = _finish(h, first, second, p - start)
    return p, h, key, key2


@njit(**INLINE)
def _word_bytes(buf, start, end):
    """(first white space or NUL from start up to end, hash, key, key2) as _word gives them, a byte at a time: for
    words in an arena, which has no padding."""
    h, first, second, piece, p = _FNV_OFFSET, np.uint64(0), np.uint64(0), np.uint64(0), start
    while p < end and AS_IS[buf[p]] != 0:
        piece |= np.uint64(buf[p]) << (np.uint64((p - start) & 7) << _S3)
        p += 1
        if (p - start) & 7 == 0 or p == end or AS_IS[buf[p]] == 0:  # a piece is full, or the word ends
            h = (h ^ piece) * _FNV_PRIME
            if p - start <= 8:
                first = piece
            elif p - start <= 16:
                second = piece
            piece = np.uint64(0)
    h, key, key2 = _finish(h, first, second, p - start)
    return p, h, key, key2


@njit(**INLINE)
def _find(table, buf, start, end, h, key, key2, byte_map):
    """(slot, word index) in table of the word byte_map[buf[start:end]] with hash h and keys key, key2; word index
    -1 when absent, the slot then the empty one where it goes."""
    slots, offsets, arena = table.slots, table.offsets, table.arena
    mask = len(slots) - 1
    tag = np.int64(h >> _S33)
    slot = np.int64(h & np.uint64(mask))
    while True:
        held = slots[slot, 0]
        if held < 0:
            return slot, -1
        if (held >> 32) == tag and slots[slot, 1] == key and slots[slot, 2] == key2:
            word = held & _LOW32
            if end - start <= 15:
                return slot, word
            first = offsets[word]
            if offsets[word + 1] - first == end - start:
                k = 0
                while k < end - start and arena[first + k] == byte_map[buf[start + k]]:
                    k += 1
                if k == end - start:
                    return slot, word
        slot = (slot + 1) & mask


@njit(**INLINE)
def _empty_slot(slots, h):
    """The first empty slot from h's (for a word known absent)."""
    mask = len(slots) - 1
    slot = np.int64(h & np.uint64(mask))
    while slots[slot, 0] >= 0:
        slot = (slot + 1) & mask
    return slot


@njit(**JIT)
def new_slots(num_slots):
    """Empty slots (num_slots, COLUMNS), allocated by numba (32-byte aligned: a row never spans two cache lines)."""
    return np.full((num_slots, COLUMNS), -1, np.int64)


@njit(**JIT)
def _resized(slots, hashes, num_slots):
    """The words of slots in new slots (num_slots, COLUMNS)."""
    bigger = new_slots(num_slots)
    for slot in range(len(slots)):
        if slots[slot, 0] >= 0:
            empty = _empty_slot(bigger, hashes[slots[slot, 0] & _LOW32])
            for column in range(COLUMNS):
                bigger[empty, column] = slots[slot, column]
    return bigger


@njit(**JIT)
def _grown(array, needed):
    """A copy of array twice as long (or needed long, when more)."""
    bigger = np.empty(max(2 * len(array), needed), array.dtype)
    bigger[:len(array)] = array
    return bigger


@njit(**INLINE)
def _skip_white(buf, p):
    """The first byte from p that starts a word, ends the line (b"\\n") or ends buf."""
    while p < len(buf) and AS_IS[buf[p]] == 0 and buf[p] != NEWLINE:
        p += 1
    return p


@njit(**INLINE)
def _words_start(buf, start, sst):
    """(where the words of the line at start begin, or -1 when it has none, or -2 when it is an SST line with
    words but no TAB; the line's end when that was looked for, else -1; worded). sst: read `index<TAB>words`."""
    if start < len(buf) and buf[start] == WORDED:
        return start + 1, -1, True
    if not sst:
        return start, -1, False
    p = start
    while p < len(buf) and buf[p] != NEWLINE:
        if buf[p] == TAB:
            return p + 1, -1, False
        p += 1
    for q in range(start, p):
        if AS_IS[buf[q]] != 0:
            return -2, p, False
    return -1, p, False


@njit(**INLINE)
def _reader(chunk, rules):
    """The reading state of a chunk (at its first line) and an empty batch (starts, stops, hashes, keys, keys2,
    flags)."""
    reading = np.zeros(READING, np.int64)
    reading[BAD_LINE] = -1
    _start_line(chunk, rules, reading)
    batch = (np.empty(BATCH, np.int64), np.empty(BATCH, np.int64), np.empty(BATCH, np.uint64),
             np.empty(BATCH, np.int64), np.empty(BATCH, np.int64), np.empty(BATCH, np.int64))
    return reading, batch


@njit(**INLINE)
def _start_line(chunk, rules, reading):
    """Move reading to the words of the line that starts at reading[AT] (its end, when it has none); an SST line
    without a TAB ends the reading with BAD_LINE, BAD_START, BAD_END set."""
    start = reading[AT]
    sst = rules.sst and not (reading[LINE] == 0 and chunk.first_continued)
    p, line_end, worded = _words_start(chunk.buf, start, sst)
    if p == -2:
        reading[BAD_LINE], reading[BAD_START], reading[BAD_END], reading[DONE] = reading[LINE], start, line_end, 1
    reading[AT] = line_end if p < 0 else p
    reading[LINE_WORDED] = worded


@njit(**INLINE)
def _fill(chunk, rules, reading, batch):
    """Read up to BATCH words from reading[AT] into batch: where each starts and ends, its hash and keys, and its
    flags (ENDS_SENTENCE: the max_sentence-th of its sentence or its line's last; AS_IS_BYTES: a worded line's).
    Returns how many; reading[DONE] once the chunk is read."""
    buf = chunk.buf
    starts, stops, hashes, keys, keys2, flags = batch
    p, in_sentence, worded = reading[AT], reading[IN_SENTENCE], reading[LINE_WORDED] != 0
    n = 0
    while n < BATCH:
        p = _skip_white(buf, p)
        if p >= len(buf):
            reading[DONE] = 1
            break
        if buf[p] == NEWLINE:
            reading[AT], reading[LINE] = p + 1, reading[LINE] + 1
            _start_line(chunk, rules, reading)
            if reading[DONE]:
                break
            p, worded = reading[AT], reading[LINE_WORDED] != 0
            continue
        stop, h, key, key2 = _word(chunk.buf64, p, rules.lowercase and not worded)
        starts[n], stops[n], hashes[n], keys[n], keys2[n] = p, stop, h, key, key2
        in_sentence += 1
        p = _skip_white(buf, stop)
        ends = in_sentence == rules.max_sentence or p >= len(buf) or buf[p] == NEWLINE
        flags[n] = (ENDS_SENTENCE if ends else 0) | (AS_IS_BYTES if worded else 0)
        if ends:
            in_sentence = 0
        n += 1
    reading[AT], reading[IN_SENTENCE] = p, in_sentence
    return n


@njit(**INLINE)
def _prefetch_first(table, batch, n):
    """Prefetch the slots of the first PREFETCH_AHEAD of the batch's n words (_find_in_batch, the later ones)."""
    hashes, mask = batch[2], np.uint64(len(table.slots) - 1)
    for i in range(min(n, PREFETCH_AHEAD)):
        prefetch_row(table.slots, np.int64(hashes[i] & mask))


@njit(**INLINE)
def _find_in_batch(table, buf, batch, i, n, lower):
    """(slot, word index, byte map) of the batch's word i in table, as _find: its bytes as they are for a worded
    line's, else mapped by lower. First the slot of the word PREFETCH_AHEAD on is prefetched (_prefetch_first, the
    first ones'): the table is larger than the caches, and waiting for its rows is most of the time."""
    starts, stops, hashes, keys, keys2, flags = batch
    mask = np.uint64(len(table.slots) - 1)
    if i + PREFETCH_AHEAD < n:
        prefetch_row(table.slots, np.int64(hashes[i + PREFETCH_AHEAD] & mask))
    byte_map = AS_IS if flags[i] & AS_IS_BYTES else lower
    slot, word = _find(table, buf, starts[i], stops[i], hashes[i], keys[i], keys2[i], byte_map)
    return slot, word, byte_map


@njit(**JIT)
def count_chunk(chunk, rules, limit, table, stats):
    """Count the words of a chunk (Chunk) read by rules (LineRules) into table (Table, stats[TYPES] words), as
    Vocab.build: after each sentence, while more than limit (>= 0) words are held, drop those with count
    <= stats[MIN_REDUCE] (the others keep their order) and raise it by one. Returns the table, its arrays new
    ones where they grew. An SST line without a TAB stops the count: stats[ERROR_LINE] is its index in the chunk."""
    buf = chunk.buf
    lower = LOWERED if rules.lowercase else AS_IS
    reading, batch = _reader(chunk, rules)
    flags = batch[5]
    slots, hashes, offsets, arena = table
    num_words = stats[TYPES]
    while not reading[DONE]:
        n = _fill(chunk, rules, reading, batch)
        if n == 0:
            continue
        table = with_room(table, num_words, batch, n)
        slots, hashes, offsets, arena = table
        _prefetch_first(table, batch, n)
        for i in range(n):
            slot, word, byte_map = _find_in_batch(table, buf, batch, i, n, lower)
            if word >= 0:
                slots[slot, 3] += 1
            else:
                add_word(table, buf, batch, i, slot, num_words, byte_map)
                num_words += 1
            if flags[i] & ENDS_SENTENCE:
                stats[SENTENCES] += 1
                if limit >= 0 and num_words > limit:
                    num_words = _prune(table, num_words, limit, stats)
        stats[TOKENS] += n
    stats[TYPES] = num_words
    stats[ERROR_LINE], stats[ERROR_START], stats[ERROR_END] = reading[BAD_LINE], reading[BAD_START], reading[BAD_END]
    return Table(slots, hashes, offsets, arena)


@njit(**JIT)
def word_counts(slots, num_words):
    """(num_words,) the count of each word of a counting table's slots, in first-seen order."""
    counts = np.zeros(num_words, np.int64)
    for slot in range(len(slots)):
        if slots[slot, 0] >= 0:
            counts[slots[slot, 0] & _LOW32] = slots[slot, 3]
    return counts


@njit(**JIT)
def _prune(table, num_words, limit, stats):
    """word2vec's ReduceVocab, as Vocab.build: while more than limit words, drop every word with count <=
    stats[MIN_REDUCE] and raise that by one. The words left move down in order and slots are refilled;
    returns how many are left."""
    slots, hashes, offsets, arena = table
    counts = word_counts(slots, num_words)  # (num_words,)
    while num_words > limit:
        kept, byte = 0, 0
        for word in range(num_words):
            first, end = offsets[word], offsets[word + 1]  # read before offsets[kept] (kept <= word) is written
            if counts[word] > stats[MIN_REDUCE]:
                for k in range(end - first):  # bytes move down (byte <= first): a forward copy is safe
                    arena[byte + k] = arena[first + k]
                offsets[kept], hashes[kept], counts[kept] = byte, hashes[word], counts[word]
                byte += end - first
                kept += 1
        offsets[kept] = byte
        stats[PRUNED] += num_words - kept
        stats[MIN_REDUCE] += 1
        num_words = kept
    refill_slots(table, num_words, counts)
    return num_words


@njit(**INLINE)
def refill_slots(table, num_words, counts):
    """Empty table's slots and put words 0..num_words-1 back (their bytes in the arena), with counts (num_words,)."""
    slots, offsets, arena = table.slots, table.offsets, table.arena
    slots[:] = -1
    for word in range(num_words):
        _, h, key, key2 = _word_bytes(arena, offsets[word], offsets[word + 1])
        slot = _empty_slot(slots, h)
        claim_slot(slots, slot, h, word, key, key2)
        slots[slot, 3] = counts[word]


@njit(**INLINE)
def claim_slot(slots, slot, h, word, key, key2):
    """Give slot to word (hash h, keys key and key2): its tag | index and its keys, as _find compares them."""
    slots[slot, 0], slots[slot, 1], slots[slot, 2] = (np.int64(h >> _S33) << 32) | word, key, key2


@njit(**INLINE)
def with_room(table, num_words, batch, n):
    """table (of num_words words) with room for the batch's n words as new ones, its arrays new ones where they
    grew: no array grows within the batch."""
    slots, hashes, offsets, arena = table
    starts, stops = batch[0], batch[1]
    if offsets[num_words] + stops[n - 1] - starts[0] > len(arena):
        arena = _grown(arena, offsets[num_words] + stops[n - 1] - starts[0])
    if num_words + n + 2 > len(hashes):
        hashes, offsets = _grown(hashes, num_words + n + 2), _grown(offsets, num_words + n + 2)
    while num_words + n > MAX_LOAD * len(slots):
        slots = _resized(slots, hashes, 2 * len(slots))
    return Table(slots, hashes, offsets, arena)


@njit(**INLINE)
def add_word(table, buf, batch, i, slot, word, byte_map):
    """Make the batch's word i word number `word` of table, with count 1 in slot (found empty by _find): its bytes
    (through byte_map) to the arena after the words before it, its hash, its offset, its slot."""
    starts, stops, hashes, keys, keys2 = batch[0], batch[1], batch[2], batch[3], batch[4]
    p, stop, h = starts[i], stops[i], hashes[i]
    first = table.offsets[word]
    for k in range(stop - p):
        table.arena[first + k] = byte_map[buf[p + k]]
    table.hashes[word], table.offsets[word + 1] = h, first + stop - p
    claim_slot(table.slots, slot, h, word, keys[i], keys2[i])
    table.slots[slot, 3] = 1


@njit(**JIT)
def joined(arena, offsets, chosen):
    """The words chosen (indices) one after another, each followed by b"\\n": (bytes,) uint8."""
    size = 0
    for word in chosen:
        size += offsets[word + 1] - offsets[word] + 1
    out = np.empty(size, np.uint8)
    at = 0
    for word in chosen:
        length = offsets[word + 1] - offsets[word]
        out[at:at + length] = arena[offsets[word]:offsets[word + 1]]
        out[at + length] = NEWLINE
        at += length + 1
    return out


@njit(**JIT)
def lookup_table(arena, offsets):
    """The table of the words arena[offsets[i]:offsets[i + 1]], i < len(offsets) - 1, for encoding. A word given
    twice finds its last index (as a dict built in order); one that is empty or holds white space or NUL is left
    out of the slots (no token is ever that word)."""
    num_words = len(offsets) - 1
    num_slots = 16
    while num_words > MAX_LOAD * num_slots:
        num_slots *= 2
    hashes, keys = np.empty(num_words, np.uint64), np.empty((num_words, 2), np.int64)
    usable = np.zeros(num_words, np.bool_)
    for word in range(num_words):  # hashes first, so the slots can be prefetched
        stop, hashes[word], keys[word, 0], keys[word, 1] = _word_bytes(arena, offsets[word], offsets[word + 1])
        usable[word] = stop == offsets[word + 1] and stop > offsets[word]
    table = Table(new_slots(num_slots), hashes, offsets, arena)
    slots = table.slots
    mask = np.uint64(num_slots - 1)
    for word in range(num_words):
        if word + PREFETCH_AHEAD < num_words:
            prefetch_row(slots, np.int64(hashes[word + PREFETCH_AHEAD] & mask))
        if usable[word]:
            h, first, end = hashes[word], offsets[word], offsets[word + 1]
            slot, _ = _find(table, arena, first, end, h, keys[word, 0], keys[word, 1], AS_IS)
            claim_slot(slots, slot, h, word, keys[word, 0], keys[word, 1])
    return table


@njit(**JIT)
def encode_chunk(chunk, rules, table, tokens, lengths, written):
    """The words of a chunk (Chunk) read by rules (LineRules) as word indices of table (lookup_table) into tokens,
    sentence lengths into lengths (out-of-vocabulary words dropped, sentences left empty dropped); tokens and
    lengths each hold at least len(chunk.buf) // 2 + 1. written: (4,) int64 set to how many tokens and lengths
    were written. Returns the index of an SST line without a TAB (written[2:4]: its first and end byte), or -1."""
    lower = LOWERED if rules.lowercase else AS_IS
    reading, batch = _reader(chunk, rules)
    flags = batch[5]
    num_tokens = num_lengths = kept = 0
    while not reading[DONE]:
        n = _fill(chunk, rules, reading, batch)
        _prefetch_first(table, batch, n)
        for i in range(n):
            _, word, _ = _find_in_batch(table, chunk.buf, batch, i, n, lower)
            if word >= 0:
                tokens[num_tokens] = word
                num_tokens += 1
                kept += 1
            if flags[i] & ENDS_SENTENCE:
                if kept > 0:
                    lengths[num_lengths] = kept
                    num_lengths += 1
                kept = 0
    written[0], written[1], written[2], written[3] = num_tokens, num_lengths, reading[BAD_START], reading[BAD_END]
    return reading[BAD_LINE]
