"""`w2v convert`: any vectors the reader opens, written as word2vec text or binary, the folder format, or the
Embedding Projector's two TSV files.

Formats written (OUT is the path given):
  text       OUT, word2vec text (`V d`, then `word v1 ... vd` lines)
  binary     OUT, word2vec binary (the C tool's layout)
  folder     OUT/vectors.npy (float32, V x d) and OUT/vocab.txt (`word count`), which readers memory-map
  projector  OUT_tensor.tsv (one row per word, its d values tab-separated) and OUT_metadata.tsv (the words, one
             a line, no header: a single column), the layout of gensim's word2vec2tensor, which the Embedding
             Projector's "Load data" reads
Without --to, OUT's name says: .bin binary, .txt or .vec text, no suffix (or an existing folder) folder.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from w2vcli.atomic import atomic_write
from w2vcli.errors import ConfigError, W2VError
from w2vcli.vectors import ROWS_PER_BLOCK, load_vectors, save_vectors

FORMATS = ("text", "binary", "folder", "projector")
FORMAT_OF_SUFFIX = {".bin": "binary", ".txt": "text", ".vec": "text", "": "folder"}


def infer_format(out) -> str:
    """The format OUT's name asks for (FORMAT_OF_SUFFIX; an existing folder is a folder), else a ConfigError."""
    out = Path(out)
    if out.is_dir():
        return "folder"
    try:
        return FORMAT_OF_SUFFIX[out.suffix.lower()]
    except KeyError:
        raise ConfigError(f"cannot tell the format of {out} from its name (.bin binary, .txt or .vec text, no "
                          f"suffix folder): give --to {'|'.join(FORMATS)}") from None


def projector_paths(prefix) -> tuple[Path, Path]:
    """(PREFIX_tensor.tsv, PREFIX_metadata.tsv), the names gensim's word2vec2tensor gives them."""
    prefix = str(prefix)
    return Path(prefix + "_tensor.tsv"), Path(prefix + "_metadata.tsv")


def convert(in_path, out, fmt: str | None = None, **reader_options):
    """Read in_path (reader_options: limit, unicode_errors, matrix, center, as load_vectors takes them) and write
    it to out in fmt (None: infer_format(out)). Returns (the vectors, the format, the paths written)."""
    fmt = fmt or infer_format(out)
    if fmt not in FORMATS:
        raise ConfigError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    vectors = load_vectors(in_path, **reader_options)
    if fmt == "projector":
        return vectors, fmt, list(save_projector(out, vectors.words, vectors.vectors))
    save_vectors(out, vectors, fmt)
    written = [Path(out) / "vectors.npy", Path(out) / "vocab.txt"] if fmt == "folder" else [Path(out)]
    return vectors, fmt, written


def save_projector(prefix, words: list[str], vectors: np.ndarray) -> tuple[Path, Path]:
    """PREFIX_tensor.tsv and PREFIX_metadata.tsv as gensim's word2vec2tensor writes them, each atomically.

    Tensor rows are `v1<TAB>...<TAB>vd`, each value '%.9g' of its float32 (w2v's text format's numbers: read back,
    the identical float32; gensim prints str(value), the shortest such text, so its bytes may differ, not its
    values). Metadata is each word and a newline. Example: words ["a", "b"], vectors [[1, -0.5], [0.1, 2]] give
    "1\\t-0.5\\n0.100000001\\t2\\n" and "a\\nb\\n".
    """
    from w2vcli.float_text import format_rows  # numba: imported by the writer only

    bad = next((w for w in words if not w or any(ch in w for ch in "\t\n\r")), None)
    if bad is not None:
        raise W2VError(f"the word {bad!r} is empty or holds a tab or newline: it cannot be a line of a TSV file")
    tensor_path, metadata_path = projector_paths(prefix)
    with atomic_write(tensor_path) as tensor, atomic_write(metadata_path) as metadata:
        for start in range(0, len(words), ROWS_PER_BLOCK):
            block = np.asarray(vectors[start:start + ROWS_PER_BLOCK], dtype=np.float32)  # (B, d)
            text, _ = format_rows(block)  # `v1 v2 ... vd\n` per row: no value holds a space
            tensor.write(text.replace(b" ", b"\t"))
            metadata.write("".join(w + "\n" for w in words[start:start + len(block)]).encode("utf-8"))
    return tensor_path, metadata_path
