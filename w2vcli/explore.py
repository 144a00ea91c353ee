"""`w2v explore`: one self-contained HTML page to look around a vector space, offline.

The page (template: explore_page.html) holds everything inline: the words, their 2-D projection (projection.project_2d:
PCA, or t-SNE), each word's group, and each word's NEIGHBOURS nearest words by cosine among the page's words,
computed here exactly as WordVectors.most_similar on the page's words (tests/test_explore.py checks them, and
a headless browser reading the rendered page). Precomputed neighbours cost ~100 bytes a word; inlining the
vectors instead would cost d x ~8 bytes a word (800 for d = 100) and a page-side search.

Data inlined (JSON): words (n,); x, y (n,) integers 0..SCALE on one scale for both axes (distances keep their
proportions); group (n,) indices into groups; k; neighbours (n*k,) row indices, nearest first; cosines (n*k,)
in thousandths.
"""
from __future__ import annotations

import html
import json
from importlib import resources

import numpy as np

from w2vcli.atomic import write_text_atomic
from w2vcli.errors import W2VError

NEIGHBOURS = 10  # nearest words listed for the searched word
DEFAULT_WORDS = 5000  # words on a page when none are chosen: about what the Embedding Projector shows
SCALE = 10000  # coordinates are integers 0..SCALE: 4-5 digits a number, finer than any screen's pixels
OTHER = "other"  # the group of words no group lists


def page_words(vocab_words: list[str], requested: list[str], groups: dict | None,
               most_frequent: int = DEFAULT_WORDS) -> tuple[list[str], list[str]]:
    """(words on the page, unknown words skipped): the requested and grouped words (each once, in order), else
    the first most_frequent words of the file."""
    wanted = list(dict.fromkeys(requested + [w for members in (groups or {}).values() for w in members]))
    if not wanted:
        return list(dict.fromkeys(vocab_words[:most_frequent])), []
    known = set(vocab_words)
    return [w for w in wanted if w in known], [w for w in wanted if w not in known]


def page_neighbours(vectors, topn: int = NEIGHBOURS, block: int = 128) -> tuple[np.ndarray, np.ndarray]:
    """(rows (n, k), cosines (n, k)) of every word's k = min(topn, n - 1) nearest other words by cosine, nearest
    first, ties in row order: what vectors.nearest([i], topn) (most_similar) gives for each row i of a
    WordVectors, computed `block` queries at a time as one matrix product (n dot products per word; 2.5 MB
    of scores at 5,000 words: the trainer writes the page with its vectors still in memory)."""
    from w2vcli.vector_kernels import top_k_rows
    from w2vcli.vectors import _top_in_order

    n = len(vectors)
    k = min(topn, n - 1)
    queries = vectors.unit_rows(np.arange(n))  # (n, d), each row as nearest() normalises its query
    lengths = np.linalg.norm(queries, axis=1, keepdims=True)  # (n, 1)
    queries = queries / np.where(lengths == 0, 1, lengths)
    norms = vectors.norms  # (n,)
    rows = np.empty((n, k), dtype=np.int64)  # (n, k)
    cosines = np.empty((n, k), dtype=np.float32)  # (n, k)
    for start in range(0, n, block):
        stop = min(n, start + block)
        scores = queries[start:stop] @ vectors.vectors.T  # (b, n): v_j · q_i
        np.divide(scores, norms, out=scores, where=norms != 0)
        scores[np.arange(stop - start), np.arange(start, stop)] = -np.inf  # each word itself is excluded
        top_k_rows(scores, k, rows[start:stop], cosines[start:stop])
        for i in np.flatnonzero(np.isnan(scores).any(axis=1)):  # a NaN: sorted as nearest() sorts it
            top = _top_in_order(scores[i], k)
            rows[start + i], cosines[start + i] = top, scores[i, top]
    return rows, cosines


def page_data(vectors, groups: dict | None = None, method: str = "pca") -> dict:
    """The page's data (the module docstring lists it) for a WordVectors holding exactly the page's words.

    Its matrix products are small (a block of 128 words against the page's): run on one BLAS thread, as OpenBLAS's
    threads made them 4-8x slower whenever another process was busy (the trainer's drawing child, or any job)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, user_api="blas"):
        return _page_data(vectors, groups, method)


def _page_data(vectors, groups: dict | None, method: str) -> dict:
    from w2vcli.projection import project_2d

    words = list(vectors.words)
    if len(words) < 2:
        raise W2VError("an explore page needs at least two words that are in the vocabulary")
    if method == "pca" and vectors.dim < 2:
        raise W2VError("PCA to 2-D needs vectors of at least 2 dimensions")
    points, _ = project_2d(vectors.vectors, method)  # (n, 2)
    low = points.min(axis=0)
    span = float((points.max(axis=0) - low).max()) or 1.0
    scaled = np.rint((points - low) / span * SCALE).astype(np.int64)  # (n, 2), one scale for both axes
    group_of = {w: g for g, members in (groups or {}).items() for w in members}
    names = list(dict.fromkeys(group_of.get(w, OTHER) for w in words))
    index = {name: i for i, name in enumerate(names)}
    rows, cosines = page_neighbours(vectors)
    return {
        "words": words,
        "x": scaled[:, 0].tolist(),
        "y": scaled[:, 1].tolist(),
        "scale": SCALE,
        "group": [index[group_of.get(w, OTHER)] for w in words],
        "groups": names,
        "k": rows.shape[1],
        "neighbours": rows.ravel().tolist(),
        "cosines": np.rint(cosines.ravel().astype(np.float64) * 1000).astype(np.int64).tolist(),
    }


def page_html(data: dict, title: str) -> str:
    """The template with the title and the data (JSON, with `<` escaped so no word can end the script) filled in."""
    template = resources.files("w2vcli").joinpath("explore_page.html").read_text(encoding="utf-8")
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
    return template.replace("__TITLE__", html.escape(title)).replace("__DATA__", payload)


def write_explore_page(path, vectors, title: str, groups: dict | None = None, method: str = "pca") -> int:
    """Write the page of a WordVectors holding exactly the page's words to path (atomically); its size in bytes."""
    text = page_html(page_data(vectors, groups, method), title)
    write_text_atomic(path, text)
    return len(text.encode("utf-8"))
