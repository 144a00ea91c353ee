"""Collocations (`w2v phrases`): find word pairs that occur together more than chance, and write the corpus with
each one joined into a single token (`new york` → `new_york`), as gensim 4.4's `gensim.models.phrases.Phrases`
does with no connector words, so that the same corpus and settings give the same phrases as gensim.

Two passes over the text (memory holds the counts, never the corpus):
  1. count every word and every pair of adjacent words within a sentence (count_pairs);
  2. score each pair (score_pairs), then rewrite each sentence left to right (rewrite): a pending word a and the
     next word b are joined when the pair (a, b) scores above the threshold; the joined token is emitted and the
     scan starts afresh at the word after b (so `a b c` with both pairs phrases gives `a_b c`); otherwise a is
     emitted and b becomes pending.

Scores, with count(x) the count of the string x (gensim keeps words and pairs in one dictionary of strings,
so a word `new_york` and the pair `new york` count as one string), L the number of distinct strings counted
(words and pairs: gensim's len_vocab), N the tokens, m the minimum count:
  default  (count(a_b) − m) / (count(a) · count(b)) · L       (word2phrase's formula, gensim's normalisation)
  npmi     ln(p(a_b) / (p(a) · p(b))) / −ln(p(a_b)), p(x) = count(x) / N, and −∞ when count(a_b) < m
A pair is a phrase when its score > threshold. `passes` > 1 runs the whole again on the previous pass's output
with the same settings (gensim's Phrases applied to its own output), so phrases grow to 3-4 words.

Sentences are Corpus's (the same as `w2v train --corpus` reads); the output is one sentence per line, tokens
separated by one space. The compiled path (phrases_kernels.py, over scan.py's reader) and the plain Python one
give the same counts, phrases and text (tests/test_phrases.py); the Python path is the reference.
"""
from __future__ import annotations

import contextlib
import math
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np

from w2vcli.atomic import atomic_write
from w2vcli.corpus import BLOCK_BYTES, Corpus
from w2vcli.errors import ConfigError, W2VError
from w2vcli.scan import COMPILED

SCORINGS = ("default", "npmi")
LOW32 = (1 << 32) - 1  # a pair's key is first << 32 | second (word indices)


@dataclass(frozen=True)
class PhraseSettings:
    """`w2v phrases`'s options (check() says which values are possible)."""

    min_count: int = 5
    threshold: float = 10.0
    scoring: str = "default"
    delimiter: str = "_"
    passes: int = 1
    max_vocab: int | None = None  # counting holds at most this many words and pairs together; None: no bound

    def check(self) -> None:
        """Raise ConfigError naming the option for an impossible value (gensim's own limits, and ours)."""
        if self.min_count < 1:
            raise ConfigError(f"--min-count must be at least 1 (got {self.min_count})")
        if self.scoring not in SCORINGS:
            raise ConfigError(f"unknown --scoring {self.scoring!r} (choose from {', '.join(SCORINGS)})")
        if not math.isfinite(self.threshold):
            raise ConfigError(f"--threshold must be a finite number (got {self.threshold})")
        if self.scoring == "default" and self.threshold <= 0:
            raise ConfigError(f"--threshold must be positive for --scoring default (got {self.threshold:g})")
        if self.scoring == "npmi" and not -1 < self.threshold <= 1:
            raise ConfigError(f"--threshold must be in (-1, 1] for --scoring npmi (got {self.threshold:g}); "
                              "npmi scores lie in [-1, 1], e.g. --threshold 0.5")
        if not self.delimiter or any(ch.isspace() or ch == "\0" for ch in self.delimiter):
            raise ConfigError(f"--delimiter must be non-empty, without white space (got {self.delimiter!r})")
        if self.passes < 1:
            raise ConfigError(f"--passes must be at least 1 (got {self.passes})")
        if self.max_vocab is not None and self.max_vocab < 1:
            raise ConfigError(f"--max-vocab must be at least 1 (got {self.max_vocab})")


