"""Vocabulary (counts, min-count, max-vocab), subsampling, the negative sampler and the Huffman tree.

UNK policy (as word2vec and gensim): words below --min-count, or beyond --max-vocab, are dropped from the
training stream; there is no UNK token and no vector for them. Words are sorted by count, most frequent first;
ties keep the order of first appearance in the corpus. Encoding the corpus with the vocabulary's word index
(word2ind) is w2vcli/encoded.py's.

The vocabulary file (OUT/vocab.txt, `w2v train --read-vocab`) is word2vec's -save-vocab layout: one `word count`
line a word, most frequent first (vocab_text writes it, read_vocab_file reads it back).
"""
from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from w2vcli.errors import W2VError

SAMPLE_RULES = ("mikolov", "assignment")
PRUNE_SLACK = 1_000_000  # with max_vocab, counting holds at most max_vocab + this many distinct words


@dataclass
class Vocab:
    words: list[str]  # most frequent first
    counts: np.ndarray  # (V,) int64, counts[i] is the count of words[i]
    corpus_tokens: int  # tokens in the corpus before min-count/max-vocab
    corpus_types: int  # distinct tokens in the corpus (those left after pruning, when pruned)
    pruned_types: int = 0  # rare types dropped while counting to keep memory bounded (--max-vocab)
    corpus_sentences: int = 0  # sentences in the corpus (an upper bound on the sentences encoded)

    @functools.cached_property
    def word2ind(self) -> dict[str, int]:
        """word -> index, built when first asked (a large vocabulary's dict takes ~100 bytes a word)."""
        return {word: i for i, word in enumerate(self.words)}

    def __len__(self) -> int:
        return len(self.words)

    @property
    def total(self) -> int:
        """Tokens of in-vocabulary words: N in the subsampling and sampling formulas."""
        return int(self.counts.sum())

    @classmethod
    def build(cls, sentences: Iterable[list[str]], min_count: int = 5, max_vocab: int | None = None) -> Vocab:
        """Count tokens, drop words below min_count, keep the max_vocab most frequent.

        With max_vocab, memory stays bounded while counting, as in word2vec: whenever more than
        max_vocab + PRUNE_SLACK distinct words are held, the rarest (count <= r, r = 1, 2, ... rising each time)
        are dropped. Counts of words that were dropped and came back are then slightly low. The slack is what
        lets words of middling frequency survive until their counts rise (benchmarks/README.md measures it).

        >>> Vocab.build([["a", "b", "a"], ["b", "a", "c"]], min_count=2).words
        ['a', 'b']
        """
        counter: Counter[str] = Counter()
        corpus_tokens = corpus_sentences = pruned_types = 0
        limit = max_vocab + PRUNE_SLACK if max_vocab else None
        min_reduce = 1
        for tokens in sentences:
            counter.update(tokens)
            corpus_tokens += len(tokens)
            corpus_sentences += 1
            while limit is not None and len(counter) > limit:  # word2vec's ReduceVocab
                rare = [word for word, count in counter.items() if count <= min_reduce]
                for word in rare:
                    del counter[word]
                pruned_types += len(rare)
                min_reduce += 1
        if corpus_tokens == 0:
            source = getattr(sentences, "path", None)  # a Corpus names its file or folder
            raise W2VError(f"the corpus {source} has no words" if source is not None else "the corpus has no words")
        if not counter:  # the last pruning dropped every word, and no sentence came after
            raise every_word_dropped(max_vocab)
        ranked = sorted(counter.items(), key=lambda item: -item[1])  # stable: ties stay in first-seen order
        kept = [(w, c) for w, c in ranked if c >= min_count][: max_vocab or None]
        if not kept:
            raise W2VError(
                f"no word occurs at least {min_count} times (--min-count); the most frequent, "
                f"{ranked[0][0]!r}, occurs {ranked[0][1]} times: lower --min-count"
            )
        words = [w for w, _ in kept]
        counts = np.array([c for _, c in kept], dtype=np.int64)
        return cls(words, counts, corpus_tokens, len(counter), pruned_types, corpus_sentences)


def vocab_text(vocab: Vocab) -> str:
    """The vocabulary as word2vec's -save-vocab writes it: `word count` a line, most frequent first.

    >>> vocab_text(Vocab(["the", "cat"], np.array([3, 1]), 4, 2))
    'the 3\\ncat 1\\n'
    """
    return "".join(f"{word} {count}\n" for word, count in zip(vocab.words, vocab.counts.tolist()))


