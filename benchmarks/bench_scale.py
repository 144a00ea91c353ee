"""Benchmark: memory stays flat as the corpus grows, and --max-vocab bounds counting (issue 6).

Usage: python benchmarks/bench_scale.py [--data DIR] [--piece-mb 256] [--sizes 1,4,16] [--threads 2]
                                        [--distinct-types 5000000] [--skip-distinct]

Corpora, written once into --data (default $W2V_DATA/scale, else ~/.cache/w2vcli/scale) and reused:
  zipf-PIECE-K.txt    PIECE MB of sentences of 3-30 words drawn from a fixed vocabulary of 50,000 pseudo-words
                      with Zipf probabilities p(rank r) ∝ 1/r (seed K); the corpus of size n× is the folder
                      zipf-PIECE-xn/ of links to pieces 0..n-1 (16× is 4 GB at the default 256 MB);
  distinct-PIECE.txt  one piece drawn the same way from --distinct-types pseudo-words: millions of distinct
                      tokens, most of them seen once or twice.
Each measurement is its own process, `python benchmarks/phases.py CORPUS OUT --threads T --epochs 1 --json`
(fast engine, defaults otherwise: dim 100, window 5, 5 negatives, min_count 5, sample 1e-3), which reports each
phase's seconds and its own peak RSS: counting (vocabulary building), encoding to disk, the training epoch.
The distinct corpus is only counted (--count-only), without and with --max-vocab 50000.
Checks: at the largest size, the peaks of counting, encoding and the epoch are within 10% + 10 MB of the
smallest size's; with --max-vocab, counting the distinct corpus peaks lower than without and says it pruned.
Exit 1 if not.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
VOCAB_SIZE = 50_000
SYLLABLES = [c + v for c in "bcdfghjklmnprstvwxyz" for v in "aeiou"]  # 100 syllables
BLOCK_TOKENS = 1 << 20


def pseudo_words(count: int) -> list[bytes]:
    """count distinct pronounceable words, shortest first (the most frequent ranks get the shortest words)."""
    words, length = [], 1
    while len(words) < count:
        for index in range(min(len(SYLLABLES) ** length, count - len(words))):
            syllables = []
            for _ in range(length):
                index, digit = divmod(index, len(SYLLABLES))
                syllables.append(SYLLABLES[digit])
            words.append("".join(syllables).encode())
        length += 1
    return words


def write_zipf_text(path: Path, megabytes: int, vocab_size: int, seed: int, tokens: int | None = None,
                    lengths: tuple[int, int] = (3, 30)) -> None:
    """megabytes MB of sentences (3-30 words) drawn with p(rank r) ∝ 1/r from vocab_size pseudo-words; atomic.
    With tokens: exactly that many tokens instead of megabytes. lengths: the shortest and longest sentence (each
    1M-token block's last sentence may be shorter). E.g. tokens=30_000_000, lengths=(5, 29) (bench_gensim.py)."""
    words = pseudo_words(vocab_size)
    table = [w + b" " for w in words] + [w + b"\n" for w in words]  # a word, then the same word ending a line
    cdf = np.cumsum(1.0 / np.arange(1, vocab_size + 1))
    cdf /= cdf[-1]
    rng = np.random.default_rng(seed)
    target, written, drawn = megabytes * 2**20, 0, 0
    partial = path.with_name(path.name + ".partial")
    with open(partial, "wb") as handle:
        while (drawn < tokens) if tokens else (written < target):
            size = min(BLOCK_TOKENS, tokens - drawn) if tokens else BLOCK_TOKENS
            ids = np.minimum(np.searchsorted(cdf, rng.random(size), side="right"), vocab_size - 1)
            ends = np.cumsum(rng.integers(lengths[0], lengths[1] + 1, size // lengths[0])) - 1  # last word of each
            ids[ends[ends < size]] += vocab_size
            ids[-1] = ids[-1] % vocab_size + vocab_size  # the block ends a sentence
            data = b"".join([table[i] for i in ids.tolist()])
            handle.write(data)
            written, drawn = written + len(data), drawn + size
    os.replace(partial, path)


def corpus_of_size(data: Path, piece_mb: int, times: int) -> Path:
    """The folder zipf-PIECE-xN of links to pieces 0..N-1, writing the pieces that are missing."""
    folder = data / f"zipf-{piece_mb}-x{times}"
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(times):
        piece = data / f"zipf-{piece_mb}-{k}.txt"
        if not piece.exists():
            started = time.perf_counter()
            write_zipf_text(piece, piece_mb, VOCAB_SIZE, seed=k)
            print(f"  wrote {piece} ({time.perf_counter() - started:.0f} s)", flush=True)
        link = folder / f"{k:03d}.txt"
        if not link.exists():
            link.symlink_to(piece)
    return folder


def max_vocab_accuracy(corpus: Path, max_vocab: int) -> tuple[set, int, int]:
    """(the true max_vocab most frequent words, how many of them counting with --max-vocab keeps, how many of
    those have a count below the true one), by counting in this process without and with the bound."""
    from w2vcli.corpus import Corpus
    from w2vcli.vocab import Vocab

    full = Vocab.build(Corpus(corpus), min_count=5)
    true_top, true_counts = set(full.words[:max_vocab]), dict(zip(full.words, full.counts))
    bounded = Vocab.build(Corpus(corpus), min_count=5, max_vocab=max_vocab)
    low = sum(1 for word, count in zip(bounded.words, bounded.counts) if count < true_counts[word])
    return true_top, len(true_top & set(bounded.words)), low


def measure(corpus: Path, out: Path, threads: int, *options: str) -> dict:
    command = [sys.executable, str(ROOT / "benchmarks" / "phases.py"), str(corpus), str(out), "--threads",
               str(threads), "--epochs", "1", "--json", *options]
    print("$", " ".join(command), flush=True)
    result = subprocess.run(command, check=True, capture_output=True, text=True)
    shutil.rmtree(out, ignore_errors=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def phase(summary: dict, name: str) -> dict:
    return next(row for row in summary["phases"] if row["phase"] == name)


def report_sizes(rows: list[tuple[int, dict]], piece_mb: int, threads: int) -> list[str]:
    """Print the table of sizes and check that the peaks stay flat; returns the checks missed."""
    print(f"\nfast engine, {threads} threads, 1 epoch; each phase's own peak RSS:")
    print("| size | text | tokens | vocab | count: s / peak | encode: s / peak (disk) | epoch: s / peak | "
          "words/s | whole run: s / peak |")
    print("|---|---|---|---|---|---|---|---|---|")
    for times, summary in rows:
        count, encode = phase(summary, "read and count corpus"), phase(summary, "encode corpus")
        epoch = phase(summary, "training (with checkpoints)")
        print(f"| {times}x | {times * piece_mb / 1024:.2f} GB | {summary['tokens'] / 1e6:,.0f}M | "
              f"{summary['vocab']:,} | {count['seconds']:.0f} s / {count['peak_mb']} MB | "
              f"{encode['seconds']:.0f} s / {encode['peak_mb']} MB ({summary['kept_tokens'] * 4 / 2**30:.2f} GB) | "
              f"{epoch['seconds']:.0f} s / {epoch['peak_mb']} MB | {summary['tokens'] / epoch['seconds']:,.0f} | "
              f"{summary['seconds']:.0f} s / {summary['peak_mb']} MB |")
    failures = []
    (smallest, small), (largest, large) = rows[0], rows[-1]
    for name in ("read and count corpus", "encode corpus", "training (with checkpoints)"):
        a, b = phase(small, name)["peak_mb"], phase(large, name)["peak_mb"]
        ok = b <= a * 1.1 + 10
        text = f"{name}: peak {a} MB at {smallest}x, {b} MB at {largest}x (target <= {a * 1.1 + 10:.0f} MB)"
        print(f"  {'ok  ' if ok else 'MISS'} {text}")
        if not ok:
            failures.append(text)
    return failures


def main() -> None:
    from w2vcli.download import data_dir

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=data_dir() / "scale")
    parser.add_argument("--piece-mb", type=int, default=256)
    parser.add_argument("--sizes", default="1,4,16")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--distinct-types", type=int, default=5_000_000)
    parser.add_argument("--skip-distinct", action="store_true")
    args = parser.parse_args()
    args.data.mkdir(parents=True, exist_ok=True)
    runs = Path(tempfile.mkdtemp(prefix="runs-", dir=args.data))  # not /tmp: a tmpfs would hide the encoded
    # corpus in RAM that RSS does not count
    sizes = [int(n) for n in args.sizes.split(",") if n]  # --sizes "": the distinct-token part only
    failures = []

    rows = []
    for times in sizes:
        corpus = corpus_of_size(args.data, args.piece_mb, times)
        summary = measure(corpus, runs / f"x{times}", args.threads)
        rows.append((times, summary))
    if rows:
        failures += report_sizes(rows, args.piece_mb, args.threads)

    if not args.skip_distinct:
        corpus = args.data / f"distinct-{args.distinct_types}-{args.piece_mb}.txt"
        if not corpus.exists():
            write_zipf_text(corpus, args.piece_mb, args.distinct_types, seed=1000)
        unbounded = measure(corpus, runs / "distinct", args.threads, "--count-only")
        bounded = measure(corpus, runs / "distinct-max", args.threads, "--count-only", "--max-vocab", "50000")
        print(f"\ncounting {corpus.name} ({unbounded['tokens'] / 1e6:,.0f}M tokens):")
        print("| --max-vocab | distinct types held at the end | pruned while counting | vocab kept | count: s / peak |")
        print("|---|---|---|---|---|")
        for label, summary in (("none", unbounded), ("50,000", bounded)):
            count = phase(summary, "read and count corpus")
            print(f"| {label} | {summary['types']:,} | {summary['pruned_types']:,} | {summary['vocab']:,} | "
                  f"{count['seconds']:.0f} s / {count['peak_mb']} MB |")
        true_top, kept, low = max_vocab_accuracy(corpus, 50_000)
        print(f"  with --max-vocab 50000: {kept:,} of the true {len(true_top):,} most frequent words kept, {low:,} "
              "of them with counts below their true counts")
        a = phase(unbounded, "read and count corpus")["peak_mb"]
        b = phase(bounded, "read and count corpus")["peak_mb"]
        ok = b < a and bounded["pruned_types"] > 0
        text = f"--max-vocab 50000: counting peak {b} MB against {a} MB without, {bounded['pruned_types']:,} pruned"
        print(f"  {'ok  ' if ok else 'MISS'} {text}")
        if not ok:
            failures.append(text)
    shutil.rmtree(runs, ignore_errors=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
