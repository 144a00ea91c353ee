"""w2vcli: train word2vec embeddings from raw text, check the math, and look at what they learned."""

__version__ = "0.1.0"
