"""Intrinsic evaluation with gensim's conventions, so the same vectors give the same numbers.

Word pairs (e.g. SimLex-999: `word1<TAB>word2<TAB>score`, `#` comments): Spearman and Pearson correlation of
cosine similarity with the human score over the pairs whose words are both among the first `restrict_vocab`
words; `oov_ratio` is the percentage of pairs with an unknown word. Those pairs are skipped, or with
dummy4unknown kept with a model similarity of 0 (gensim's `dummy4unknown`).
Analogies (`: section` lines, then `a b c expected`): a question is right when the best word among the first
`restrict_vocab` words, question words excluded, is `expected`. The best word, for unit vectors and
cos'(x, w) = (1 + cos(x, w)) / 2 (cosines shifted to [0, 1]):
    add    (3CosAdd, gensim's most_similar):        argmax_w cos(w, normalise(b̂ - â + ĉ))
    cosmul (3CosMul, gensim's most_similar_cosmul): argmax_w cos'(b, w) · cos'(c, w) / (cos'(a, w) + 1e-6)
(Levy and Goldberg, 2014). As gensim, the first of the 5 best words that is not a question word (in any case)
is the answer. Questions with an unknown word are skipped, or with dummy4unknown counted wrong; `oov_ratio` is
their percentage either way. Both compare words upper-cased unless case_sensitive, a word's first (most
frequent) case variant winning. Malformed lines are skipped and counted, as gensim does.

The analogy report also gives word2vec's compute-accuracy summary: semantic accuracy over the first five
sections (questions-words' capitals, currency, city-in-state and family), syntactic over the rest, and the
questions seen (answered) out of all questions.
"""
from __future__ import annotations

import numpy as np

from w2vcli.errors import W2VError
from w2vcli.vectors import WordVectors, _top_in_order

RESTRICT_VOCAB = 300_000  # gensim's default
METHODS = ("add", "cosmul")
COSMUL_EPSILON = 1e-6  # gensim's, keeps 3CosMul's denominator off zero
CANDIDATES = 5  # gensim looks at this many best words for one that is not a question word
SEMANTIC_SECTIONS = 5  # compute-accuracy: the first five sections are semantic, the rest syntactic


def _vocab_index(vectors: WordVectors, restrict_vocab: int, case_sensitive: bool = False) -> dict[str, int]:
    """Word (UPPER-CASED unless case_sensitive) -> row among the first restrict_vocab words; the first row of a
    word (or of its case variants) wins."""
    index = {}
    for i, word in enumerate(vectors.words[:restrict_vocab]):
        index.setdefault(word if case_sensitive else word.upper(), i)
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


def resolve_analogies(spec: str):
    """The analogy file named by spec: "questions-words" is the downloaded Google set, anything else a path."""
    if spec == "questions-words":
        from w2vcli.download import dataset_path

        return dataset_path("questions-words")
    return spec


def evaluate_word_pairs(vectors: WordVectors, pairs_path, restrict_vocab: int = RESTRICT_VOCAB,
                        dummy4unknown: bool = False, case_sensitive: bool = False) -> dict:
    """{"spearman", "pearson", "oov_ratio" (percent), "pairs_used", "skipped_lines"} for a tab-separated file;
    pairs_used counts the pairs correlated (with dummy4unknown, the unknown ones too)."""
    from scipy import stats

    index = _vocab_index(vectors, restrict_vocab, case_sensitive)
    unit = vectors.unit_vectors  # (V, d)
    gold, model = [], []
    oov = skipped = 0
    for line in _read_lines(pairs_path):
        if not line or line.startswith("#"):
            continue
        try:
            word_a, word_b, score = [field if case_sensitive else field.upper() for field in line.split("\t")]
            score = float(score)
        except ValueError:
            skipped += 1
            continue
        if word_a not in index or word_b not in index:
            oov += 1
            if dummy4unknown:
                gold.append(score)
                model.append(0.0)
            continue
        gold.append(score)
        model.append(float(unit[index[word_a]] @ unit[index[word_b]]))
    if len(gold) < 2:
        raise W2VError(f"{pairs_path}: fewer than two usable pairs (is every word out of the vocabulary?)")
    return {
        "spearman": float(stats.spearmanr(gold, model)[0]),
        "pearson": float(stats.pearsonr(gold, model)[0]),
        "oov_ratio": 100.0 * oov / (len(gold) if dummy4unknown else len(gold) + oov),  # = oov / pairs, both ways
        "pairs_used": len(gold),
        "skipped_lines": skipped,
    }


