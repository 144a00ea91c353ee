"""Train gensim's Word2Vec in its fastest mode (corpus_file) and save binary word2vec vectors; one JSON line out.

Usage: python benchmarks/gensim_train.py CORPUS VECTORS_BIN [--model skipgram|cbow] [--dim 100] [--epochs 5]
                                         [--threads 2] [--lr 0.025] [--seed 1] [--hs]

Run by bench_gensim.py as a whole process, so that its wall time and peak RSS cover everything gensim does: import,
build_vocab (counting), train (corpus_file: Cython workers read the text themselves, no encoding pass), and
save_word2vec_format(binary=True), the same kind of file as w2v's vectors.bin. Fixed settings, the same as w2v's:
negative 5, window 5, min_count 5, sample 1e-3, ns_exponent 0.75, cbow_mean 1 (CBOW averages its context).
--hs: hierarchical softmax instead of negative sampling (hs=1, negative=0; w2v's --loss hs).
Prints e.g. {"import": 0.9, "vocab": 2.1, "train": 47.3, "save": 0.2, "tokens": 4135693, "words": 72913}.
"""
from __future__ import annotations

import time

started = time.perf_counter()

import argparse
import json

from gensim.models import Word2Vec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus")
    parser.add_argument("vectors")
    parser.add_argument("--model", choices=["skipgram", "cbow"], default="skipgram")
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--lr", type=float, default=0.025)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--hs", action="store_true", help="hierarchical softmax (hs=1, negative=0)")
    args = parser.parse_args()
    imported = time.perf_counter()
    model = Word2Vec(sg=int(args.model == "skipgram"), vector_size=args.dim, window=5, min_count=5, sample=1e-3,
                     hs=int(args.hs), negative=0 if args.hs else 5, ns_exponent=0.75, cbow_mean=1, alpha=args.lr,
                     epochs=args.epochs, workers=args.threads, seed=args.seed)
    model.build_vocab(corpus_file=args.corpus)  # what Word2Vec(corpus_file=...) does, in two timed steps
    counted = time.perf_counter()
    model.train(corpus_file=args.corpus, total_words=model.corpus_total_words, epochs=model.epochs)
    trained = time.perf_counter()
    model.wv.save_word2vec_format(args.vectors, binary=True)
    saved = time.perf_counter()
    print(json.dumps({"import": round(imported - started, 3), "vocab": round(counted - imported, 3),
                      "train": round(trained - counted, 3), "save": round(saved - trained, 3),
                      "tokens": model.corpus_total_words, "words": len(model.wv)}))


if __name__ == "__main__":
    main()
