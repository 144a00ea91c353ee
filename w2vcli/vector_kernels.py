"""Compiled loops of the vector readers (numba): the word2vec binary format's records, found and copied with no
Python per record (scan_records), and the top k of each row of a score matrix (top_k_rows).

vector_formats.py reads the file a block at a time into `buf` and calls scan_records on it. A record: white space
skipped (`\\n \\r \\t` and space: the C tool's newline after the previous vector), the word's bytes up to a space,
the space, then 4·d bytes of little-endian float32, copied as they are into the matrix's row (viewed as bytes).
"""
from __future__ import annotations

from numba import njit

FULL, MORE, LONG_WORD = 0, 1, 2  # scan_records stopped: rows all filled; the next record is not all in buf; no space
_SPACE, _NEWLINE, _RETURN, _TAB = 32, 10, 13, 9


@njit(cache=True, nogil=True)
def scan_records(buf, at, end, out, row, max_row, words, word_ends, max_word):
    """Copy the records of buf[at:end] into out[row:max_row] ((R, 4·d) uint8, the matrix's bytes) and their words
    into `words`, each followed by a space (word i's space at word_ends[i]).

    Returns (records copied, the byte after the last one, bytes of words written, FULL | MORE | LONG_WORD).
    LONG_WORD: no space within max_word bytes of where the word starts (then `at` is that record's start).
    """
    record = out.shape[1]
    n = 0
    written = 0
    while row + n < max_row:
        start = at
        while start < end and (buf[start] == _SPACE or buf[start] == _NEWLINE or buf[start] == _RETURN
                               or buf[start] == _TAB):
            start += 1
        stop = min(end, start + max_word + 1)
        space = start
        while space < stop and buf[space] != _SPACE:
            space += 1
        if space == stop:
            return n, at, written, LONG_WORD if stop - start > max_word else MORE
        if space + 1 + record > end:
            return n, at, written, MORE
        length = space - start
        words[written:written + length] = buf[start:space]
        written += length
        words[written] = _SPACE
        word_ends[n] = written
        written += 1
        out[row + n, :] = buf[space + 1:space + 1 + record]
        at = space + 1 + record
        n += 1
    return n, at, written, FULL


@njit(cache=True, nogil=True)
def top_k_rows(scores, k, rows, values):
    """For each row i of scores (b, n): the indices of its k largest values, largest first, equal values in
    index order (np.argsort(-scores[i], kind="stable")[:k]), into rows[i] and their values into values[i]. One
    pass: each value is compared with the k-th best so far and inserted into the k kept when larger. NaNs are
    never kept (the caller sorts a row holding one itself)."""
    for i in range(scores.shape[0]):
        kept = 0
        for j in range(scores.shape[1]):
            v = scores[i, j]
            if kept == k and not v > values[i, k - 1]:  # not better than the k-th best (equal: it came later)
                continue
            t = kept if kept < k else k - 1  # where v goes: after every kept value >= v
            while t > 0 and values[i, t - 1] < v:
                values[i, t] = values[i, t - 1]
                rows[i, t] = rows[i, t - 1]
                t -= 1
            values[i, t] = v
            rows[i, t] = j
            if kept < k:
                kept += 1
