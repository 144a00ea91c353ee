"""Queries of `w2v query`: a word, or an expression of words added and subtracted, answered by cosine neighbours.

A query is one line of words separated by white space, with `+` or `-` standing alone between them:

    cat                    most_similar(positive=[cat])
    king - man + woman     most_similar(positive=[king, woman], negative=[man])   (gensim's 3CosAdd)
    - man                  most_similar(negative=[man])

A line of a single token is always a word, even `-` or `+`. Signs stuck to a word are part of it (`-lrb-` is a
word of the Penn Treebank), so `king -man` is malformed, as is `king man` (no operator) or `king +` (none after).
The answer is gensim's most_similar: the topn words closest by cosine to the normalised mean of the positive
words' unit vectors minus the negative ones', the query words excluded.
"""
from __future__ import annotations

from dataclasses import dataclass

from w2vcli.errors import W2VError

OPERATORS = {"+": True, "-": False}  # token -> is the next word positive
EXAMPLE = "king - man + woman"


@dataclass(frozen=True)
class Query:
    """A parsed line: the words added and the words subtracted, each in the order typed."""

    text: str
    positive: tuple[str, ...]
    negative: tuple[str, ...]


def parse_query(line: str) -> Query:
    """Parse one query line; a W2VError saying what is wrong when it is malformed (or empty).

    Example: parse_query("king - man + woman") == Query("king - man + woman", ("king", "woman"), ("man",)).
    """
    text = line.strip()
    tokens = text.split()
    if not tokens:
        raise W2VError("empty query: type a word or an expression like " + EXAMPLE)
    if len(tokens) == 1:
        return Query(text, (tokens[0],), ())
    positive, negative = [], []
    sign = None  # the operator before the next word; None: no operator since the last word
    for i, token in enumerate(tokens):
        if token in OPERATORS:
            if sign is not None:
                raise W2VError(f"malformed query {text!r}: two operators in a row ({tokens[i - 1]} {token})")
            sign = OPERATORS[token]
            continue
        if sign is None and i > 0:
            raise W2VError(f"malformed query {text!r}: put + or - between {tokens[i - 1]!r} and {token!r} "
                           f"(e.g. {EXAMPLE})")
        (positive if sign in (None, True) else negative).append(token)
        sign = None
    if sign is not None:
        raise W2VError(f"malformed query {text!r}: it ends with {tokens[-1]!r}, not a word")
    return Query(text, tuple(positive), tuple(negative))


def answer(vectors, line: str, topn: int = 10) -> dict:
    """One line's answer as `w2v query --json` prints it: {"query": text, "neighbors": [[word, cosine], ...]},
    or {"query": text, "error": message} for a malformed query or an unknown word."""
    text = line.strip()
    try:
        query = parse_query(text)
        neighbors = vectors.most_similar(positive=query.positive, negative=query.negative, topn=topn)
    except W2VError as err:
        return {"query": text, "error": str(err)}
    return {"query": text, "neighbors": [[word, float(cosine)] for word, cosine in neighbors]}
