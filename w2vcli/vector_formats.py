"""Word-vector files: every format read by one entry point (read_vectors), streamed into a preallocated matrix.

Formats (recognised from the bytes, whatever the name; the file formats optionally gzip, bz2 or xz compressed,
recognised by their magic bytes):
  text    word2vec text: a header `V d`, then V lines `word v1 ... vd` (fastText's .vec: a space after the last
          value, read the same)
  glove   the same lines with no header: d is the first line's number of values, V the number of lines
  binary  a header `V d\\n`, then V records: the word's UTF-8 bytes, a space, d little-endian float32, and a
          newline in the C tool's layout (gensim writes none; white space before a word is skipped, so both read)
  npz     w2vcli's model.npz: center_vectors, outside_vectors (V, d), words (V,), counts (V,); the final
          checkpoint itself (w2vcli/outputs.py), whose other arrays (history, meta) are not read
  folder  DIR/vectors.npy (float32, V x d, memory-mapped: opening is instant whatever its size) and DIR/vocab.txt,
          V lines `word count`, count 0 where it is not known (as for vectors read from a word2vec file)

Every reader parses records straight into one float32 (V, d) matrix: text a block of lines at a time (the values
of a block by one numpy.fromstring), binary by a compiled scan of 4 MiB blocks (vector_kernels.py), so memory is
the matrix, the words, and a block. `limit` reads only the first N words, `unicode_errors` decodes words as
bytes.decode does (strict, replace, ignore), as gensim's load_word2vec_format. A malformed file is a W2VError
naming the file and the line or record.
"""
from __future__ import annotations

import bz2
import contextlib
import gzip
import lzma
import os
import re
import shutil
import sys
import tempfile
import warnings
import zipfile
import zlib
from pathlib import Path
from typing import NamedTuple

import numpy as np

from w2vcli.atomic import _UMASK, atomic_write
from w2vcli.errors import ConfigError, W2VError

MATRICES = ("center", "outside", "sum")  # which vectors of a model.npz to use
UNICODE_ERRORS = ("strict", "replace", "ignore")
FOLDER_FILES = ("vectors.npy", "vocab.txt")
UNKNOWN_COUNT = 0  # vocab.txt's count of a word whose count is not known (real counts are at least 1)
COMPRESSIONS = {b"\x1f\x8b": "gzip", b"BZh": "bz2", b"\xfd7zXZ\x00": "xz"}  # magic bytes -> name
_OPENERS = {"gzip": gzip.open, "bz2": bz2.open, "xz": lzma.open, None: open}
_SUFFIXES = {".gz": "gzip", ".bz2": "bz2", ".xz": "xz"}
ZIP_MAGIC, NPY_MAGIC = b"PK\x03\x04", b"\x93NUMPY"
BLOCK_BYTES = 1 << 22  # read 4 MiB at a time
MAX_WORD_BYTES = 4000  # a binary record whose word has no space within this many bytes is not a word
MAX_LINE_BYTES = 1 << 28  # a text line longer than this (256 MiB) is not a vector file's line
GROWTH = 1.125  # a matrix of unknown final size (compressed file, GloVe) grows by this factor as rows arrive
ASCII_WHITE = " \t\n\r\x0b\x0c"  # what bytes.rstrip strips, as gensim strips each line


class Loaded(NamedTuple):
    words: list[str]
    vectors: np.ndarray  # (V, d) float32, in memory or memory-mapped (read-only)
    counts: np.ndarray | None  # (V,) int64, or None when the file has none


def check_read_options(limit, unicode_errors, matrix) -> None:
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ConfigError(f"limit must be a whole number of words, at least 1 (got {limit!r})")
    if unicode_errors not in UNICODE_ERRORS:
        raise ConfigError(f"unknown unicode_errors {unicode_errors!r} (choose from {', '.join(UNICODE_ERRORS)})")
    if matrix not in MATRICES:
        raise W2VError(f"unknown matrix {matrix!r} (choose from {', '.join(MATRICES)})")


