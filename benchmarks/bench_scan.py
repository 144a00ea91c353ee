"""Benchmark: counting and encoding a corpus, Python (Vocab.build, encode_blocks) against compiled (w2vcli/scan.py).

Usage: python benchmarks/bench_scan.py [--gcide PATH] [--data DIR] [--tokens 30000000] [--vocab 400000]
                                       [--repeat 3] [--skip-old]

Corpora: GCIDE (/work/shared/corpora/gcide/gcide.txt, 4.1M words), and a Zipf corpus of --tokens tokens drawn with
p(rank r) ∝ 1/r from --vocab pseudo-words, sentences of 5-29 words (bench_scale.write_zipf_text, seed 0), written
once into --data (default $W2V_DATA/bench, else /tmp/w2vcli-bench; bench_gensim.py's file name, so either reuses
the other's). Each pass reads the file from the start (counting with min_count 5; encoding with that vocabulary);
the compiled kernels are loaded (or compiled) before timing. Prints tokens/s of each pass, wall clock and CPU time
of this process (on a shared machine the CPU time is the fairer figure: one core's work), the best of --repeat
runs (the Python path runs once), and checks that both paths give the same vocabulary and the same blocks.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from w2vcli.corpus import Corpus  # noqa: E402
from w2vcli.encoded import encode_blocks  # noqa: E402
from w2vcli.scan import count_corpus, encode_blocks_fast  # noqa: E402
from w2vcli.vocab import Vocab  # noqa: E402

GCIDE = Path("/work/shared/corpora/gcide/gcide.txt")


def zipf_corpus(data: Path, tokens: int, vocab_size: int) -> Path:
    """The Zipf corpus (bench_scale.write_zipf_text, seed 0), written by another process the first time."""
    path = data / f"zipf-{tokens}-{vocab_size}.txt"
    if not path.exists():
        data.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        code = ("import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]); "
                "from bench_scale import write_zipf_text; "
                "write_zipf_text(Path(sys.argv[2]), 0, int(sys.argv[3]), seed=0, tokens=int(sys.argv[4]), "
                "lengths=(5, 29))")
        subprocess.run([sys.executable, "-c", code, str(ROOT / "benchmarks"), str(path), str(vocab_size),
                        str(tokens)], check=True)
        print(f"wrote {path} ({path.stat().st_size / 2**20:,.0f} MB, {time.perf_counter() - started:.0f} s)")
    return path


def timed(run) -> tuple[object, float, float]:
    """(result, wall seconds, CPU seconds of this process)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = run()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def best_of(repeat: int, run) -> tuple[object, float, float]:
    """run() repeat times: (its result, the smallest wall and CPU seconds)."""
    results = [timed(run) for _ in range(repeat)]
    return results[0][0], min(r[1] for r in results), min(r[2] for r in results)


def concatenated(blocks) -> tuple[list, np.ndarray, np.ndarray]:
    """(the blocks' (tokens, lengths) sizes, all tokens, all lengths)."""
    blocks = list(blocks)
    sizes = [(len(t), len(s)) for t, s in blocks]
    return sizes, np.concatenate([t for t, _ in blocks] or [np.zeros(0, np.int32)]), \
        np.concatenate([s for _, s in blocks] or [np.zeros(0, np.int64)])


def same_vocab(a: Vocab, b: Vocab) -> bool:
    return (a.words == b.words and np.array_equal(a.counts, b.counts) and
            (a.corpus_tokens, a.corpus_types, a.pruned_types, a.corpus_sentences) ==
            (b.corpus_tokens, b.corpus_types, b.pruned_types, b.corpus_sentences))


def bench(name: str, path: Path, repeat: int, skip_old: bool) -> list[str]:
    """Time both passes of both paths on one corpus; print a table row for each; returns the mismatches."""
    corpus = Corpus(path)
    vocab, count_wall, count_cpu = best_of(repeat, lambda: count_corpus(corpus, min_count=5))
    tokens = vocab.corpus_tokens
    encoded, encode_wall, encode_cpu = best_of(repeat, lambda: concatenated(encode_blocks_fast(corpus, vocab.words)))
    rows = [("compiled", count_wall, count_cpu, encode_wall, encode_cpu)]
    failures = []
    if not skip_old:
        old_vocab, old_count_wall, old_count_cpu = timed(lambda: Vocab.build(corpus, min_count=5))
        old_encoded, old_encode_wall, old_encode_cpu = timed(
            lambda: concatenated(encode_blocks(corpus, old_vocab.word2ind)))
        rows.insert(0, ("Python", old_count_wall, old_count_cpu, old_encode_wall, old_encode_cpu))
        if not same_vocab(vocab, old_vocab):
            failures.append(f"{name}: the vocabularies differ")
        if encoded[0] != old_encoded[0] or not all(np.array_equal(a, b) for a, b in zip(encoded[1:], old_encoded[1:])):
            failures.append(f"{name}: the encoded blocks differ")
    size = path.stat().st_size / 2**20
    for label, *seconds in rows:
        count_wall, count_cpu, encode_wall, encode_cpu = (tokens / s / 1e6 for s in seconds)
        print(f"| {name} ({tokens / 1e6:.1f}M tokens, {size:,.0f} MB, {vocab.corpus_types:,} types) | {label} | "
              f"{count_wall:.1f} / {count_cpu:.1f} | {encode_wall:.1f} / {encode_cpu:.1f} |", flush=True)
    return failures


def data_dir() -> Path:
    return Path(os.environ["W2V_DATA"]) / "bench" if os.environ.get("W2V_DATA") else Path("/tmp/w2vcli-bench")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gcide", type=Path, default=GCIDE)
    parser.add_argument("--data", type=Path, default=data_dir(), help="where the Zipf corpus is written")
    parser.add_argument("--tokens", type=int, default=30_000_000)
    parser.add_argument("--vocab", type=int, default=400_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of the compiled passes (the best is shown)")
    parser.add_argument("--skip-old", action="store_true", help="time the compiled path only")
    args = parser.parse_args()
    corpora = [("GCIDE", args.gcide), ("Zipf", zipf_corpus(args.data, args.tokens, args.vocab))]
    _, load_wall, _ = timed(lambda: list(encode_blocks_fast(Corpus(ROOT / "corpora" / "toy.txt"),
                                                             count_corpus(Corpus(ROOT / "corpora" / "toy.txt")).words)))
    print(f"kernels loaded (or compiled) in {load_wall:.1f} s; {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f}")
    print("\nmillions of tokens/s, wall clock / CPU time (one core: both paths are single-threaded)")
    print("| corpus | path | counting | encoding |")
    print("|---|---|---|---|")
    failures = [f for name, path in corpora for f in bench(name, path, args.repeat, args.skip_old)]
    for failure in failures:
        print("MISMATCH:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