def cosmul_scores(vectors: WordVectors, a: int, b: int, c: int, restrict_vocab: int | None = None) -> np.ndarray:
    """3CosMul of every row w among the first restrict_vocab, (V',) float32, as gensim's most_similar_cosmul:
    cos'(b, w) · cos'(c, w) / (cos'(a, w) + 1e-6), cos' = (1 + cos) / 2."""
    shifted = [(1 + vectors.cosines(unit, restrict_vocab)) / 2 for unit in vectors.unit_rows([a, b, c])]  # 3 × (V',)
    shifted_a, shifted_b, shifted_c = shifted
    return shifted_b * shifted_c / (shifted_a + np.float32(COSMUL_EPSILON))


def best_rows(vectors: WordVectors, a: int, b: int, c: int, method: str = "add",
              restrict_vocab: int | None = None, topn: int = CANDIDATES) -> list[int]:
    """The topn best rows for "a is to b as c is to ?" by method (add or cosmul), rows a, b and c excluded."""
    if method == "add":
        return [row for row, _ in vectors.nearest([b, c], [a], topn=topn, restrict_vocab=restrict_vocab)]
    scores = cosmul_scores(vectors, a, b, c, restrict_vocab)  # (V',)
    question = {a, b, c}
    return [int(row) for row in _top_in_order(scores, topn + len(question)) if row not in question][:topn]


def evaluate_word_analogies(vectors: WordVectors, analogies_path, restrict_vocab: int = RESTRICT_VOCAB,
                            method: str = "add", dummy4unknown: bool = False, case_sensitive: bool = False) -> dict:
    """{"method", "accuracy", "correct", "total", "oov_ratio", "skipped_lines", "sections": [{"section",
    "accuracy", "correct", "total"}, ...], "semantic" and "syntactic": {"accuracy", "correct", "total"},
    "questions_seen", "questions"} for a questions-words style file (see the module docstring)."""
    if method not in METHODS:
        raise W2VError(f"unknown analogy method {method!r} (choose from {', '.join(METHODS)})")
    index = _vocab_index(vectors, restrict_vocab, case_sensitive)
    keys = [w if case_sensitive else w.upper() for w in vectors.words[:restrict_vocab]]
    sections: list[dict] = []
    questions = oov = skipped = 0
    for line_number, line in enumerate(_read_lines(analogies_path), start=1):
        if line.startswith(": "):
            sections.append({"section": line.lstrip(": ").strip(), "correct": 0, "total": 0})
            continue
        if not sections:
            raise W2VError(f"{analogies_path}:{line_number}: a question before the first `: section` line")
        try:
            a, b, c, expected = [word if case_sensitive else word.upper() for word in line.split()]
        except ValueError:
            skipped += 1
            continue
        questions += 1
        if any(word not in index for word in (a, b, c, expected)):
            oov += 1
            sections[-1]["total"] += dummy4unknown  # counted wrong, or skipped
            continue
        predicted = None
        for predicted in (keys[row] for row in best_rows(vectors, index[a], index[b], index[c], method,
                                                         restrict_vocab)):
            if predicted not in (a, b, c):  # the first candidate that is not a question word (in any case)
                break
        sections[-1]["total"] += 1
        sections[-1]["correct"] += predicted == expected
    for section in sections:
        section["accuracy"] = _share(section["correct"], section["total"])
    return {
        "method": method,
        **_tally(sections),
        "oov_ratio": 100.0 * oov / questions if questions else 0.0,
        "skipped_lines": skipped,
        "sections": sections,
        "semantic": _tally(sections[:SEMANTIC_SECTIONS]),
        "syntactic": _tally(sections[SEMANTIC_SECTIONS:]),
        "questions_seen": questions - oov,
        "questions": questions,
    }


def _share(correct: int, total: int) -> float:
    """correct / total; 0.0 for no questions (gensim's score of an empty section)."""
    return correct / total if total else 0.0


def _tally(sections: list[dict]) -> dict:
    """{"accuracy", "correct", "total"} over sections."""
    correct, total = sum(s["correct"] for s in sections), sum(s["total"] for s in sections)
    return {"accuracy": _share(correct, total), "correct": correct, "total": total}


def compute_accuracy_summary(report: dict) -> list[str]:
    """word2vec compute-accuracy's last lines for an analogy report: total, semantic and syntactic accuracy in
    percent (n/a for no questions), then the questions seen (answered) out of all."""

    def percent(tally: dict) -> str:
        return f"{100 * tally['accuracy']:.2f} %" if tally["total"] else "n/a"

    seen, questions = report["questions_seen"], report["questions"]
    return [
        f"Total accuracy: {percent(report)}   Semantic accuracy: {percent(report['semantic'])}   "
        f"Syntactic accuracy: {percent(report['syntactic'])}",
        f"Questions seen / total: {seen} {questions}   {100 * seen / questions if questions else 0:.2f} %",
    ]