def read_vectors(path, limit: int | None = None, unicode_errors: str = "strict", matrix: str = "center") -> Loaded:
    """The words, matrix and counts of any vector file (see the module docstring), its format found from its bytes."""
    check_read_options(limit, unicode_errors, matrix)
    path = Path(path)
    if path.is_dir():
        return _read_folder(path, limit, unicode_errors)
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
    except FileNotFoundError:
        raise W2VError(f"vector file {path} does not exist") from None
    except OSError as err:
        raise W2VError(f"vector file {path} cannot be read: {err.strerror}") from None
    if not head:
        raise W2VError(f"vector file {path} is empty")
    if head.startswith(ZIP_MAGIC):
        return _read_npz(path, matrix, limit)
    if head.startswith(NPY_MAGIC):
        if path.name != FOLDER_FILES[0]:
            raise W2VError(f"{path} is a NumPy matrix without its words: give a folder holding vectors.npy and "
                           f"vocab.txt")
        return _read_folder(path.parent, limit, unicode_errors)
    compression = next((name for magic, name in COMPRESSIONS.items() if head.startswith(magic)), None)
    named = _SUFFIXES.get(path.suffix.lower())
    try:
        with _open(path, compression) as stream:
            return _read_word2vec(_Source(stream, path, compression), limit, unicode_errors)
    except W2VError as err:
        if named and compression is None:  # say why a .gz file was read as plain data
            raise W2VError(f"{err} (the name says {named} but the bytes are not {named} data)") from None
        raise


def _open(path: Path, compression: str | None):
    try:
        return _OPENERS[compression](path, "rb")
    except OSError as err:
        raise W2VError(f"vector file {path} cannot be read: {err.strerror}") from None


class _Source:
    """A vector file's (decompressed) bytes, read in blocks; a decompression or disk error is a W2VError saying
    where the reading was (`at`, kept up to date by the parser: "line 12", "record 3")."""

    def __init__(self, stream, path: Path, compression: str | None):
        self.stream, self.path, self.compression = stream, path, compression
        self.at = "the start"
        self.size = os.fstat(stream.fileno()).st_size if compression is None else None  # bytes, when known

    def read(self, size: int = BLOCK_BYTES) -> bytes:
        try:
            return self.stream.read(size)
        except (OSError, EOFError, zlib.error, lzma.LZMAError) as err:
            raise self._failure(err) from None

    def read_into(self, view: memoryview) -> int:
        """Fill view as far as the data goes: the number of bytes read (less than len(view) only at the end)."""
        filled = 0
        try:
            while filled < len(view):
                got = self.stream.readinto(view[filled:])
                if not got:
                    break
                filled += got
        except (OSError, EOFError, zlib.error, lzma.LZMAError) as err:
            raise self._failure(err) from None
        return filled

    def _failure(self, err) -> W2VError:
        what = f"{self.compression} data" if self.compression else "file"
        reason = getattr(err, "strerror", None) or str(err) or type(err).__name__
        return W2VError(f"{self.path}: the {what} is corrupt or cut short, near {self.at} ({reason})")


class _Rows:
    """The (rows, d) float32 matrix being filled. With `bound` (the most rows the file can hold) it is allocated
    once; without (a compressed file, a GloVe file) it grows by GROWTH as rows arrive (only rows already read:
    a header that lies about d or V allocates nothing), never beyond `wanted` (None: no limit). ndarray.resize
    reallocates in place (mremap), so growing copies nothing; it zero-fills the new rows, at most 1/8 too many."""

    def __init__(self, wanted: int | None, dim: int, bound: int | None):
        self.wanted, self.dim = wanted, dim
        capacity = 0 if bound is None else bound if wanted is None else min(wanted, bound)
        self.matrix = np.empty((capacity, dim), dtype=np.float32)  # (rows, d): untouched pages cost no memory

    def ensure(self, rows: int) -> None:
        """Room for at least `rows` rows (callers never ask beyond wanted, nor for rows whose data is not read)."""
        if rows > len(self.matrix):
            grown = max(rows, int(len(self.matrix) * GROWTH) + 1)
            self.matrix.resize((grown if self.wanted is None else min(grown, self.wanted), self.dim), refcheck=False)

    def finish(self, rows: int) -> np.ndarray:
        if rows < len(self.matrix):
            self.matrix.resize((rows, self.dim), refcheck=False)
        return self.matrix


