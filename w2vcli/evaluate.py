"""Intrinsic evaluation with gensim's conventions, so the same vectors give the same numbers.

Word pairs (e.g. SimLex-999: `word1<TAB>word2<TAB>score`, `#` comments): Spearman and Pearson correlation of
cosine similarity with the human score over the pairs whose words are both among the first `restrict_vocab`
words; `oov_ratio` is the percentage of pairs skipped for unknown words.
Analogies (`: section` lines, then `a b c expected`): a question is right when the best word by 3CosAdd among
the first `restrict_vocab` words, question words excluded, is `expected`; questions with unknown words are
skipped. Both compare words upper-cased (case-insensitive); a word's first (most frequent) case variant wins.
Malformed lines are skipped and counted, as gensim does.
"""
from __future__ import annotations

from w2vcli.errors import W2VError
from w2vcli.vectors import WordVectors

RESTRICT_VOCAB = 300_000  # gensim's default


def _case_insensitive_index(vectors: WordVectors, restrict_vocab: int) -> dict[str, int]:
    """UPPER-CASED word -> row among the first restrict_vocab words; the first row of a case variant wins."""
    index = {}
    for i, word in enumerate(vectors.words[:restrict_vocab]):
        index.setdefault(word.upper(), i)
    return index


def _read_lines(path) -> list[str]:
    try:
        with open(path, encoding="utf-8") as handle:
            return list(handle)  # split at newlines only, as gensim does (not at U+2028 and the like)
    except FileNotFoundError:
        raise W2VError(f"evaluation file {path} does not exist") from None
    except UnicodeDecodeError as err:
        raise W2VError(f"evaluation file {path} is not UTF-8 text (byte {err.start})") from None
    except OSError as err:
        raise W2VError(f"evaluation file {path} cannot be read: {err.strerror}") from None


def evaluate_word_pairs(vectors: WordVectors, pairs_path, restrict_vocab: int = RESTRICT_VOCAB) -> dict:
    """{"spearman", "pearson", "oov_ratio" (percent), "pairs_used", "skipped_lines"} for a tab-separated file."""
    from scipy import stats

    index = _case_insensitive_index(vectors, restrict_vocab)
    unit = vectors.unit_vectors  # (V, d)
    gold, model = [], []
    oov = skipped = 0
    for line in _read_lines(pairs_path):
        if not line or line.startswith("#"):
            continue
        try:
            word_a, word_b, score = [field.upper() for field in line.split("\t")]
            score = float(score)
        except ValueError:
            skipped += 1
            continue
        if word_a not in index or word_b not in index:
            oov += 1
            continue
        gold.append(score)
        model.append(float(unit[index[word_a]] @ unit[index[word_b]]))
    if len(gold) < 2:
        raise W2VError(f"{pairs_path}: fewer than two usable pairs (is every word out of the vocabulary?)")
    return {
        "spearman": float(stats.spearmanr(gold, model)[0]),
        "pearson": float(stats.pearsonr(gold, model)[0]),
        "oov_ratio": 100.0 * oov / (len(gold) + oov),
        "pairs_used": len(gold),
        "skipped_lines": skipped,
    }


def evaluate_word_analogies(vectors: WordVectors, analogies_path, restrict_vocab: int = RESTRICT_VOCAB) -> dict:
    """{"accuracy", "correct", "total", "oov_ratio", "skipped_lines", "sections": [{"section", "accuracy",
    "correct", "total"}, ...]} for a questions-words style file."""
    index = _case_insensitive_index(vectors, restrict_vocab)
    upper_words = [w.upper() for w in vectors.words[:restrict_vocab]]
    sections: list[dict] = []
    questions = oov = skipped = 0
    for line_number, line in enumerate(_read_lines(analogies_path), start=1):
        if line.startswith(": "):
            sections.append({"section": line.lstrip(": ").strip(), "correct": 0, "total": 0})
            continue
        if not sections:
            raise W2VError(f"{analogies_path}:{line_number}: a question before the first `: section` line")
        try:
            a, b, c, expected = [word.upper() for word in line.split()]
        except ValueError:
            skipped += 1
            continue
        questions += 1
        if any(word not in index for word in (a, b, c, expected)):
            oov += 1
            continue
        best = vectors.nearest([index[b], index[c]], [index[a]], topn=5, restrict_vocab=restrict_vocab)  # b - a + c
        candidates = [upper_words[i] for i, _ in best]
        predicted = None
        for predicted in candidates:  # the first candidate that is not a question word (in any case)
            if predicted in index and predicted not in (a, b, c):
                break
        sections[-1]["total"] += 1
        sections[-1]["correct"] += predicted == expected
    for section in sections:
        section["accuracy"] = section["correct"] / section["total"] if section["total"] else 0.0
    correct = sum(s["correct"] for s in sections)
    total = sum(s["total"] for s in sections)
    return {
        "accuracy": correct / total if total else 0.0,
        "correct": correct,
        "total": total,
        "oov_ratio": 100.0 * oov / questions if questions else 0.0,
        "skipped_lines": skipped,
        "sections": sections,
    }
