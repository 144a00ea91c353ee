"""Which words the run's pca.png shows: kept apart from plot.py so that choosing them does not import matplotlib."""
from __future__ import annotations

# The word list of the classic assignment's plot: sentiment words, gender and royalty, weather, drinks.
DEFAULT_WORDS = [
    "great", "cool", "brilliant", "wonderful", "well", "amazing", "worth", "sweet", "enjoyable", "boring",
    "bad", "dumb", "annoying", "female", "male", "queen", "king", "man", "woman", "rain", "snow", "hail",
    "coffee", "tea",
]


def default_plot_words(vocab_words: list[str], most_frequent: int = 30) -> list[str]:
    """The assignment's words that are in the vocabulary, or the most frequent words when fewer than 5 are."""
    known = set(vocab_words)
    chosen = [w for w in DEFAULT_WORDS if w in known]
    return chosen if len(chosen) >= 5 else list(vocab_words[:most_frequent])