# -- word2vec text and binary, GloVe ------------------------------------------------------------------------------


def _read_word2vec(source: _Source, limit, errors) -> Loaded:
    data = source.read()
    newline = data.find(b"\n")
    while newline < 0 and len(data) < MAX_LINE_BYTES:  # line 1 longer than a block (a GloVe row of huge d)
        more = source.read()
        if not more:
            break
        data += more
        newline = data.find(b"\n")
    first = data if newline < 0 else data[:newline]
    header = _parse_header(first, source.path)
    if header is not None:
        count, dim = header
        body = b"" if newline < 0 else data[newline + 1:]
        wanted = count if limit is None else min(count, limit)
        if _looks_like_text(body, dim):
            return _read_text(source, body, dim, count, wanted, 2, errors)
        return _read_binary(source, body, dim, count, wanted, len(first) + 1, errors)
    dim = _glove_dim(first)
    if dim is None:
        shown = first[:60].decode("utf-8", errors="replace").strip()
        raise W2VError(f"{source.path}: line 1 should be the header `<words> <dimensions>` (or a GloVe row "
                       f"`word v1 ... vd`), found {shown!r}")
    return _read_text(source, data, dim, None, limit, 1, errors)


_INTEGER = re.compile(rb"[+-]?[0-9]+")


def _parse_header(line: bytes, path) -> tuple[int, int] | None:
    """(V, d) of a header line; None when the line is no header (a GloVe row); a W2VError when it is made of
    whole numbers only but is no proper header."""
    parts = line.split()
    if not parts or not all(_INTEGER.fullmatch(p) for p in parts):
        return None
    if len(parts) != 2 or int(parts[0]) < 0 or int(parts[1]) < 1:
        shown = line[:60].decode("utf-8", errors="replace").strip()
        raise W2VError(f"{path}: line 1 should be the header `<words> <dimensions>`, found {shown!r}")
    return int(parts[0]), int(parts[1])


def _glove_dim(line: bytes) -> int | None:
    """The number of values of a first line `word v1 ... vd` (d >= 1), None if it is not such a line."""
    fields = [f for f in line.rstrip().split(b" ") if f]
    if len(fields) < 2:
        return None
    try:
        [float(f) for f in fields[1:]]
    except ValueError:
        return None
    return len(fields) - 1


_NUMBER_CHARS = frozenset("0123456789.+-eEinfaINFA")  # what printed numbers are made of


def _looks_like_text(body: bytes, dim: int) -> bool:
    """True when the first record reads as a text line: no control characters, a word, then either d values or
    only number-like tokens. Raw float32 bytes essentially never pass, and a text file with a malformed first
    row is still read (and reported) as text."""
    first = body.split(b"\n", 1)[0][:1 << 20].decode("utf-8", errors="replace")
    if any(ch < " " and ch not in "\t\r" for ch in first):
        return False
    values = first.split()[1:]
    return bool(values) and (len(values) == dim or all(set(v) <= _NUMBER_CHARS for v in values))


