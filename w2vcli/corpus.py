"""Corpus readers: stream sentences (lists of tokens) from plain text, the SST file, or a folder of .txt files."""
from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from w2vcli.errors import W2VError

SST_HEADER = "sentence_index\tsentence"  # first line of the treebank's datasetSentences.txt
FORMATS = ("auto", "text", "sst")
MAX_SENTENCE_TOKENS = 10_000  # longer sentences are cut into pieces of this many tokens (gensim's limit)
BLOCK_BYTES = 1 << 20  # files are read in blocks of this size; longer lines come in pieces
NEWLINE = ord("\n")
BUNDLED_CORPUS = Path(__file__).resolve().parent.parent / "corpora" / "toy.txt"  # written by corpora/make_toy.py


def cut_long(sentence: Sequence, max_len: int = MAX_SENTENCE_TOKENS) -> list[Sequence]:
    """The sentence in pieces of at most max_len tokens, as gensim cuts long sentences; none for an empty one.

    >>> cut_long(["a", "b", "c", "d", "e"], max_len=2)
    [['a', 'b'], ['c', 'd'], ['e']]

    Any sequence that slices: token lists, lists of word indices, ranges of corpus positions (encoded.py).
    """
    return [sentence[start:start + max_len] for start in range(0, len(sentence), max_len)]


def resolve_corpus(spec: str | None) -> Path:
    """The corpus file or folder named by `spec`: None is the bundled corpus, "sst" the downloaded treebank,
    "text8" the downloaded text8 (one 100 MB line: read in sentences of MAX_SENTENCE_TOKENS words, cut_long)."""
    if spec is None:
        path = BUNDLED_CORPUS
        if not path.exists():
            raise W2VError(f"the bundled corpus {path} is missing; run `python corpora/make_toy.py` to write it")
        return path
    if spec == "sst":
        from w2vcli.download import sst_sentences_path

        return sst_sentences_path()
    if spec == "text8":
        from w2vcli.download import dataset_path

        return dataset_path("text8")
    path = Path(spec)
    if not path.exists():
        raise W2VError(f"corpus {spec} does not exist (give a text file, a folder of .txt files, `sst` or `text8`)")
    return path


class Corpus:
    """A re-iterable stream of sentences; each pass re-reads the files line by line (never the whole file).

    format: "text" (one sentence per line, whitespace tokens), "sst" (the SST header line, then
    `index<TAB>sentence`) or "auto" (sst when the first line is the SST header). A folder means every .txt file
    in it, in name order. Blank lines are skipped; longer lines than MAX_SENTENCE_TOKENS words come in pieces
    (cut_long). Bytes that are not UTF-8 are an error naming file and line.
    """

    def __init__(self, path, format: str = "auto", lowercase: bool = True):
        if format not in FORMATS:
            raise W2VError(f"unknown corpus format {format!r} (choose from {', '.join(FORMATS)})")
        self.path = Path(path)
        self.format = format
        self.lowercase = lowercase
        if self.path.is_dir():
            self.files = sorted(p for p in self.path.iterdir() if p.suffix == ".txt" and p.is_file())
            if not self.files:
                raise W2VError(f"corpus folder {self.path} has no .txt files")
        elif self.path.is_file():
            self.files = [self.path]
        else:
            raise W2VError(f"corpus {self.path} does not exist or is not a file or folder")
        for file in self.files:
            if not os.access(file, os.R_OK):
                raise W2VError(f"corpus file {file} is not readable")

    def __iter__(self) -> Iterator[list[str]]:
        for file in self.files:
            yield from self._read_file(file)

    def is_sst(self, file: Path) -> bool:
        """True when file is read as SST: format "sst", or "auto" and its first line is the treebank's header."""
        return self.format == "sst" or (self.format == "auto" and _has_sst_header(file))

    def _read_file(self, file: Path) -> Iterator[list[str]]:
        is_sst = self.is_sst(file)
        for line_number, raw, continued in _read_lines(file):
            yield from cut_long(line_words(file, line_number, raw, continued, is_sst, self.lowercase))