def read_vocab_file(path, min_count: int = 5, max_vocab: int | None = None) -> Vocab:
    """The vocabulary of a `word count` file (vocab_text's layout), as word2vec's ReadVocab takes it: sorted by
    count, most frequent first (stable: a file written by vocab_text keeps its order, ties keep the file's order),
    words below min_count dropped, then the max_vocab most frequent kept (word2vec has no max-vocab; this is
    Vocab.build's rule). Unlike word2vec, a malformed line, a count below 1 or a word listed twice is an error.

    The corpus is not counted: corpus_tokens is the sum of the file's counts, corpus_types its number of words,
    and corpus_sentences the kept words' total (an upper bound on the sentences encoded: each holds one at least).
    """
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise W2VError(f"vocabulary file {path} does not exist") from None
    except IsADirectoryError:
        raise W2VError(f"vocabulary file {path} is a folder, not a file") from None
    except OSError as err:
        raise W2VError(f"vocabulary file {path} cannot be read: {err.strerror}") from None
    except UnicodeDecodeError as err:
        raise W2VError(f"vocabulary file {path} is not UTF-8 text (byte {err.start})") from None
    lines = text.split("\n")  # not splitlines(): it also breaks at \x1c-\x1e, \x85, ...
    if lines[-1] == "":
        lines.pop()
    first_line: dict[str, int] = {}  # word -> its line number
    counts = []
    for number, line in enumerate(lines, start=1):
        fields = line.split()
        if len(fields) != 2 or not (fields[1].isascii() and fields[1].isdigit()) or int(fields[1]) < 1:
            raise W2VError(f"vocabulary file {path} line {number}: expected `word count` (a word, a space and a "
                           f"whole number of 1 or more), got {line[:80]!r}")
        word = fields[0]
        if word in first_line:
            raise W2VError(f"vocabulary file {path} line {number}: {word!r} is listed twice (first on line "
                           f"{first_line[word]})")
        first_line[word] = number
        counts.append(int(fields[1]))
    if not counts:
        raise W2VError(f"vocabulary file {path} holds no words")
    words = list(first_line)
    all_counts = np.array(counts, dtype=np.int64)  # (T,) in the file's order
    ranked = np.argsort(-all_counts, kind="stable")  # (T,) most frequent first, ties in the file's order
    kept = ranked[all_counts[ranked] >= min_count][: max_vocab or None]
    if len(kept) == 0:
        top = ranked[0]
        raise W2VError(f"no word of vocabulary file {path} has a count of at least {min_count} (--min-count); the "
                       f"most frequent, {words[top]!r}, has {all_counts[top]}: lower --min-count")
    kept_counts = all_counts[kept]
    return Vocab([words[i] for i in kept], kept_counts, int(all_counts.sum()), len(words), 0, int(kept_counts.sum()))


def every_word_dropped(max_vocab: int) -> W2VError:
    """The error when pruning while counting (--max-vocab) leaves no word: Vocab.build's and scan.count_corpus's."""
    return W2VError(f"every word was dropped while counting (--max-vocab {max_vocab} holds the "
                    f"{max_vocab + PRUNE_SLACK:,} most frequent at most, dropping the rarest): raise --max-vocab")


def keep_probabilities(counts: np.ndarray, sample: float, rule: str = "mikolov") -> np.ndarray:
    """Probability of keeping each occurrence of each word when subsampling frequent words, (V,).

    With f = count / N and threshold t:
      mikolov    (word2vec C, gensim):   p_keep = (sqrt(f / t) + 1) · t / f
      assignment (CS224n on SST):        p_keep = 1 - max(0, 1 - sqrt(t · N / count)) = sqrt(t / f)
    Both capped at 1; sample = 0 keeps everything.
    """
    if rule not in SAMPLE_RULES:
        raise W2VError(f"unknown subsampling rule {rule!r} (choose from {', '.join(SAMPLE_RULES)})")
    counts = np.asarray(counts, dtype=float)
    if sample <= 0:
        return np.ones_like(counts)
    threshold = sample * counts.sum()  # t · N
    if rule == "mikolov":
        keep = (np.sqrt(counts / threshold) + 1.0) * threshold / counts
    else:
        keep = np.sqrt(threshold / counts)
    return np.minimum(keep, 1.0)