def _read_binary(source: _Source, body: bytes, dim, count, wanted, header_bytes, errors) -> Loaded:
    """Records parsed by vector_kernels.scan_records from a reused BLOCK_BYTES buffer (grown only for a record longer
    than it), each block's words decoded at once."""
    from w2vcli.vector_kernels import LONG_WORD, scan_records  # numba: only readers of binary files pay

    record = 4 * dim
    bound = None if source.size is None else max(0, source.size - header_bytes) // (record + 2)  # word, space, d floats
    rows = _Rows(wanted, dim, bound)
    buf = np.empty(max(BLOCK_BYTES, 2 * len(body)), dtype=np.uint8)
    buf[:len(body)] = np.frombuffer(body, dtype=np.uint8)
    at, end, done, words = 0, len(body), 0, []
    while done < wanted:
        source.at = f"record {done + 1:,}"
        room = min(wanted, done + (end - at) // (record + 2))  # at most that many whole records are in buf
        rows.ensure(room)
        word_bytes = np.empty(end - at + 1, dtype=np.uint8)
        word_ends = np.empty(room - done + 1, dtype=np.int64)
        out = rows.matrix.view(np.uint8).reshape(len(rows.matrix), record)  # (rows, 4d): the matrix's bytes
        n, at, written, status = scan_records(buf, at, end, out, done, room, word_bytes, word_ends, MAX_WORD_BYTES)
        if n:
            words += _decode_words(word_bytes[:written], word_ends[:n], errors, source.path, done)
            done += n
        if status == LONG_WORD:
            raise W2VError(f"{source.path}: record {done + 1:,} has no proper word (is this a word2vec file?)")
        if done == wanted:
            break
        if at == 0 and end == len(buf):  # the next record is longer than the whole buffer: a bigger buffer
            buf = np.concatenate([buf, np.empty_like(buf)])
        else:  # the unread tail to the front, then read after it
            buf[:end - at] = buf[at:end]
            at, end = 0, end - at
        got = source.read_into(memoryview(buf)[end:])
        if not got:
            raise W2VError(f"{source.path}: record {done + 1:,} of {count:,} is truncated "
                           f"(the header says {count:,} words)")
        end += got
    if wanted == count and (buf[at:end].tobytes().strip() or _rest_has_data(source)):
        raise W2VError(f"{source.path}: data after the {count:,} records the header announces")
    matrix = rows.finish(done)
    if sys.byteorder == "big":  # the records were copied as little-endian bytes
        matrix.byteswap(inplace=True)
    return Loaded(words, matrix, None)


def _decode_words(raw: np.ndarray, ends: np.ndarray, errors: str, path, before: int) -> list[str]:
    """The words of one scanned block (each followed by a space in raw), decoded at once."""
    data = raw[:-1].tobytes()
    try:
        return data.decode("utf-8", errors=errors).split(" ")
    except UnicodeDecodeError as err:
        record = before + int(np.searchsorted(ends, err.start)) + 1
        raise W2VError(f"{path}: record {record:,}: the word is not UTF-8 (is this a word2vec file? if only some "
                       f"words are broken, --unicode-errors replace reads them)") from None


def _rest_has_data(source: _Source) -> bool:
    """Whether anything but white space follows (read to the end)."""
    while block := source.read():
        if block.strip():
            return True
    return False


def _read_text(source: _Source, pending: bytes, dim, count, wanted, first_line: int, errors) -> Loaded:
    """Lines parsed a block at a time (_parse_lines); count None for GloVe (no header), wanted None for all."""
    bound = None
    if source.size is not None and count is not None:
        bound = source.size // (2 * dim + 1)  # a line holds at least a 1-byte word and d 1-byte values, spaced
    rows = _Rows(wanted, dim, bound)
    words: list[str] = []
    state = {"blank": None}  # the first blank line since the last row (an error if a row follows it)
    line, rest = first_line, b""
    blocks = _line_blocks(source, pending)
    for rest in blocks:
        while rest and len(words) != wanted:  # (blank lines make a block's first `room` lines fewer rows)
            source.at = f"line {line:,}"
            lines, rest = _cut_lines(rest, None if wanted is None else wanted - len(words))
            block_words, values = _parse_lines(lines, dim, line, errors, source.path, state)
            line += lines.count(b"\n") + (not lines.endswith(b"\n"))
            rows.ensure(len(words) + len(block_words))
            rows.matrix[len(words):len(words) + len(block_words)] = values
            words += block_words
        if len(words) == wanted:
            break
    if count is not None and len(words) < wanted:
        raise W2VError(f"{source.path}: the header says {count:,} words but the file has {len(words):,} "
                       f"(fewer lines)")
    if count is not None and len(words) == count:  # nothing may follow but blank lines
        extra = _count_lines(rest) + sum(_count_lines(block) for block in blocks)
        if extra:
            raise W2VError(f"{source.path}: the header says {count:,} words but the file has {count + extra:,} "
                           f"(more lines)")
    return Loaded(words, rows.finish(len(words)), None)


def _line_blocks(source: _Source, pending: bytes):
    """Blocks of whole lines, about BLOCK_BYTES / 4 each (the file's last line may lack its newline): parsing
    takes about 4 times a block's size while it lasts."""
    while True:
        data = source.read(max(1, BLOCK_BYTES // 4))
        if not data:
            if pending:
                yield pending
            return
        pending += data
        cut = pending.rfind(b"\n") + 1
        if cut:
            yield pending[:cut]
            pending = pending[cut:]
        elif len(pending) > MAX_LINE_BYTES:
            raise W2VError(f"{source.path}: a line longer than {MAX_LINE_BYTES >> 20} MiB, near {source.at} "
                           f"(is this a vector file?)")


def _cut_lines(block: bytes, room: int | None) -> tuple[bytes, bytes]:
    """(the block's first `room` lines, the rest); room None: (block, b"")."""
    if room is None or block.count(b"\n") + (not block.endswith(b"\n")) <= room:
        return block, b""
    cut = -1
    for _ in range(room):
        cut = block.index(b"\n", cut + 1)
    return block[:cut + 1], block[cut + 1:]


def _count_lines(block: bytes) -> int:
    return sum(1 for line in block.split(b"\n") if line.strip())


def _parse_lines(block: bytes, dim: int, first_line: int, errors: str, path, state) -> tuple[list[str], np.ndarray]:
    """Words and (n, d) values of a block of lines `word v1 ... vd`: the values of all well-formed lines by one
    numpy.fromstring; lines with odd spacing, and errors, one at a time (_parse_line)."""
    try:
        text = block.decode("utf-8", errors=errors)
    except UnicodeDecodeError as err:
        line = first_line + block.count(b"\n", 0, err.start)
        raise W2VError(f"{path}:{line}: bytes that are not UTF-8 (--unicode-errors replace or ignore reads "
                       f"them)") from None
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    stripped = [line.rstrip(ASCII_WHITE) for line in lines]
    pieces = [line.partition(" ") for line in stripped]
    values = [piece[2] for piece in pieces]
    spaces = np.array([v.count(" ") for v in values])  # (n,) a well-formed line: d - 1 spaces between values
    flat = None
    if state["blank"] is None and np.all(spaces == dim - 1) and all(piece[0] and piece[2] for piece in pieces):
        with warnings.catch_warnings(), contextlib.suppress(ValueError):  # a bad value: numpy < 2.3 warns and
            warnings.simplefilter("ignore", DeprecationWarning)  # stops there, later numpy raises
            flat = np.fromstring(" ".join(values), dtype=np.float32, sep=" ")
    if flat is not None and flat.size == len(lines) * dim:
        return [piece[0] for piece in pieces], flat.reshape(len(lines), dim)
    words, rows = [], []
    for i, line in enumerate(stripped):
        parsed = _parse_line(line, dim, first_line + i, path, state)
        if parsed is not None:
            words.append(parsed[0])
            rows.append(parsed[1])
    return words, np.array(rows, dtype=np.float32).reshape(len(rows), dim)


def _parse_line(line: str, dim: int, line_number: int, path, state):
    """(word, (d,) values) of one line, split at runs of spaces; None for a blank line (an error only if a row
    follows it)."""
    parts = [p for p in line.split(" ") if p]
    if not parts:
        state["blank"] = state["blank"] or line_number
        return None
    if state["blank"] is not None:
        raise W2VError(f"{path}:{state['blank']}: a blank line among the vectors")
    if len(parts) != dim + 1:
        raise W2VError(f"{path}:{line_number}: expected a word and {dim} values, found {len(parts) - 1} values")
    try:
        return parts[0], np.array([float(v) for v in parts[1:]], dtype=np.float32)
    except ValueError:
        raise W2VError(f"{path}:{line_number}: a value of {parts[0]!r} is not a number") from None


# -- model.npz and the folder format ------------------------------------------------------------------------------


def _read_npz(path: Path, matrix: str, limit) -> Loaded:
    """model.npz, or a checkpoint that holds the same arrays (its history and meta are not read): the matrices
    as float32 first, so a float64 checkpoint's `sum` is the sum of what vectors.txt/.bin hold."""
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [key for key in ("words", "center_vectors", "outside_vectors") if key not in data.files]
            if missing:
                what = "a checkpoint without its words" if "meta" in data.files else "not a w2vcli model.npz"
                raise W2VError(f"{path}: {what} (no {missing[0]!r})")
            words = [str(w) for w in data["words"][:limit]]
            center = data["center_vectors"][:limit].astype(np.float32, copy=False)  # (V, d)
            outside = data["outside_vectors"][:limit].astype(np.float32, copy=False)  # (V, d)
            counts = data["counts"][:limit].astype(np.int64) if "counts" in data.files else None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as err:
        raise W2VError(f"{path}: unreadable model.npz ({type(err).__name__})") from None
    if center.shape != outside.shape or center.ndim != 2:
        raise W2VError(f"{path}: center and outside vectors differ in shape")
    vectors = {"center": center, "outside": outside, "sum": center + outside}[matrix]
    return Loaded(words, vectors, counts if counts is not None and len(counts) == len(words) else None)


def _read_folder(folder: Path, limit, errors) -> Loaded:
    """DIR/vectors.npy memory-mapped (read-only; pages are read when used) and DIR/vocab.txt."""
    npy, vocab = (folder / name for name in FOLDER_FILES)
    if not npy.is_file() or not vocab.is_file():
        raise W2VError(f"vector file {folder} is a folder without vectors.npy and vocab.txt; give a vector file, "
                       f"or a folder written by `w2v convert --to folder`")
    try:
        vectors = np.load(npy, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError, EOFError) as err:
        raise W2VError(f"{npy}: not a NumPy .npy matrix ({err})") from None
    if vectors.ndim != 2 or vectors.dtype != np.float32 or vectors.shape[1] < 1:
        raise W2VError(f"{npy}: expected a float32 (words, dimensions) matrix, found {vectors.dtype} "
                       f"{vectors.shape}")
    words, counts = _read_vocab(vocab, len(vectors), limit, errors)
    return Loaded(words, vectors[:limit], counts)


def _read_vocab(path: Path, rows: int, limit, errors) -> tuple[list[str], np.ndarray | None]:
    """vocab.txt's words and counts ((V,) int64, None when every count is UNKNOWN_COUNT): `rows` lines
    `word count` (one space each, found by numpy over the bytes), of which the first `limit` are returned."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise W2VError(f"{path} cannot be read: {err.strerror}") from None
    if data and not data.endswith(b"\n"):
        data += b"\n"
    raw = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(raw == ord("\n"))  # (lines,) each line's newline
    if len(ends) != rows:
        raise W2VError(f"{path}: {len(ends):,} lines but vectors.npy has {rows:,} rows")
    if limit is not None and limit < rows:
        ends = ends[:limit]
        data, raw = data[:ends[-1] + 1], raw[:ends[-1] + 1]
    spaces = np.flatnonzero(raw == ord(" "))  # a good file: one a line, after a word and before a count
    starts = np.concatenate([[0], ends[:-1] + 1])  # (lines,)
    if len(spaces) != len(ends) or np.any(spaces <= starts) or np.any(spaces + 1 >= ends):
        bad = _first_bad_vocab_line(starts, ends, spaces)
        shown = data[starts[bad]:ends[bad]][:60].decode("utf-8", errors="replace")
        raise W2VError(f"{path}:{bad + 1}: expected `word count`, found {shown!r}")
    try:
        text = data.decode("utf-8", errors=errors)
    except UnicodeDecodeError as err:
        line = 1 + data.count(b"\n", 0, err.start)
        raise W2VError(f"{path}:{line}: bytes that are not UTF-8 (--unicode-errors replace or ignore reads "
                       f"them)") from None
    fields = text.replace("\n", " ").split(" ")  # word, count, word, count, ..., ""
    try:
        counts = np.array(fields[1::2], dtype=np.int64)  # (V,)
    except (ValueError, OverflowError):
        bad = next(i for i, count in enumerate(fields[1::2]) if not _is_int64(count))
        shown = " ".join(fields[2 * bad:2 * bad + 2])
        raise W2VError(f"{path}:{bad + 1}: expected `word count`, found {shown!r}") from None
    return fields[0:-1:2], counts if counts.any() else None


def _is_int64(text: str) -> bool:
    try:
        np.int64(text)
    except (ValueError, OverflowError):
        return False
    return True


def _first_bad_vocab_line(starts: np.ndarray, ends: np.ndarray, spaces: np.ndarray) -> int:
    """The first line without exactly one space strictly inside it (a word before it, a count after)."""
    per_line = np.searchsorted(spaces, ends) - np.searchsorted(spaces, starts)  # (lines,) spaces in each line
    first_space = spaces[np.minimum(np.searchsorted(spaces, starts), len(spaces) - 1)] if len(spaces) else starts
    bad = (per_line != 1) | (first_space <= starts) | (first_space + 1 >= ends)
    return int(np.flatnonzero(bad)[0])


# -- writers ------------------------------------------------------------------------------------------------------


_WHITE_SPACE = re.compile(r"\s")  # what str.isspace calls white space (the same Unicode table)


def _check_words(words) -> None:
    """Refuse an empty word or one with white space, naming it: one regex search over all words joined by NUL
    (not white space), and a loop over the words only to find the bad one."""
    if all(words) and not _WHITE_SPACE.search("\0".join(words)):
        return
    for word in words:
        if not word or any(ch.isspace() for ch in word):
            raise W2VError(f"the word {word!r} contains white space and cannot be written in word2vec format")


ROWS_PER_BLOCK = 1024  # rows written at once: a few MB of scratch at d = 300, whatever V is


def save_word2vec_text(path, words: list[str], vectors: np.ndarray) -> None:
    """Text format: a header `V d`, then one line per word: `word v1 ... vd`.

    Values are float32 printed as `'%.9g' % value` (9 significant digits, enough to read back the identical
    float32), a block of rows at a time by float_text.format_rows: no Python per value.
    Example: words ["a", "b"], vectors [[1, -0.5], [0.1, 2]] give "2 2\\na 1 -0.5\\nb 0.100000001 2\\n".
    """
    from w2vcli.float_text import format_rows  # numba: imported by the writer, not by every reader of vectors

    _check_words(words)
    count, dim = _shape(words, vectors)
    with atomic_write(path) as handle:
        handle.write(f"{count} {dim}\n".encode())
        for start in range(0, count, ROWS_PER_BLOCK):
            block = np.asarray(vectors[start:start + ROWS_PER_BLOCK], dtype=np.float32)  # (B, d)
            text, ends = format_rows(block)  # the block's values: `v1 ... vd\n` per row
            handle.write(_prefix_rows(words[start:start + len(block)], text, ends, b" "))


def save_word2vec_binary(path, words: list[str], vectors: np.ndarray) -> None:
    """Binary format: a header `V d\\n`, then per word its UTF-8 bytes, a space, d little-endian float32, and
    a newline (as the C tool writes it; readers that expect none skip it as leading white space)."""
    _check_words(words)
    count, dim = _shape(words, vectors)
    with atomic_write(path) as handle:
        handle.write(f"{count} {dim}\n".encode())
        for start in range(0, count, ROWS_PER_BLOCK):
            block = np.ascontiguousarray(vectors[start:start + ROWS_PER_BLOCK], dtype="<f4")  # (B, d)
            records = np.empty((len(block), 4 * dim + 1), dtype=np.uint8)  # (B, 4d + 1): the floats, a newline
            records[:, :-1] = block.view(np.uint8).reshape(len(block), 4 * dim)
            records[:, -1] = ord("\n")
            ends = range(4 * dim + 1, records.size + 1, 4 * dim + 1)
            handle.write(_prefix_rows(words[start:start + len(block)], records.tobytes(), ends, b" "))


def save_folder(path, words: list[str], vectors: np.ndarray, counts: np.ndarray | None = None) -> None:
    """The folder format: PATH/vectors.npy ((V, d) little-endian float32) and PATH/vocab.txt (`word count` per
    line, UNKNOWN_COUNT where counts are not known), written into a temporary folder beside PATH and renamed.
    An existing PATH is replaced only if it is a folder of this format (or empty)."""
    _check_words(words)
    count, dim = _shape(words, vectors)
    path = Path(path)
    if path.exists() and not (path.is_dir() and {p.name for p in path.iterdir()} <= set(FOLDER_FILES)):
        raise W2VError(f"{path} exists and is not a vector folder (vectors.npy, vocab.txt): not replacing it")
    counts = np.zeros(count, np.int64) if counts is None else np.asarray(counts, dtype=np.int64)
    try:
        temporary = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    except OSError as err:
        raise W2VError(f"cannot write {path}: {err.strerror}") from None
    try:
        with open(temporary / "vectors.npy", "wb") as handle:
            header = {"descr": "<f4", "fortran_order": False, "shape": (count, dim)}
            np.lib.format.write_array_header_1_0(handle, header)
            for start in range(0, count, ROWS_PER_BLOCK * 64):
                handle.write(np.ascontiguousarray(vectors[start:start + ROWS_PER_BLOCK * 64], dtype="<f4").data)
            os.fsync(handle.fileno())
        with open(temporary / "vocab.txt", "wb") as handle:
            for start in range(0, count, ROWS_PER_BLOCK * 64):
                stop = start + ROWS_PER_BLOCK * 64
                lines = [f"{w} {c}\n" for w, c in zip(words[start:stop], counts[start:stop].tolist())]
                handle.write("".join(lines).encode("utf-8"))
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o777 & ~_UMASK)  # mkdtemp makes 0700
        if path.exists():  # a previous folder: moved aside, the new one renamed in, the old one deleted
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
            os.replace(path, old / path.name)
            os.replace(temporary, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(temporary, path)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def _shape(words, vectors) -> tuple[int, int]:
    """(V, d) of vectors, which must have one row per word and at least one dimension (as readers require)."""
    shape = np.shape(vectors)
    if len(shape) != 2 or shape[0] != len(words) or shape[1] < 1:
        raise W2VError(f"{len(words)} words but a vector matrix of shape {shape}: cannot write them")
    return shape


def _prefix_rows(words, rows: bytes, ends, separator: bytes) -> bytes:
    """`word separator row` for each word, the rows being rows[previous end:end]: one Python step per row."""
    parts, begin = [], 0
    for word, end in zip(words, ends):
        parts.append(word.encode("utf-8") + separator + rows[begin:end])
        begin = end
    return b"".join(parts)