@dataclass
class PairCounts:
    """Pass 1's counts: every word held and every adjacent pair of them, as word indices."""

    words: list[str]  # in first-seen order (after pruning: the words left, in that order)
    word_counts: np.ndarray  # (W,) int64
    pair_keys: np.ndarray  # (P,) int64 first << 32 | second, in no particular order
    pair_counts: np.ndarray  # (P,) int64
    tokens: int  # tokens in the corpus
    sentences: int
    pruned: int = 0  # words and pairs dropped while counting (max_vocab)
    table: object = None  # the compiled word table (phrases_kernels), for rewriting; None on the Python path


@dataclass
class ScoredPairs:
    """The pairs that are phrases, and gensim's len_vocab."""

    keys: np.ndarray  # (F,) int64 first << 32 | second
    scores: np.ndarray  # (F,) float64
    len_vocab: int  # distinct strings counted: words and joined pairs (gensim's len(Phrases.vocab))


@dataclass
class PassResult:
    phrases: dict[str, float]  # the phrases joined at least once in the text → score, as gensim's find_phrases
    joins: int  # pairs joined in the text
    tokens_in: int
    tokens_out: int
    len_vocab: int
    pruned: int
    seconds: float


@dataclass
class PhrasesResult:
    out: Path
    passes: list[PassResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def joins(self) -> int:
        return sum(p.joins for p in self.passes)


# --- pass 1: counting ---


def count_pairs(corpus: Corpus, max_vocab: int | None = None, compiled: bool = COMPILED) -> PairCounts:
    """Count the corpus's words and adjacent pairs (within a sentence). With max_vocab, memory stays bounded as
    training's counting does (vocab.Vocab.build, word2vec's ReduceVocab): after each sentence, while more than
    max_vocab words and pairs are held, those with count <= r are dropped, r = 1, 2, ... rising each time."""
    counts = _count_compiled(corpus, max_vocab) if compiled and COMPILED else _count_python(corpus, max_vocab)
    if counts.tokens == 0:
        raise W2VError(f"the corpus {corpus.path} has no words")
    return counts


def _count_python(corpus: Corpus, max_vocab: int | None) -> PairCounts:
    """count_pairs in plain Python (the reference): one Counter of words, one of pairs of words."""
    words: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    tokens = sentences = pruned = 0
    min_reduce = 1
    for sentence in corpus:
        words.update(sentence)
        pairs.update(zip(sentence, sentence[1:]))
        tokens += len(sentence)
        sentences += 1
        while max_vocab is not None and len(words) + len(pairs) > max_vocab:  # word2vec's ReduceVocab
            for counter in (words, pairs):
                rare = [key for key, count in counter.items() if count <= min_reduce]
                for key in rare:
                    del counter[key]
                pruned += len(rare)
            min_reduce += 1
    index = {word: i for i, word in enumerate(words)}
    keys = np.fromiter(((index[a] << 32) | index[b] for a, b in pairs), np.int64, len(pairs))  # (P,)
    return PairCounts(list(words), np.fromiter(words.values(), np.int64, len(words)), keys,
                      np.fromiter(pairs.values(), np.int64, len(pairs)), tokens, sentences, pruned)


def _count_compiled(corpus: Corpus, max_vocab: int | None) -> PairCounts:
    """count_pairs by the compiled kernels over scan.py's reader of the corpus."""
    from w2vcli import phrases_kernels as kernels
    from w2vcli.scan import _chunks, _raise_for_line, _words

    limit = max_vocab if max_vocab is not None else -1  # -1: no bound
    table, pairs, stats = kernels.empty_counts(limit)
    for file, number, chunk, rules in _chunks(corpus, BLOCK_BYTES):
        table, pairs = kernels.count_pairs_chunk(chunk, rules, limit, table, pairs, stats)
        if stats[kernels.ERROR_LINE] >= 0:
            _raise_for_line(file, number, chunk, rules,
                            (stats[kernels.ERROR_LINE], stats[kernels.ERROR_START], stats[kernels.ERROR_END]))
    num_words = int(stats[kernels.TYPES])
    held = pairs[pairs[:, 0] >= 0]  # (P, 2) key, count
    return PairCounts(_words(table, np.arange(num_words)), kernels.word_counts(table.slots, num_words),
                      held[:, 0].copy(), held[:, 1].copy(), int(stats[kernels.TOKENS]),
                      int(stats[kernels.SENTENCES]), int(stats[kernels.PRUNED]), table)


# --- scoring ---


def score_pairs(counts: PairCounts, settings: PhraseSettings) -> ScoredPairs:
    """The pairs scoring above settings.threshold (module docstring's formulas), with gensim's arithmetic."""
    word_counts, pair_counts, len_vocab = string_counts(counts, settings.delimiter)
    first, second = counts.pair_keys >> 32, counts.pair_keys & LOW32  # (P,) word indices
    count_a, count_b = word_counts[first], word_counts[second]  # (P,)
    if settings.scoring == "default":  # gensim: (bigram_count - min_count) / float(denom) * len_vocab
        scores = (pair_counts - settings.min_count) / (count_a * count_b).astype(np.float64) * len_vocab
    else:  # npmi, with Python's own log as gensim's (numpy's may differ in the last bit)
        scores = np.full(len(pair_counts), -np.inf)
        candidates = np.flatnonzero(pair_counts >= settings.min_count)
        total = float(counts.tokens)
        scores[candidates] = [
            _npmi(a / total, b / total, ab / total)
            for a, b, ab in zip(count_a[candidates].tolist(), count_b[candidates].tolist(),
                                pair_counts[candidates].tolist())
        ]
    chosen = np.flatnonzero(scores > settings.threshold)
    return ScoredPairs(counts.pair_keys[chosen], scores[chosen], len_vocab)


def _npmi(pa: float, pb: float, pab: float) -> float:
    """gensim's npmi_scorer on probabilities."""
    try:
        return math.log(pab / (pa * pb)) / -math.log(pab)
    except ValueError:
        return -math.inf


def string_counts(counts: PairCounts, delimiter: str) -> tuple[np.ndarray, np.ndarray, int]:
    """(word counts (W,), pair counts (P,), L): the counts of the words' and joined pairs' strings, and how many
    distinct strings there are, as gensim's one dictionary of strings has them.

    Strings coincide only when a word holds a character of the delimiter (an odd word): a word `new_york` and the
    pair `new york`; the pairs `new_york city` and `new york_city`. A pair of plain words holds the delimiter's
    characters once, in the delimiter right after its first word, so it can only spell an odd word (split at its
    first delimiter); a pair with an odd word holds them more often, so it can only spell another odd entry. So
    only the odd words, the pairs with one, and the plain pairs spelling an odd word are merged here, in Python:
    none in most raw corpora, the joined phrases and their pairs after a first pass.
    """
    words = counts.words
    word_counts, pair_counts = counts.word_counts.copy(), counts.pair_counts.copy()
    marks = set(delimiter)
    odd = np.fromiter((not marks.isdisjoint(word) for word in words), np.bool_, len(words))  # (W,)
    if not odd.any():
        return word_counts, pair_counts, len(words) + len(pair_counts)
    keys = counts.pair_keys
    first, second = keys >> 32, keys & LOW32  # (P,)
    odd_words = np.flatnonzero(odd)
    odd_pairs = np.flatnonzero(odd[first] | odd[second])
    word_strings = [words[i] for i in odd_words.tolist()]
    pair_strings = [words[a] + delimiter + words[b] for a, b in zip(first[odd_pairs].tolist(),
                                                                      second[odd_pairs].tolist())]
    totals: Counter[str] = Counter()
    for string, count in zip(word_strings + pair_strings, word_counts[odd_words].tolist() +
                             pair_counts[odd_pairs].tolist()):
        totals[string] += count
    splits = {}  # odd word -> (first word, second word), split at its first delimiter
    for string in word_strings:
        at = string.find(delimiter)
        if at >= 0:
            splits[string] = (string[:at], string[at + len(delimiter):])
    halves = {half for pair in splits.values() for half in pair}
    index = {word: i for i, word in enumerate(words) if word in halves and not odd[i]}  # plain words wanted
    spelled = {(index[a] << 32) | index[b]: string for string, (a, b) in splits.items() if a in index and b in index}
    wanted = np.array(sorted(spelled), np.int64)  # (C,) keys of plain pairs that would spell an odd string
    at = np.minimum(np.searchsorted(wanted, keys), max(len(wanted) - 1, 0))  # (P,)
    plain_pairs = np.flatnonzero(wanted[at] == keys) if len(wanted) else np.zeros(0, np.int64)
    plain_strings = [spelled[key] for key in keys[plain_pairs].tolist()]
    for string, count in zip(plain_strings, pair_counts[plain_pairs].tolist()):
        totals[string] += count
    word_counts[odd_words] = [totals[string] for string in word_strings]
    pair_counts[odd_pairs] = [totals[string] for string in pair_strings]
    pair_counts[plain_pairs] = [totals[string] for string in plain_strings]
    merged = len(odd_words) + len(odd_pairs) + len(plain_pairs) - len(totals)  # entries sharing another's string
    return word_counts, pair_counts, len(words) + len(keys) - merged


# --- pass 2: rewriting ---


def rewrite(corpus: Corpus, counts: PairCounts, scored: ScoredPairs, handle: BinaryIO, delimiter: str,
            compiled: bool = COMPILED) -> tuple[np.ndarray, np.ndarray, int]:
    """Write the corpus to handle with the scored pairs joined, left to right (module docstring), one sentence a
    line. Returns (times each scored pair was joined (F,) int64, the number of its last join among all joins
    (F,) int64, tokens written)."""
    if compiled and counts.table is not None:
        return _rewrite_compiled(corpus, counts, scored, handle, delimiter)
    return _rewrite_python(corpus, counts, scored, handle, delimiter)


def _rewrite_python(corpus, counts, scored, handle, delimiter) -> tuple[np.ndarray, np.ndarray, int]:
    """rewrite in plain Python: gensim's analyze_sentence without connector words."""
    words = counts.words
    phrase_of = {(words[key >> 32], words[key & LOW32]): i for i, key in enumerate(scored.keys.tolist())}
    joins, last = np.zeros(len(scored.keys), np.int64), np.zeros(len(scored.keys), np.int64)
    written, lines, joined = 0, [], 0
    for sentence in corpus:
        out, pending = [], None
        for word in sentence:
            if pending is None:
                pending = word
                continue
            phrase = phrase_of.get((pending, word))
            if phrase is None:
                out.append(pending)
                pending = word
            else:
                out.append(pending + delimiter + word)
                joins[phrase] += 1
                last[phrase] = joined
                joined += 1
                pending = None
        if pending is not None:
            out.append(pending)
        written += len(out)
        lines.append(" ".join(out))
        if len(lines) >= 10_000:
            handle.write(("\n".join(lines) + "\n").encode("utf-8"))
            lines = []
    if lines:
        handle.write(("\n".join(lines) + "\n").encode("utf-8"))
    return joins, last, written


def _rewrite_compiled(corpus, counts, scored, handle, delimiter) -> tuple[np.ndarray, np.ndarray, int]:
    """rewrite by the compiled kernel, a chunk of scan.py's reader at a time."""
    from w2vcli import phrases_kernels as kernels
    from w2vcli.scan import _chunks, _raise_for_line

    phrases = kernels.phrase_table(scored.keys)
    glue = np.frombuffer(delimiter.encode("utf-8"), np.uint8)
    joins, last = np.zeros(len(scored.keys), np.int64), np.zeros(len(scored.keys), np.int64)
    written = np.zeros(5, np.int64)  # bytes and tokens written, an error line's bytes, joins so far
    out, tokens = np.empty(0, np.uint8), 0
    for file, number, chunk, rules in _chunks(corpus, BLOCK_BYTES):
        room = len(chunk.buf) + 1 + (len(chunk.buf) // 2 + 1) * max(len(glue) - 1, 0)  # a token takes 2 bytes
        if len(out) < room:
            out = np.empty(room, np.uint8)
        line = kernels.rewrite_chunk(chunk, rules, counts.table, phrases, glue, out, joins, last, written)
        if line >= 0:
            _raise_for_line(file, number, chunk, rules, (line, written[2], written[3]))
        handle.write(out[:written[0]].data)
        tokens += int(written[1])
    return joins, last, tokens


# --- the whole job ---


def phrase_pass(corpus: Corpus, handle: BinaryIO, settings: PhraseSettings, compiled: bool = COMPILED) -> PassResult:
    """One pass: count, score, rewrite the corpus into handle."""
    started = time.perf_counter()
    counts = count_pairs(corpus, settings.max_vocab, compiled)
    scored = score_pairs(counts, settings)
    joins, last, tokens_out = rewrite(corpus, counts, scored, handle, settings.delimiter, compiled)
    joined = np.flatnonzero(joins)
    joined = joined[np.argsort(last[joined])]  # two pairs of one string (a_b c, a b_c): the later join's score
    words, glue = counts.words, settings.delimiter
    found = {words[key >> 32] + glue + words[key & LOW32]: score
             for key, score in zip(scored.keys[joined].tolist(), scored.scores[joined].tolist())}
    return PassResult(found, int(joins.sum()), counts.tokens, tokens_out, scored.len_vocab, counts.pruned,
                      time.perf_counter() - started)


def phrase_corpus(corpus: Corpus, out, settings: PhraseSettings, compiled: bool = COMPILED) -> PhrasesResult:
    """Write corpus to out with its phrases joined, settings.passes times over (module docstring); out is written
    atomically, and a pass's output is the next one's corpus (a temporary file beside out, deleted after)."""
    settings.check()
    started = time.perf_counter()
    out = Path(out)
    if out.is_dir():
        raise W2VError(f"--out {out} is a folder; give a file name")
    if any(out.resolve() == file.resolve() for file in corpus.files):
        raise W2VError(f"--out {out} is the corpus itself; write the output to another file")
    out.parent.mkdir(parents=True, exist_ok=True)
    result = PhrasesResult(out)
    between_passes = tempfile.TemporaryDirectory(prefix=f".{out.name}.passes-", dir=out.parent) \
        if settings.passes > 1 else contextlib.nullcontext()
    with between_passes as folder:
        for number in range(1, settings.passes + 1):
            if number == settings.passes:
                with atomic_write(out) as handle:
                    result.passes.append(phrase_pass(corpus, handle, settings, compiled))
            else:
                between = Path(folder) / f"pass{number}.txt"
                with open(between, "wb") as handle:
                    result.passes.append(phrase_pass(corpus, handle, settings, compiled))
                corpus = Corpus(between, format="text", lowercase=False)  # already lowered, if asked
    result.seconds = time.perf_counter() - started
    return result


def summary(result: PhrasesResult) -> str:
    """The one line `w2v phrases` prints."""
    found = sum(len(p.phrases) for p in result.passes)
    each = f" (pass {', pass '.join(f'{i}: {len(p.phrases):,}' for i, p in enumerate(result.passes, 1))})" \
        if len(result.passes) > 1 else ""
    first, last = result.passes[0], result.passes[-1]
    return (f"found {found:,} phrases{each}, joined {result.joins:,} times: {first.tokens_in:,} → "
            f"{last.tokens_out:,} tokens in {result.seconds:.1f} s; wrote {result.out}")