class NegativeSampler:
    """Draws negatives with P(w) ∝ count(w)^exponent, never the outside word it is drawing for."""

    def __init__(self, counts: np.ndarray, exponent: float = 0.75):
        weights = np.asarray(counts, dtype=float) ** exponent  # (V,)
        if len(weights) < 2:
            raise W2VError("negative sampling needs at least 2 words in the vocabulary")
        self.probs = weights / weights.sum()  # (V,)
        self.cdf = np.cumsum(self.probs)  # (V,)
        self.cdf[-1] = 1.0

    def sample(self, rng: np.random.Generator, outside_idx, k: int) -> np.ndarray:
        """K negatives for each outside word: (K,) for a scalar outside_idx, (P, K) for an array (P,)."""
        outside_idx = np.asarray(outside_idx)
        shape = outside_idx.shape + (k,)
        negatives = self._draw(rng, shape)
        clash = negatives == outside_idx[..., None]
        while clash.any():  # redraw the draws that hit their own outside word
            negatives[clash] = self._draw(rng, int(clash.sum()))
            clash = negatives == outside_idx[..., None]
        return negatives

    def _draw(self, rng: np.random.Generator, shape) -> np.ndarray:
        return np.searchsorted(self.cdf, rng.random(shape), side="right").astype(np.int64)


class HuffmanTree(NamedTuple):
    """Each word's path from the root of the Huffman tree to its leaf, for hierarchical softmax.

    The V leaves are the words and the V - 1 inner nodes are numbered 0..V-2 in order of creation (the root,
    created last, is V-2): inner node n owns row n of the outside matrix. At the j-th inner node of w's path the
    branch codes[w, j] is taken, and the node's "label" is 1 - code (word2vec C's and gensim's convention).
    """

    codes: np.ndarray  # (V, L) uint8: codes[w, j] the branch (0 or 1) taken at the j-th inner node; 0 past lengths[w]
    points: np.ndarray  # (V, L) int32: points[w, j] that inner node's index in 0..V-2 (root V-2); 0 past lengths[w]
    lengths: np.ndarray  # (V,) int32: each word's code length (its depth); L = lengths.max()


def huffman_tree(counts: np.ndarray) -> HuffmanTree:
    """The Huffman tree of the counts, built as word2vec C's CreateBinaryTree: O(V log V) (the sort), compiled.

    The words are sorted by count, most frequent first (stable: ties by index), and the tree is merged from two
    queues that are both sorted: the leaves, rarest first, and the inner nodes in order of creation (each
    weighs at least as much as the one before). Each step takes the two lightest heads (a tie goes to the inner
    node, as C's strict `<` does) and joins them under a new inner node: the first taken is branch 0, the second
    branch 1. Frequent words end up near the root, and the total code length Σ count·length is minimal.
    V < 2 is an error: a tree of one leaf has no inner node to predict with.

    Counts (5, 3, 2, 1) merge 1+2 -> node 0 (3), node 0 + 3 -> node 1 (6; the leaf of 3 ties node 0, and the node
    is taken first), 5 + node 1 -> node 2 (11), the root. The word of count 1 goes root -1-> node 1 -0-> node 0 -0->:

    >>> tree = huffman_tree(np.array([5, 3, 2, 1]))
    >>> tree.lengths.tolist(), tree.codes[3].tolist(), tree.points[3].tolist()
    ([1, 2, 3, 3], [1, 0, 0], [2, 1, 0])
    """
    from w2vcli import huffman_kernels as kernels  # numba: imported when a tree is built

    counts = np.asarray(counts, dtype=np.int64)  # (V,)
    num_words = len(counts)
    if num_words < 2:
        raise W2VError("hierarchical softmax needs at least 2 words in the vocabulary")
    order = np.argsort(-counts, kind="stable")  # (V,) rank -> word, most frequent first, ties by index
    parent, branch = kernels.merge_two_queues(np.ascontiguousarray(counts[order]))  # (2V-1,) each
    rank_codes, rank_points, rank_lengths = kernels.paths(parent, branch, num_words)  # rows by rank
    codes, points, lengths = np.empty_like(rank_codes), np.empty_like(rank_points), np.empty_like(rank_lengths)
    codes[order], points[order], lengths[order] = rank_codes, rank_points, rank_lengths
    return HuffmanTree(codes, points, lengths)