def line_words(file: Path, number: int, raw: bytes, continued: bool, is_sst: bool, lowercase: bool) -> list[str]:
    """The words of line `number` of file (raw, its bytes; continued: a later piece of a long line), not yet cut
    at MAX_SENTENCE_TOKENS: NUL and UTF-8 checks, the byte-order mark, blank lines, the SST header and index,
    lower, split. Corpus reads every line with it, scan.py the lines its kernels leave to Python.

    >>> line_words(Path("s.txt"), 2, b"7\\tThe Rock  is", False, is_sst=True, lowercase=True)
    ['the', 'rock', 'is']
    """
    if b"\0" in raw:
        raise W2VError(f"{file}:{number}: a NUL byte; this looks like a binary file, not text")
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise W2VError(
            f"{file}:{number}: bytes that are not UTF-8 (at byte {err.start} of the line); "
            "convert the file to UTF-8, e.g. `iconv -f latin1 -t utf-8`"
        ) from None
    if number == 1 and not continued:
        line = line.removeprefix("\ufeff")  # a UTF-8 byte-order mark
    if not line.strip():
        return []
    if is_sst and not continued:
        if number == 1 and line.strip() == SST_HEADER:
            return []
        _index, tab, line = line.partition("\t")
        if not tab:
            raise W2VError(f"{file}:{number}: an SST line needs `index<TAB>sentence`")
    if lowercase:
        line = line.lower()
    return line.split()


def read_blocks(file: Path, block_size: int = BLOCK_BYTES) -> Iterator[tuple[int, memoryview, bool]]:
    """(number of the first line, lines joined by b"\\n", the first line continued) for a file read in blocks of
    block_size bytes, so memory stays bounded: each block's whole lines at once.

    A line longer than block_size comes in pieces cut at white space (continued=True after the first piece);
    a run of block_size·16 bytes with no white space at all is an error (not a text corpus).
    E.g. b"a b\\nc\\nd e f g" in blocks of 4 bytes: (1, b"a b", False), (2, b"c", False), (3, b"d e f", False),
    (3, b"g", True).
    """
    number, pending, continued = 1, b"", False
    with open(file, "rb") as handle:
        for block in iter(lambda: handle.read(block_size), b""):
            data = pending + block
            last = data.rfind(b"\n")
            if last >= 0:
                yield number, memoryview(data)[:last], continued
                newlines = np.frombuffer(data, np.uint8, count=last) == NEWLINE  # (last,): the block's lines - 1
                number, continued, pending = number + int(np.count_nonzero(newlines)) + 1, False, data[last + 1:]
            else:
                pending = data
            if len(pending) > block_size:  # a very long line: hand over what ends at its last white space
                cut = max(pending.rfind(b" "), pending.rfind(b"\t"))
                if cut > 0:
                    yield number, memoryview(pending)[:cut], continued
                    pending, continued = pending[cut + 1:], True
                elif len(pending) > 16 * block_size:
                    raise W2VError(f"{file}:{number}: over {len(pending):,} bytes without white space; "
                                   "is this a text corpus?")
    if pending:
        yield number, memoryview(pending), continued


def _read_lines(file: Path, block_size: int = BLOCK_BYTES) -> Iterator[tuple[int, bytes, bool]]:
    """(line number, bytes, continued) for each line of a file: read_blocks's blocks, split into lines."""
    for number, block, continued in read_blocks(file, block_size):
        for index, line in enumerate(block.tobytes().split(b"\n")):
            yield number + index, line, continued and index == 0


def _has_sst_header(file: Path) -> bool:
    """True when the file's first line is the treebank's header."""
    with open(file, "rb") as handle:
        first = handle.readline(len(SST_HEADER) + 6)
    return first.decode("utf-8", errors="replace").removeprefix("\ufeff").strip() == SST_HEADER
